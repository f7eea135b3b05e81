import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { MAX_MESSAGE_SIZE } from '../src/bench/config.js';
import { PATTERNS } from '../src/bench/types.js';
import { MAX_REPEATS, MAX_STREAMS, type BenchmarkRun } from '../src/runs/benchmarks.js';
import { QueueFullError, RUN_STATUSES } from '../src/runs/registry.js';
import { errors } from '../src/errors.js';
import { OptionsInputSchema } from './sockopts.js';
import { errorResponses, FormatQuery, OptionReportSchema, StringEnum, TransportSchema } from './schemas.js';
import { negotiate } from './negotiate.js';
import { table, valueText } from './text.js';

const BenchmarkBody = Type.Object({
  transport: TransportSchema,
  pattern: StringEnum(PATTERNS, { description: 'stream: bulk client→server; rr: request/response; crr: connect, request, response, close (TCP)' }),
  durationMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600000, description: 'Measured time (default 3000; at most SOCKBENCH_MAX_DURATION_MS)' })),
  warmupMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600000, description: 'Run before measuring, excluded from figures (default 500)' })),
  repeats: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_REPEATS, description: 'The result is the median over repeats (default 1)' })),
  streams: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_STREAMS, description: 'Parallel pairs, like iperf3 -P (default 1); figures add up' })),
  messageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_MESSAGE_SIZE, description: 'Bytes per write (stream, default 131072; 1472 for datagrams) or per request (rr, default 64)' })),
  responseSize: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_MESSAGE_SIZE, description: 'rr/crr: bytes per response (default: messageSize)' })),
  requestWrites: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_MESSAGE_SIZE, description: 'rr/crr: send each request as this many writes (Nagle and delayed ACK)' })),
  rateBitsPerSecond: Type.Optional(Type.Number({ minimum: 0, description: 'stream: pace the sender (0: as fast as possible)' })),
  intervalMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600000, description: 'Samples every intervalMs (0 or absent: none)' })),
  options: Type.Optional(Type.Object({
    both: Type.Optional(OptionsInputSchema),
    client: Type.Optional(OptionsInputSchema),
    server: Type.Optional(OptionsInputSchema),
  }, { additionalProperties: false, description: 'Options per side, in the probe forms; both first, then the side\'s own' })),
}, { additionalProperties: false });

const RunSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  status: StringEnum(RUN_STATUSES),
  queuePosition: Type.Union([Type.Integer(), Type.Null()]),
  createdAt: Type.String(), startedAt: Type.Union([Type.String(), Type.Null()]), finishedAt: Type.Union([Type.String(), Type.Null()]),
  config: Type.Object({}, { additionalProperties: true }),
  progress: Type.Object({ done: Type.Integer(), total: Type.Integer() }),
  result: Type.Union([Type.Object({
    host: Type.Object({}, { additionalProperties: true }),
    sockets: Type.Object({ client: Type.Array(OptionReportSchema), server: Type.Array(OptionReportSchema) }),
    result: Type.Object({}, { additionalProperties: true, description: 'Median over repeats; min, max, cpu, tcpInfo, limitedBy alongside' }),
    repeats: Type.Array(Type.Object({}, { additionalProperties: true })),
    intervals: Type.Union([Type.Array(Type.Object({}, { additionalProperties: true })), Type.Null()]),
  }), Type.Null()]),
  error: Type.Union([Type.Object({ code: Type.String(), message: Type.String() }), Type.Null()]),
});

const Params = Type.Object({ id: Type.String({ maxLength: 64 }) });

function fmt(n: unknown, unit: string, scale = 1, digits = 2): string {
  return typeof n === 'number' ? `${(n / scale).toFixed(digits)} ${unit}` : 'n/a';
}

