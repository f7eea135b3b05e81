import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Open to every client whatever the load: no token, no rate limit, no load shedding. Only for
     * liveness (GET /v1/health), which must answer while the process lives and tells nothing secret.
     */
    public?: boolean;
  }
}

export function isPublic(request: FastifyRequest): boolean {
  return request.routeOptions.config.public === true;
}
