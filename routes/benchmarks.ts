import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  BACKGROUND_DIRECTIONS, type CongestionInput, DIRECTIONS, MAX_BACKGROUND_STREAMS, MAX_CONGESTION_NAME, MAX_GSO_SEGMENTS, MAX_IN_FLIGHT, MAX_IN_FLIGHT_BYTES, MAX_MESSAGE_SIZE,
  MAX_PACING_BITS_PER_SECOND, MIN_PACING_BITS_PER_SECOND, PATTERNS, SEND_MODES,
} from '../src/bench/index.js';
import { BenchmarkRunSchema, MAX_REPEATS, MAX_STREAMS, type BenchmarkRun } from '../src/runs/benchmarks.js';
import { compareRuns, RunComparisonSchema, type RunComparison } from '../src/runs/compare.js';
import { metricsOf } from '../src/runs/metrics.js';
import { RUN_STATUSES } from '../src/runs/registry.js';
import { errors } from '../src/errors.js';
import { formatShort } from '../src/report/format.js';
import { table, valueText } from '../src/report/text.js';
import { OptionsInputSchema } from './sockopts.js';
import {
  errorResponses, FormatQuery, IdParams, NullableNumber, PageQuery, StringEnum, TableFormatQuery, TransportSchema, textResponse,
} from './schemas.js';
import { negotiate, sendCsv, wantsCsv } from './negotiate.js';
import { cancelRun, deleteRun, replyFor, runEvents, submitRun, waitForRun } from './run-lifecycle.js';

export const BenchmarkBody = Type.Object({
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
  affinity: Type.Optional(Type.Object({
    client: Type.Optional(Type.Integer({ minimum: 0, maximum: 1023, description: 'CPU for the client side\'s thread' })),
    server: Type.Optional(Type.Integer({ minimum: 0, maximum: 1023, description: 'CPU for the server side\'s thread (on the peer, for peer runs)' })),
  }, { additionalProperties: false, description: 'Pin each side\'s thread to one CPU, like iperf3 -A client,server; a side left out is placed by the scheduler' })),
  sendMode: Type.Optional(StringEnum(SEND_MODES, { description: 'stream: copy (send), zerocopy (MSG_ZEROCOPY from a ring of buffers; tcp4, tcp6, udp4, udp6) or sendfile (from a memfd, like iperf3 -Z; tcp4, tcp6, unix). Default copy' })),
  gso: Type.Optional(Type.Boolean({ description: `udp4/udp6 stream: each send carries up to ${MAX_GSO_SEGMENTS} datagrams of messageSize (UDP_SEGMENT)` })),
  gro: Type.Optional(Type.Boolean({ description: 'udp4/udp6 stream: the receiver sets UDP_GRO and counts the segments of each coalesced read' })),
  inFlight: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_IN_FLIGHT, description: `rr: requests outstanding per connection, like neper's burst (default 1; inFlight × the larger message at most ${MAX_IN_FLIGHT_BYTES} bytes)` })),
  background: Type.Optional(Type.Object({
    streams: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BACKGROUND_STREAMS, description: 'Bulk streams (default 1)' })),
    direction: Type.Optional(StringEnum(BACKGROUND_DIRECTIONS, { description: 'forward: client to server, as the requests go' })),
    messageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_MESSAGE_SIZE, description: 'Bytes per send of each stream (default 131072; 1472 for datagrams)' })),
  }, { additionalProperties: false, description: 'rr: bulk streams on the same transport for the whole window, for latency under load (flent RRUL); the result gives rr.background' })),
  direction: Type.Optional(StringEnum(DIRECTIONS, { description: 'stream on tcp4, tcp6, unix: forward (client to server, default), reverse (the server sends, like iperf3 -R) or bidirectional (both at once on one connection, like iperf3 --bidir); the result gives summary.directions, each direction\'s figures, and summary.sentBy' })),
  // Checked by the config's resolution, which names the field at fault, rather than by an anyOf whose errors name every branch.
  congestion: Type.Optional(Type.Unsafe<CongestionInput>({
    description: `TCP: congestion control (TCP_CONGESTION, like iperf3 -C): "bbr" for both sides, or {"client": "bbr", "server": "cubic"}; a side left out keeps its host's default. Each must be in its host's net.ipv4.tcp_available_congestion_control (the peer's for the server side: GET /v1/peer/capabilities), else 400 SOCKBENCH_CONGESTION_UNAVAILABLE; names of at most ${MAX_CONGESTION_NAME} characters`,
    examples: ['bbr', { client: 'bbr', server: 'cubic' }],
  })),
  pacingRateBitsPerSecond: Type.Optional(Type.Integer({ minimum: MIN_PACING_BITS_PER_SECOND, maximum: MAX_PACING_BITS_PER_SECOND, description: 'TCP stream: cap the sender with SO_MAX_PACING_RATE (the 64-bit form, so beyond 34 Gbit/s), like iperf3 --fq-rate; TCP paces by itself without fq. The result\'s summary.pacing says what the socket held and whether the cap bounded the run' })),
  peer: Type.Optional(Type.String({ maxLength: 2048, description: 'Base URL of another sockbench (one of SOCKBENCH_PEERS): it runs the server side, this instance the client side; tcp4, tcp6, udp4, udp6 with stream or rr' })),
  options: Type.Optional(Type.Object({
    both: Type.Optional(OptionsInputSchema),
    client: Type.Optional(OptionsInputSchema),
    server: Type.Optional(OptionsInputSchema),
  }, { additionalProperties: false, description: 'Options per side, in the probe forms; both first, then the side\'s own' })),
}, { additionalProperties: false });

