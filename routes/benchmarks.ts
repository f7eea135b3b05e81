import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PATTERNS } from '../src/bench/index.js';
import { BenchmarkBodySchema, BenchmarkRunSchema, type BenchmarkRun } from '../src/runs/benchmarks.js';
import { compareRuns, RunComparisonSchema } from '../src/runs/compare.js';
import { RUN_STATUSES } from '../src/runs/registry.js';
import { errors } from '../src/errors.js';
import { benchmarkListText, compareText, runText } from '../src/report/benchmark-text.js';
import { RUN_ROW_COLUMNS, RunRowSchema, runRow } from '../src/runs/rows.js';
import {
  errorResponses, FormatQuery, IdParams, PageQuery, StringEnum, TableFormatQuery, TransportSchema, textResponse,
} from './schemas.js';
import { negotiate, sendCsv, wantsCsv } from './negotiate.js';
import { cancelRun, deleteRun, replyFor, runEvents, submitRun, waitForRun } from './run-lifecycle.js';


const benchmarks: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.benchmarks;
  const runs = app.runs;

  const notFound = (id: string) => errors.runNotFound(`No benchmark ${id}. GET /v1/benchmarks lists the runs kept (SOCKBENCH_RETAIN_RUNS, SOCKBENCH_RETAIN_DAYS).`);

  app.post('/benchmarks', {
    schema: {
      summary: 'Run a benchmark between a configured loopback pair; waits for the result unless ?wait=false',
      tags: ['benchmarks'],
      body: BenchmarkBodySchema,
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
