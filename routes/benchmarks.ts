import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  BACKGROUND_DIRECTIONS, type CongestionInput, DIRECTIONS, MAX_BACKGROUND_STREAMS, MAX_CONGESTION_NAME, MAX_GSO_SEGMENTS, MAX_IN_FLIGHT, MAX_IN_FLIGHT_BYTES, MAX_MESSAGE_SIZE,
  MAX_PACING_BITS_PER_SECOND, MIN_PACING_BITS_PER_SECOND, PATTERNS, SEND_MODES,
} from '../src/bench/index.js';
import { BenchmarkRunSchema, MAX_REPEATS, MAX_STREAMS, type BenchmarkRun } from '../src/runs/benchmarks.js';
import { compareRuns, RunComparisonSchema } from '../src/runs/compare.js';
import { RUN_STATUSES } from '../src/runs/registry.js';
import { errors } from '../src/errors.js';
import { benchmarkListText, compareText, runText } from '../src/report/benchmark-text.js';
import { RUN_ROW_COLUMNS, RunRowSchema, runRow } from '../src/runs/rows.js';
import { OptionsInputSchema } from './sockopts.js';
import {
  errorResponses, FormatQuery, IdParams, PageQuery, StringEnum, TableFormatQuery, TransportSchema, textResponse,
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
    return negotiate(request, reply, list, benchmarkListText);
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