function runText(run: BenchmarkRun): string {
  const c = run.config;
  const lines = [`${run.id}  ${run.status}  ${c.transport} ${c.pattern}  ${c.durationMs} ms x ${c.repeats}${c.streams > 1 ? `  ${c.streams} streams` : ''}  message ${c.messageSize} B`];
  if (run.error) lines.push(`error: ${run.error.code}: ${run.error.message}`);
  const out = run.result;
  if (out) {
    const r = out.result as Record<string, any>;
    if (c.pattern === 'stream' && 'verified' in r) {
      lines.push(`throughput ${fmt(r.bitsPerSecond, 'Gbit/s', 1e9)} (min ${fmt(r.min?.bitsPerSecond, 'Gbit/s', 1e9)}, max ${fmt(r.max?.bitsPerSecond, 'Gbit/s', 1e9)})  ${r.bytes} bytes  verified ${r.verified}`);
    } else if (c.pattern === 'stream') {
      lines.push(`received ${fmt(r.bitsPerSecond, 'Mbit/s', 1e6)}  sent ${r.sent}  lost ${r.lost} (${fmt(typeof r.lossRatio === 'number' ? r.lossRatio * 100 : null, '%', 1, 3)})  reordered ${r.reordered}`);
    } else {
      const l = r.latencyMicros ?? {};
      lines.push(`${fmt(r.transactionsPerSecond, 'transactions/s', 1, 0)}  latency µs p50 ${fmt(l.p50, '', 1, 1)} p90 ${fmt(l.p90, '', 1, 1)} p99 ${fmt(l.p99, '', 1, 1)} max ${fmt(l.max, '', 1, 1)}`);
    }
    const cpu = r.cpu ?? {};
    lines.push(`cpu ms  client user ${fmt(cpu.client?.userMs, '', 1, 1)} sys ${fmt(cpu.client?.systemMs, '', 1, 1)}  server user ${fmt(cpu.server?.userMs, '', 1, 1)} sys ${fmt(cpu.server?.systemMs, '', 1, 1)}`);
    if (r.limitedBy) lines.push(`limited by ${r.limitedBy.reason} (busy ${r.limitedBy.busyMicros} µs, rwnd ${r.limitedBy.rwndLimitedMicros} µs, sndbuf ${r.limitedBy.sndbufLimitedMicros} µs)`);
    lines.push('', table(['SIDE', 'OPTION', 'REQUESTED', 'BEFORE', 'EFFECTIVE', 'CONNECTED', 'END', 'OK'],
      (['client', 'server'] as const).flatMap((side) => out.sockets[side].map((o) => [side, o.name, valueText(o.requested), valueText(o.before), valueText(o.effective),
        o.connected === undefined ? '' : valueText(o.connected), o.end === undefined ? '' : valueText(o.end), o.ok ? 'ok' : o.error?.code]))).trimEnd());
  }
  return lines.join('\n') + '\n';
}

/** done: 200; failed: 422 and cancelled: 409, with the run document, so `curl --fail` fails on them. */
function statusFor(run: BenchmarkRun): number {
  return run.status === 'done' ? 200 : run.status === 'failed' ? 422 : run.status === 'cancelled' ? 409 : 202;
}

const benchmarks: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.benchmarks;

  const notFound = (id: string) => errors.runNotFound(`No benchmark ${id}; finished runs are kept for the last SOCKBENCH_KEEP_RUNS runs.`);
  const send = (request: Parameters<typeof negotiate>[0], reply: FastifyReply, run: BenchmarkRun) =>
    negotiate(request, reply.code(statusFor(run)), run, runText);

  app.post('/benchmarks', {
    schema: {
      summary: 'Run a benchmark between a configured loopback pair; waits for the result unless ?wait=false',
      tags: ['benchmarks'],
      body: BenchmarkBody,
      querystring: Type.Object({ wait: Type.Optional(Type.Boolean({ default: true })), format: Type.Optional(FormatQuery) }, { additionalProperties: false }),
      response: { 200: RunSchema, 202: RunSchema, 409: RunSchema, 422: RunSchema, ...errorResponses(400, 413, 415, 429) },
    },
  }, async (request, reply) => {
    let run: BenchmarkRun;
    try {
      run = service.submit(request.body);
    } catch (err) {
      if (err instanceof QueueFullError) {
        reply.header('retry-after', String(err.retryAfterSeconds));
        throw errors.queueFull(`${err.limit} benchmarks are already waiting; retry in about ${err.retryAfterSeconds} s (Retry-After), or raise SOCKBENCH_QUEUE_LIMIT.`);
      }
      throw err;
    }
    reply.header('location', `/v1/benchmarks/${run.id}`);
    if (request.query.wait === false) return send(request, reply, run);
    // A client that hangs up does not want the result: its run must not hold the queue.
    const onClose = () => { if (!reply.raw.writableFinished) service.registry.cancel(run.id); };
    reply.raw.once('close', onClose);
    const finished = (await service.registry.waitFor(run.id)) ?? run;
    return send(request, reply, finished);
  });

  app.get('/benchmarks/:id', {
    schema: {
      summary: 'A benchmark: status, progress, result',
      tags: ['benchmarks'], params: Params,
      querystring: Type.Object({ format: Type.Optional(FormatQuery) }, { additionalProperties: false }),
      response: { 200: RunSchema, ...errorResponses(404) },
    },
  }, async (request, reply) => {
    const run = service.registry.get(request.params.id);
    if (!run) throw notFound(request.params.id);
    return negotiate(request, reply, run, runText);
  });

  app.delete('/benchmarks/:id', {
    schema: {
      summary: 'Cancel a queued or running benchmark (200 with its final state), or forget a finished one (204)',
      tags: ['benchmarks'], params: Params,
      response: { 200: RunSchema, 204: Type.Null(), ...errorResponses(404) },
    },
  }, async (request, reply) => {
    const run = service.registry.get(request.params.id);
    if (!run) throw notFound(request.params.id);
    if (run.finishedAt !== null) {
      await service.registry.remove(run.id);
      return reply.code(204).send(null);
    }
    service.registry.cancel(run.id);
    return (await service.registry.waitFor(run.id)) ?? run;
  });
};

export default benchmarks;
