import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { VERSION } from '../src/version.js';

const HealthSchema = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  uptimeSeconds: Type.Number(),
});

const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', {
    // Liveness: no token, no rate limit, no load shedding (src/security/public.ts).
    config: { public: true },
    schema: { summary: 'Liveness: answers while the event loop is alive', tags: ['service'], response: { 200: HealthSchema } },
  }, async () => ({ status: 'ok' as const, version: VERSION, uptimeSeconds: Math.round(process.uptime() * 1000) / 1000 }));
};

export default health;
