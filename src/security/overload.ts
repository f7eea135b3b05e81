import fp from 'fastify-plugin';
import underPressure from '@fastify/under-pressure';
import { errors } from '../errors.js';
import { isPublic } from './public.js';

/** How often the mean event-loop delay is measured: how quickly shedding starts, and stops. */
const SAMPLE_INTERVAL_MS = 250;
/**
 * ready() compiles every schema in one go (half a second on a 2-vCPU VM), and the samples just
 * after it show that as lag: start-up, not load. Nothing is shed until they have been replaced.
 */
export const STARTUP_GRACE_MS = 3 * SAMPLE_INTERVAL_MS;
/** Long enough for a backlog to drain, short enough that a CI job retrying does not wait long. */
const RETRY_AFTER_SECONDS = 5;

/**
 * Answers 503 while the event loop lags more than `maxEventLoopDelayMs` on average (0: never),
 * rather than queueing work that cannot be served in time. Benchmarks run in worker threads, so
 * a lagging loop means the service itself is swamped. Public routes (liveness) are still served.
 */
export default fp<{ maxEventLoopDelayMs: number }>(async (app, { maxEventLoopDelayMs }) => {
  if (maxEventLoopDelayMs === 0) return;
  let started = false;
  let grace: NodeJS.Timeout | undefined;
  app.addHook('onReady', async () => {
    grace = setTimeout(() => { started = true; }, STARTUP_GRACE_MS).unref();
  });
  app.addHook('onClose', async () => { clearTimeout(grace); });
  await app.register(underPressure, {
    maxEventLoopDelay: maxEventLoopDelayMs,
    sampleInterval: SAMPLE_INTERVAL_MS,
    // Instead of customError and retryAfter, which would also turn liveness away.
    pressureHandler: async (request) => {
      if (!started || isPublic(request)) return;
      throw errors.overloaded(
        `The service is overloaded: its event loop lags more than SOCKBENCH_MAX_EVENT_LOOP_DELAY_MS (${maxEventLoopDelayMs} ms) on average; retry in ${RETRY_AFTER_SECONDS} s.`,
        RETRY_AFTER_SECONDS,
      );
    },
  });
}, { name: 'sockbench-overload' });
