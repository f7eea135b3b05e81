import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { health, HealthSchema } from '../src/observability/health.js';

const healthRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', {
    // Liveness: no token, no rate limit, no load shedding (src/security/public.ts).
    config: { public: true },
    schema: { summary: 'Liveness: answers while the event loop is alive', tags: ['service'], response: { 200: HealthSchema } },
  }, async () => health());
};

export default healthRoute;
