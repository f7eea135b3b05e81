import type { FastifyPluginAsync } from 'fastify';
import { textResponse } from './schemas.js';

// Outside /v1: Prometheus scrapes /metrics by convention, and its format is not part of the versioned JSON API.
const metrics: FastifyPluginAsync = async (app) => {
  app.get('/metrics', {
    schema: {
      summary: 'Prometheus metrics: process, runs by transport, pattern and status, run durations, latest figures per transport and pattern',
      tags: ['host'],
      produces: ['text/plain'],
      response: textResponse('text/plain', 'The Prometheus text exposition format'),
    },
  }, async (_request, reply) => {
    reply.type(app.metrics.contentType);
    return app.metrics.text();
  });
};

export default metrics;
