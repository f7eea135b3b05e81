import type { FastifyPluginAsync } from 'fastify';

// Outside /v1: Prometheus scrapes /metrics by convention, and its format is not part of the versioned JSON API.
const metrics: FastifyPluginAsync = async (app) => {
  app.get('/metrics', {
    schema: {
      summary: 'Prometheus metrics: process, runs by transport, pattern and status, run durations, latest figures per transport and pattern',
      tags: ['host'],
      produces: ['text/plain'],
    },
  }, async (_request, reply) => {
    reply.type(app.metrics.contentType);
    return app.metrics.text();
  });
};

export default metrics;