const cpuTotal = (u: { userMs: number; systemMs: number } | null | undefined): number | null => (u ? u.userMs + u.systemMs : null);

function fmt(n: unknown, unit: string, scale = 1, digits = 2): string {
  return typeof n === 'number' ? `${(n / scale).toFixed(digits)} ${unit}` : 'n/a';
}

function runText(run: BenchmarkRun): string {
  const c = run.config;
  const lines = [`${run.id}  ${run.status}  ${c.transport} ${c.pattern}  ${c.durationMs} ms x ${c.repeats}${c.streams > 1 ? `  ${c.streams} streams` : ''}  message ${c.messageSize} B`];
  if (c.peer) {
    const far = run.result?.peer?.host;
    lines.push(`client here (${run.result?.host.hostname ?? 'this host'}), server on peer ${c.peer}${far ? ` (${far.hostname}, kernel ${far.kernel})` : ''}`);
  }
  if (run.error) lines.push(`error: ${run.error.code}: ${run.error.message}`);
  const out = run.result;
  if (out) {
    const r = out.summary;
    if ('verified' in r) {
      lines.push(`throughput ${fmt(r.bitsPerSecond, 'Gbit/s', 1e9)} (min ${fmt(r.min.bitsPerSecond, 'Gbit/s', 1e9)}, max ${fmt(r.max.bitsPerSecond, 'Gbit/s', 1e9)})  ${r.bytes} bytes  verified ${r.verified}`);
    } else if ('lost' in r) {
      lines.push(`received ${fmt(r.bitsPerSecond, 'Mbit/s', 1e6)}  sent ${r.sent}  lost ${r.lost} (${fmt(typeof r.lossRatio === 'number' ? r.lossRatio * 100 : null, '%', 1, 3)})  reordered ${r.reordered}`);
    } else {
      const l = r.latencyMicros;
      lines.push(`${fmt(r.transactionsPerSecond, 'transactions/s', 1, 0)}  latency µs p50 ${fmt(l.p50, '', 1, 1)} p90 ${fmt(l.p90, '', 1, 1)} p99 ${fmt(l.p99, '', 1, 1)} max ${fmt(l.max, '', 1, 1)}`);
    }
    if ('zerocopy' in r && r.zerocopy) lines.push(`zerocopy  sends ${r.zerocopy.sends}  completed ${r.zerocopy.completed}  copied by the kernel ${r.zerocopy.copied}  unconfirmed ${r.zerocopy.unconfirmed}  ring ${r.zerocopy.ringBuffers} buffers`);
    if ('gsoSegmentsPerSend' in r && r.gsoSegmentsPerSend) lines.push(`gso  ${r.gsoSegmentsPerSend} datagrams per send`);
    if ('gro' in r && r.gro) lines.push(`gro  ${r.gro.segments} segments in ${r.gro.receives} reads (${r.gro.coalesced} coalesced)  sizes ${Object.entries(r.gro.segmentSizes).map(([k, v]) => `${k} B x ${v}`).join(', ')}`);
    if ('cpuMsPerGigabyte' in r) lines.push(`cpu ms per GB  client ${fmt(r.cpuMsPerGigabyte.client, '', 1, 1)}  server ${fmt(r.cpuMsPerGigabyte.server, '', 1, 1)}`);
    if ('inFlight' in r && r.inFlight > 1) lines.push(`${r.inFlight} requests in flight`);
    if ('directions' in r && r.directions) {
      for (const [name, d] of Object.entries(r.directions)) {
        if (!d) continue;
        lines.push(`${name}  sent by ${d.sentBy}${c.peer ? (d.sentBy === 'server' ? ` (peer ${c.peer})` : ' (this host)') : ''}  ${fmt(d.bitsPerSecond, 'Gbit/s', 1e9)}  ${d.bytes} bytes  verified ${d.verified}  cpu ms client ${fmt(cpuTotal(d.cpu.client), '', 1, 1)} server ${fmt(cpuTotal(d.cpu.server), '', 1, 1)}`);
      }
    }
    if (r.congestion) lines.push(`congestion  client ${r.congestion.client ?? 'n/a'}  server ${r.congestion.server ?? 'n/a'}`);
    const p = 'pacing' in r ? r.pacing : undefined;
    if (p && p.requestedBitsPerSecond !== null) {
      lines.push(`pacing  asked ${fmt(p.requestedBitsPerSecond, 'Gbit/s', 1e9, 3)}  socket ${fmt(p.effectiveBitsPerSecond, 'Gbit/s', 1e9, 3)}  tcp_info pacing_rate ${fmt(p.tcpInfoPacingRateBitsPerSecond, 'Gbit/s', 1e9, 3)}  ${p.bounded ? 'bounded the run' : 'did not bound the run'}`);
    }
    const q = 'senderQdisc' in r ? r.senderQdisc : undefined;
    if (q) lines.push(`sender qdisc  ${q.device} ${q.root ?? 'unknown'} (${q.pacedBy === 'fq' ? 'fq paces' : 'TCP paces internally'})`);
    const bg = 'background' in r ? r.background : null;
    if (bg) lines.push(`under load: ${bg.streams} background ${bg.direction} stream${bg.streams > 1 ? 's' : ''} of ${bg.messageSize} B, ${fmt(bg.bitsPerSecond, 'Gbit/s', 1e9)} over ${fmt(bg.seconds, 's', 1, 2)}${bg.coveredWindow ? '' : ' (did NOT cover the whole window)'}`);
    const cpu = r.cpu;
    // Where a pinned side ran; an unpinned one was free to move (the JSON's `cpus` lists where).
    const on = (side: 'client' | 'server') => (c.affinity?.[side] == null ? '' : `on cpu ${(r.cpus[side] ?? []).join(',')}`);
    lines.push(`cpu ms  client user ${fmt(cpu.client.userMs, '', 1, 1)} sys ${fmt(cpu.client.systemMs, '', 1, 1)}${on('client')}  server user ${fmt(cpu.server.userMs, '', 1, 1)} sys ${fmt(cpu.server.systemMs, '', 1, 1)}${on('server')}`);
    const [first, ...others] = out.explanation ?? [];
    if (first) {
      lines.push(`why: ${first.code}: ${first.summary}`);
      if (first.advice) lines.push(`advice: ${first.advice}`);
      if (others.length > 0) lines.push(`also: ${others.map((f) => f.code).join(', ')} (see explanation in the JSON)`);
    }
    lines.push('', table(['SIDE', 'OPTION', 'REQUESTED', 'BEFORE', 'EFFECTIVE', 'CONNECTED', 'END', 'OK'],
      (['client', 'server'] as const).flatMap((side) => out.sockets[side].map((o) => [side, o.name, valueText(o.requested), valueText(o.before), valueText(o.effective),
        o.connected === undefined ? '' : valueText(o.connected), o.end === undefined ? '' : valueText(o.end), o.ok ? 'ok' : o.error?.code]))).trimEnd());
  }
  return lines.join('\n') + '\n';
}

