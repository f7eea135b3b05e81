import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Config } from './config.js';
import { VERSION } from './version.js';
import { FRAMEWORK_CODES, INTERNAL, INVALID_REQUEST, ROUTE_NOT_FOUND, type SockbenchError } from './errors.js';
import { ErrorSchema, type ErrorBody } from '../routes/schemas.js';
import routes from '../routes/index.js';
import metricsRoute from '../routes/metrics.js';
import { BenchmarkService, describeError, traceError } from './runs/benchmarks.js';
import { Runs } from './runs/runs.js';
import { RunStore } from './runs/store.js';
import { SnapshotService } from './host/snapshots.js';
import { ServiceMetrics } from './runs/service-metrics.js';
import { loadBaseline } from './host/baseline.js';
import { hostMetrics } from './host/host-metrics.js';
import { SweepService } from './runs/sweeps.js';
import { PeerSessionService } from './peer/sessions.js';
import { PeerClient } from './peer/client.js';
import { congestionControl } from './host/congestion.js';
import { senderQdisc } from './host/qdisc.js';
import { LocalExecutor, workerPool } from './bench/index.js';
import overload from './security/overload.js';
import rateLimit from './security/rate-limit.js';
import auth from './security/auth.js';
import { lazyCompilers } from './lazy-compilers.js';
import { AdviceService } from './advice/service.js';
import { tuningFacts } from './host/tuning-facts.js';
import { documentRoutes, swaggerOptions } from './api-document.js';
import type { ContractViolation } from './response-contract.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
    runs: Runs;
    benchmarks: BenchmarkService;
    snapshots: SnapshotService;
    metrics: ServiceMetrics;
    sweeps: SweepService;
    peerSessions: PeerSessionService;
    advice: AdviceService;
  }
  interface FastifyContextConfig {
    /** The 413 message of a route whose big bodies have a better remedy than a smaller request. */
    bodyTooLarge?: string;
  }
}

interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
  parentSchema?: { description?: string };
}

/** "body.options.SO_LINGER" from Fastify's context ("body") and Ajv's "/options/SO_LINGER". */
function fieldOf(context: string | undefined, path: string): string {
  return [context ?? 'request', ...path.split('/').filter(Boolean)].join('.');
}

/** One clear sentence for a schema violation, naming the field and what it accepts. */
function validationMessage(err: FastifyError): { message: string; field: string } {
  const list = (err.validation ?? []) as unknown as AjvError[];
  // anyOf reports every branch's failure first; the anyOf entry itself says it best.
  const e = list.find((x) => x.keyword === 'anyOf') ?? list[0];
  if (!e) return { message: err.message, field: err.validationContext ?? 'request' };
  const field = fieldOf(err.validationContext, e.instancePath);
  switch (e.keyword) {
    case 'enum':
      return { field, message: `${field} must be one of: ${(e.params.allowedValues as unknown[]).join(', ')}.` };
    case 'required':
      return { field: `${field}.${String(e.params.missingProperty)}`, message: `${field}.${String(e.params.missingProperty)} is required.` };
    case 'additionalProperties':
      return { field, message: `${field} has an unknown property "${String(e.params.additionalProperty)}"; remove it (see GET /v1/openapi.json for the allowed ones).` };
    case 'anyOf':
      return { field, message: `${field} must be ${e.parentSchema?.description ?? 'one of the documented forms (see /docs)'}.` };
    default:
      return { field, message: `${field} ${e.message ?? 'is invalid'}.` };
  }
}

export interface BuildOptions {
  config: Config;
  logger?: FastifyServerOptions['logger'];
  /**
   * Tests: check every JSON reply against its route's response schema, and hear of each one that
   * it does not describe (that reply becomes a 500). Off in service: it costs a validation and a
   * second serialization per reply.
   */
  checkResponses?: (violation: ContractViolation) => void;
}

