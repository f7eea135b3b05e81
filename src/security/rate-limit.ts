import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import { errors } from '../errors.js';
import { isPublic } from './public.js';

/**
 * At most `max` requests per `windowMs` per client address (0: no limit). The plugin's own
 * per-route hooks would run after authentication and skip unknown routes; one hook on every
 * request, registered before authentication, also counts token guesses and route scans.
 */
export default fp<{ max: number; windowMs: number }>(async (app, { max, windowMs }) => {
  if (max === 0) return;
  await app.register(rateLimit, {
    global: false,
    max,
    timeWindow: windowMs,
    allowList: (request) => isPublic(request),
    errorResponseBuilder: (_request, context) => errors.rateLimited(
      `More than ${context.max} requests from this address within ${windowMs} ms (the service's SOCKBENCH_RATE_LIMIT and SOCKBENCH_RATE_WINDOW_MS); retry in ${Math.ceil(context.ttl / 1000)} s.`,
    ),
  });
  app.addHook('onRequest', app.rateLimit());
}, { name: 'sockbench-rate-limit' });