const RunRowSchema = Type.Object({
  id: Type.String(), status: StringEnum(RUN_STATUSES), transport: Type.String(), pattern: Type.String(),
  createdAt: Type.String(), finishedAt: Type.Union([Type.String(), Type.Null()]),
  durationMs: Type.Integer(), repeats: Type.Integer(), streams: Type.Integer(), messageSize: Type.Integer(),
  bitsPerSecond: NullableNumber, transactionsPerSecond: NullableNumber, latencyP50Micros: NullableNumber, latencyP99Micros: NullableNumber, lossRatio: NullableNumber,
  error: Type.Union([Type.String(), Type.Null()]),
});
type RunRow = Static<typeof RunRowSchema>;
const RUN_ROW_COLUMNS = Object.keys(RunRowSchema.properties) as Array<keyof RunRow>;

/** One line per run: what it was and its headline figures. */
function runRow(run: BenchmarkRun): RunRow {
  const c = run.config;
  const m = run.result ? metricsOf(run.result.summary) : {};
  return {
    id: run.id, status: run.status, transport: c.transport, pattern: c.pattern,
    createdAt: run.createdAt, finishedAt: run.finishedAt,
    durationMs: c.durationMs, repeats: c.repeats, streams: c.streams, messageSize: c.messageSize,
    bitsPerSecond: m.bitsPerSecond ?? null, transactionsPerSecond: m.transactionsPerSecond ?? null,
    latencyP50Micros: m.latencyP50Micros ?? null, latencyP99Micros: m.latencyP99Micros ?? null, lossRatio: m.lossRatio ?? null,
    error: run.error?.code ?? null,
  };
}