/** The Fastify instance with every plugin, handler and route; tests use it through inject(). */
export async function buildApp({ config, logger, checkResponses }: BuildOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logger ?? { level: config.LOG_LEVEL },
    bodyLimit: config.SOCKBENCH_BODY_LIMIT,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    schemaController: { compilersFactory: lazyCompilers() },
    ajv: {
      // Unknown properties are errors, not silently dropped; verbose gives anyOf its description.
      customOptions: { removeAdditional: false, verbose: true, allErrors: false },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // Throws BaselineError, naming the setting and the fix, before anything is opened.
  const baseline = config.SOCKBENCH_BASELINE ? loadBaseline(config.SOCKBENCH_BASELINE) : null;
  // Throws StoreOpenError, which names the file and the fix, before anything else starts.
  const store = new RunStore(config.SOCKBENCH_DATA_DIR, { maxRuns: config.SOCKBENCH_RETAIN_RUNS, maxAgeDays: config.SOCKBENCH_RETAIN_DAYS });
  const runs = new Runs(store, config, { describeError, traceError, log: app.log, onStoreError: (err, runId) => app.log.error({ err, runId }, 'cannot write a run to the history') });
  if (runs.interruptedAtStart > 0) app.log.warn({ runs: runs.interruptedAtStart, file: store.file }, 'runs left unfinished by the previous process are marked failed');
  app.decorate('config', config);
  app.decorate('runs', runs);
  workerPool.configure({ maxIdle: config.SOCKBENCH_IDLE_WORKERS, idleMs: config.SOCKBENCH_WORKER_IDLE_MS });
  const benchmarks = new BenchmarkService(config, runs, {
    local: new LocalExecutor({ connectTimeoutMs: config.SOCKBENCH_PROBE_TIMEOUT_MS }),
    peer: new PeerClient(config),
  }, { availableCongestion: () => congestionControl().available, senderQdisc });
  app.decorate('benchmarks', benchmarks);
  app.decorate('sweeps', new SweepService(config, runs, benchmarks));
  app.decorate('advice', new AdviceService((id) => benchmarks.get(id), () => tuningFacts(config.SOCKBENCH_PROBE_TIMEOUT_MS)));
  const snapshots = new SnapshotService(store, config.SOCKBENCH_PROBE_TIMEOUT_MS);
  app.decorate('snapshots', snapshots);
  const metrics = new ServiceMetrics(runs, VERSION, (err, runId) => app.log.error({ err, runId }, 'cannot update the metrics'), [
    hostMetrics({ take: (state) => snapshots.take(state), baseline }),
  ]);
  app.decorate('metrics', metrics);
  app.decorate('peerSessions', new PeerSessionService(config, runs, benchmarks, (reason, log) => {
    metrics.peerRejected(reason);
    (log ?? app.log).warn({ reason }, 'a peer data connection was refused');
  }));
  // Before the server waits for in-flight requests: cancel runs, so that waiting clients get answers.
  app.addHook('preClose', async () => { await runs.registry.close(); });
  app.addHook('onClose', async () => {
    metrics.close();
    runs.store.close();
    // Runs are over by now (preClose); idle side workers would otherwise linger until their idle timeout.
    await workerPool.drain();
  });
  app.addSchema(ErrorSchema);

  app.setErrorHandler((err: FastifyError & SockbenchError, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    const body: ErrorBody = { statusCode: status, code: INTERNAL, error: '', message: err.message };
    if (err.validation) {
      const v = validationMessage(err);
      Object.assign(body, { code: 'SOCKBENCH_VALIDATION', message: v.message, field: v.field });
    } else if (err.code?.startsWith('SOCKBENCH_')) {
      body.code = err.code;
      if (err.field) body.field = err.field;
      if (err.suggestions) body.suggestions = err.suggestions;
      if (err.retryAfterSeconds !== undefined) reply.header('retry-after', String(err.retryAfterSeconds));
    } else if (err.code && FRAMEWORK_CODES[err.code]) {
      body.code = FRAMEWORK_CODES[err.code];
      const tooLarge = request.routeOptions.config?.bodyTooLarge;
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' && tooLarge) body.message = tooLarge;
    } else if (status < 500) {
      body.code = INVALID_REQUEST;
    }
    // A 5xx of our own (SOCKBENCH_OVERLOADED) is written for the client; any other is a bug.
    if (status >= 500 && !err.code?.startsWith('SOCKBENCH_')) {
      request.log.error({ err }, 'request failed');
      body.message = `Internal error (request id ${request.id}); the log has the details.`;
    }
    body.error = STATUS_CODES[status] ?? 'Error';
    reply.code(status).type('application/json; charset=utf-8').send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({
      statusCode: 404, code: ROUTE_NOT_FOUND, error: 'Not Found',
      message: `No route ${request.method} ${request.url.split('?')[0]}. The API lives under /v1; GET /v1/openapi.json lists every route.`,
    } satisfies ErrorBody);
  });

  // Cheapest refusal first: shedding, then the rate limit (which counts token guesses), then the token.
  await app.register(overload, { maxEventLoopDelayMs: config.SOCKBENCH_MAX_EVENT_LOOP_DELAY_MS });
  await app.register(rateLimit, { max: config.SOCKBENCH_RATE_LIMIT, windowMs: config.SOCKBENCH_RATE_WINDOW_MS });
  await app.register(auth, { token: config.SOCKBENCH_TOKEN });
  // Before any route, so that every route's schema is complete when swagger and the check read it.
  documentRoutes(app);
  if (checkResponses) (await import('./response-contract.js')).checkResponses(app, checkResponses);
  await app.register(swagger, swaggerOptions(Boolean(config.SOCKBENCH_TOKEN)));
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(routes, { prefix: '/v1' });
  await app.register(metricsRoute);
  return app;
}
