import type { FastifyInstance, RouteOptions } from 'fastify';
import type { SwaggerOptions } from '@fastify/swagger';
import { Type, type TSchema } from '@sinclair/typebox';
import { VERSION } from './version.js';

// The OpenAPI document's frame (GET /v1/openapi.json): what every operation shares, so that route
// files declare only what is their own. It lints clean under redocly's recommended rules
// (redocly.yaml).

const BEARER = 'bearerToken';

export function swaggerOptions(tokenConfigured: boolean): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'sockbench', version: VERSION,
        description: 'What Linux socket options really do on this host.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      // Relative: the document describes the instance that serves it, wherever it listens.
      servers: [{ url: '/', description: 'The instance serving this document' }],
      components: {
        securitySchemes: {
          [BEARER]: {
            type: 'http', scheme: 'bearer',
            description: 'SOCKBENCH_TOKEN, sent as "Authorization: Bearer <token>". Required by every operation but GET /v1/health when the instance is started with a token; ignored otherwise.',
          },
        },
      },
      // Without a token configured this instance needs none ({}), and says so.
      security: tokenConfigured ? [{ [BEARER]: [] }] : [{ [BEARER]: [] }, {}],
    },
  };
}

/** "getBenchmarksById" from GET /v1/benchmarks/:id: stable, unique per method and path. */
export function operationIdOf(method: string, url: string): string {
  const words = url.split('/').filter((s) => s !== '' && s !== 'v1')
    .map((s) => (s.startsWith(':') ? `by-${s.slice(1)}` : s))
    .flatMap((s) => s.split(/[^A-Za-z0-9]+/)).filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
}

interface RouteSchema {
  hide?: boolean;
  operationId?: string;
  security?: unknown[];
  response?: Record<string, TSchema>;
}

/**
 * What every documented route gets unless it says otherwise: an operationId, and the errors any
 * request can meet before its handler runs (the token, the rate limit, load shedding) or that a
 * bug answers. Public routes (GET /v1/health) skip all of those and need no token.
 */
export function documentRoutes(app: FastifyInstance): void {
  const error = Type.Ref('Error');
  app.addHook('onRoute', (route: RouteOptions) => {
    const schema = route.schema as RouteSchema | undefined;
    if (!schema || schema.hide) return;
    const method = Array.isArray(route.method) ? route.method[0] : route.method;
    schema.operationId ??= operationIdOf(method, route.url);
    const common: Record<string, TSchema> = route.config?.public === true
      ? { 500: error }
      : { 401: error, 429: error, 500: error, 503: error };
    schema.response = { ...common, ...schema.response };
    if (route.config?.public === true) schema.security = [];
  });
}