function listText(list: { total: number; runs: RunRow[] }): string {
  const n = (v: number | null, scale: number, digits: number) => (v === null ? '' : (v / scale).toFixed(digits));
  return `${list.total} runs\n\n${table(['ID', 'STATUS', 'TRANSPORT', 'PATTERN', 'CREATED', 'GBIT/S', 'TRANS/S', 'P50 µS', 'LOSS'],
    list.runs.map((r) => [r.id, r.status, r.transport, r.pattern, r.createdAt, n(r.bitsPerSecond, 1e9, 3), n(r.transactionsPerSecond, 1, 0), n(r.latencyP50Micros, 1, 1), n(r.lossRatio, 1, 4)]))}`;
}

function compareText(c: RunComparison): string {
  const n = (v: number | null) => (v === null ? 'n/a' : Math.abs(v) >= 1000 ? v.toExponential(3) : formatShort(v));
  const lines = [`a: ${c.a.id} ${c.a.transport} ${c.a.pattern} ${c.a.createdAt}`, `b: ${c.b.id} ${c.b.transport} ${c.b.pattern} ${c.b.createdAt}`, ''];
  lines.push(table(['METRIC', 'UNIT', 'A (MIN..MAX)', 'B (MIN..MAX)', 'B/A', 'VERDICT'], c.metrics.map((m) => [
    m.metric, m.unit, `${n(m.a.median)} (${n(m.a.min)}..${n(m.a.max)})`, `${n(m.b.median)} (${n(m.b.min)}..${n(m.b.max)})`,
    m.ratio === null ? 'n/a' : m.ratio.toFixed(3), m.verdict === 'unknown' ? 'unknown (need repeats >= 2)' : m.verdict,
  ])).trimEnd());
  for (const [title, diffs] of [['config', c.configDifferences], ['effective options', c.optionDifferences]] as const) {
    if (diffs.length > 0) lines.push('', table([title.toUpperCase(), 'A', 'B'], diffs.map((d) => [d.path, valueText(d.a), valueText(d.b)])).trimEnd());
  }
  return lines.join('\n') + '\n';
}

const benchmarks: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.benchmarks;
  const runs = app.runs;

  const notFound = (id: string) => errors.runNotFound(`No benchmark ${id}. GET /v1/benchmarks lists the runs kept (SOCKBENCH_RETAIN_RUNS, SOCKBENCH_RETAIN_DAYS).`);

  app.post('/benchmarks', {
    schema: {
      summary: 'Run a benchmark between a configured loopback pair; waits for the result unless ?wait=false',
      tags: ['benchmarks'],
      body: BenchmarkBody,
      querystring: Type.Object({ wait: Type.Optional(Type.Boolean({ default: true })), format: Type.Optional(FormatQuery) }, { additionalProperties: false }),
      response: { 200: BenchmarkRunSchema, 202: BenchmarkRunSchema, 409: BenchmarkRunSchema, 422: BenchmarkRunSchema, 502: BenchmarkRunSchema, ...errorResponses(400, 403, 413, 415, 429) },
    },
  }, async (request, reply) => {
    const prepared = await service.admit(request.body);
    const submitted = submitRun(reply, '/v1/benchmarks', () => service.submit(request.body, prepared));
    const run = request.query.wait === false ? submitted : await waitForRun(app, reply, submitted);
    return negotiate(request, replyFor(reply, run), run, runText);
  });

  app.get('/benchmarks', {
    schema: {
      summary: 'Benchmarks in the history, newest first, with their headline figures (JSON, text or CSV)',
      tags: ['benchmarks'],
      querystring: Type.Object({
        transport: Type.Optional(TransportSchema),
        pattern: Type.Optional(StringEnum(PATTERNS)),
        status: Type.Optional(StringEnum(RUN_STATUSES)),
        since: Type.Optional(Type.String({ format: 'date-time', description: 'Only runs created at or after this time (ISO 8601)' })),
        ...PageQuery,
        format: Type.Optional(TableFormatQuery),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer(), runs: Type.Array(RunRowSchema) }), ...errorResponses(400) },
    },
  }, async (request, reply) => {
    const { transport, pattern, status, since, limit = 20, offset = 0 } = request.query;
    const page = runs.list({ kind: 'benchmark', transport, pattern, status, since: since === undefined ? undefined : new Date(since).toISOString(), limit, offset });
    const list = { total: page.total, limit, offset, runs: (page.runs as BenchmarkRun[]).map(runRow) };
    if (wantsCsv(request)) return sendCsv(reply, RUN_ROW_COLUMNS, list.runs.map((r) => RUN_ROW_COLUMNS.map((c) => r[c])), 'benchmarks.csv');
    return negotiate(request, reply, list, listText);
  });

  app.get('/benchmarks/compare', {
    schema: {
      summary: 'Two finished benchmarks of one pattern, metric by metric: the difference, and whether it is larger than the run-to-run spread of their repeats',
      tags: ['benchmarks'],
      querystring: Type.Object({ a: Type.String({ maxLength: 64 }), b: Type.String({ maxLength: 64 }), format: Type.Optional(FormatQuery) }, { additionalProperties: false }),
      response: { 200: RunComparisonSchema, ...errorResponses(400, 404, 409) },
    },
  }, async (request, reply) => {
    const load = (which: 'a' | 'b') => {
      const id = request.query[which];
      const run = service.get(id);
      if (!run) throw Object.assign(notFound(id), { field: `querystring.${which}` });
      if (run.status !== 'done') throw errors.runNotDone(`querystring.${which}: benchmark ${id} is ${run.status}; only finished runs (status done) can be compared.`, `querystring.${which}`);
      return run;
    };
    const a = load('a');
    const b = load('b');
    if (a.config.pattern !== b.config.pattern) {
      throw errors.invalidValue(`querystring.b: benchmark ${b.id} is a ${b.config.pattern} run and ${a.id} a ${a.config.pattern} run; compare runs of one pattern.`, 'querystring.b');
    }
    return negotiate(request, reply, compareRuns(a, b), compareText);
  });

  app.get('/benchmarks/:id/events', {
    schema: {
      summary: 'Server-Sent Events of a benchmark: state, progress per repeat, each interval sample as it is measured (with intervalMs), end',
      tags: ['benchmarks'], params: IdParams,
      produces: ['text/event-stream'],
      response: { ...textResponse('text/event-stream', 'Server-Sent Events until the benchmark ends'), ...errorResponses(404) },
    },
  }, async (request, reply) => {
    const run = service.get(request.params.id);
    if (!run) throw notFound(request.params.id);
    runEvents(app, request, reply, run);
  });

  app.get('/benchmarks/:id', {
    schema: {
      summary: 'A benchmark: status, progress, result',
      tags: ['benchmarks'], params: IdParams,
      querystring: Type.Object({ format: Type.Optional(FormatQuery) }, { additionalProperties: false }),
      response: { 200: BenchmarkRunSchema, ...errorResponses(404) },
    },
  }, async (request, reply) => {
    const run = service.get(request.params.id);
    if (!run) throw notFound(request.params.id);
    return negotiate(request, reply, run, runText);
  });

  app.post('/benchmarks/:id/cancel', {
    schema: {
      summary: 'Cancel a queued or running benchmark: 200 with its final state, kept in the history (a finished one is answered as it is; never deleted)',
      tags: ['benchmarks'], params: IdParams,
      response: { 200: BenchmarkRunSchema, ...errorResponses(404) },
    },
  }, async (request) => {
    const run = service.get(request.params.id);
    if (!run) throw notFound(request.params.id);
    return cancelRun(app, 'benchmark', run);
  });

  app.delete('/benchmarks/:id', {
    schema: {
      summary: 'Delete a finished benchmark (204); a queued or running one answers 409 SOCKBENCH_RUN_IN_PROGRESS: cancel it first',
      tags: ['benchmarks'], params: IdParams,
      response: { 204: Type.Null(), ...errorResponses(404, 409) },
    },
  }, async (request, reply) => {
    const run = service.get(request.params.id);
    if (!run) throw notFound(request.params.id);
    return deleteRun(app, reply, 'benchmark', '/v1/benchmarks', run);
  });
};

export default benchmarks;
