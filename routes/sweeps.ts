import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../src/errors.js';
import { renderLineChart, sweepChart } from '../src/report/chart.js';
import { metricsIn, pointRows, sweepListText, sweepText, variedParameters } from '../src/report/sweep-text.js';
import { METRIC_NAMES } from '../src/runs/metrics.js';
import { RUN_STATUSES } from '../src/runs/registry.js';
import { SweepBodySchema, SweepRunSchema, type SweepRun } from '../src/runs/sweeps.js';
import { errorResponses, IdParams, PageQuery, StringEnum, TableFormatQuery, textResponse } from './schemas.js';
import { negotiate, sendCsv, wantsCsv } from './negotiate.js';
import { cancelRun, deleteRun, replyFor, runEvents, submitRun, waitForRun } from './run-lifecycle.js';


const MetricQuery = StringEnum(METRIC_NAMES, { description: 'The metric to chart (default: the pattern\'s headline, throughput or transaction rate)' });

const sweeps: FastifyPluginAsyncTypebox = async (app) => {
  const service = app.sweeps;
  const runs = app.runs;
  const notFound = (id: string) => errors.runNotFound(`No sweep ${id}. GET /v1/sweeps lists the sweeps kept (SOCKBENCH_RETAIN_RUNS, SOCKBENCH_RETAIN_DAYS).`);
  const send = (request: FastifyRequest, reply: FastifyReply, run: SweepRun) => {
    if (wantsCsv(request)) {
      const { header, rows } = pointRows(run);
      return sendCsv(reply, header, rows, `sweep-${run.id}.csv`);
    }
    return negotiate(request, reply, run, sweepText);
  };

  app.post('/sweeps', {
    schema: {
      summary: 'Run a benchmark over a grid of option and parameter values (at most 64 points); waits unless ?wait=false',
      tags: ['sweeps'],
      body: SweepBodySchema,
      querystring: Type.Object({ wait: Type.Optional(Type.Boolean({ default: true })), format: Type.Optional(TableFormatQuery) }, { additionalProperties: false }),
      response: { 200: SweepRunSchema, 202: SweepRunSchema, 409: SweepRunSchema, 422: SweepRunSchema, ...errorResponses(400, 413, 415, 429) },
    },
  }, async (request, reply) => {
    const prepared = await service.admit(request.body as never);
    const submitted = submitRun(reply, '/v1/sweeps', () => service.submit(prepared));
    const run = request.query.wait === false ? submitted : await waitForRun(app, reply, submitted);
    return send(request, replyFor(reply, run), run);
  });

  app.get('/sweeps', {
    schema: {
      summary: 'Sweeps in the history, newest first',
      tags: ['sweeps'],
      querystring: Type.Object({ status: Type.Optional(StringEnum(RUN_STATUSES)), ...PageQuery, format: Type.Optional(TableFormatQuery) }, { additionalProperties: false }),
      response: { 200: Type.Object({ total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer(), sweeps: Type.Array(SweepRunSchema) }), ...errorResponses(400) },
    },
  }, async (request, reply) => {
    const { status, limit = 20, offset = 0 } = request.query;
    const page = runs.list({ kind: 'sweep', status, limit, offset });
    const list = { total: page.total, limit, offset, sweeps: page.runs as SweepRun[] };
    if (wantsCsv(request)) {
      const columns = ['id', 'status', 'transport', 'pattern', 'points', 'done', 'vary', 'createdAt', 'finishedAt'];
      return sendCsv(reply, columns, list.sweeps.map((s) => [s.id, s.status, s.config.base.transport, s.config.base.pattern, s.progress.total, s.progress.done, variedParameters(s).join(' '), s.createdAt, s.finishedAt]), 'sweeps.csv');
    }
    return negotiate(request, reply, list, sweepListText);
  });

  app.get('/sweeps/:id', {
    schema: {
      summary: 'A sweep: status, points done of total, and its points (JSON, a text table, or CSV)',
      tags: ['sweeps'], params: IdParams,
      querystring: Type.Object({ format: Type.Optional(TableFormatQuery) }, { additionalProperties: false }),
      response: { 200: SweepRunSchema, ...errorResponses(404) },
    },
  }, async (request, reply) => {
    const run = service.get(request.params.id);
    if (!run) throw notFound(request.params.id);
    return send(request, reply, run);
  });

  app.get('/sweeps/:id/events', {
    schema: {
      summary: 'Server-Sent Events of a sweep: state, then each finished point ("point") and progress, then end',
      tags: ['sweeps'], params: IdParams, produces: ['text/event-stream'],
      response: { ...textResponse('text/event-stream', 'Server-Sent Events until the sweep ends'), ...errorResponses(404) },
    },
  }, async (request, reply) => {
    const run = service.get(request.params.id);
    if (!run) throw notFound(request.params.id);
    runEvents(app, request, reply, run);
  });

  app.get('/sweeps/:id/chart.svg', {
    schema: {
      summary: 'The metric against the first varied parameter, one line per combination of the others (SVG)',
      tags: ['sweeps'], params: IdParams,
      querystring: Type.Object({ metric: Type.Optional(MetricQuery) }, { additionalProperties: false }),
      produces: ['image/svg+xml'],
      response: { ...textResponse('image/svg+xml', 'A line chart'), ...errorResponses(400, 404, 409) },
    },
  }, async (request, reply) => {
    const run = service.get(request.params.id);
    if (!run) throw notFound(request.params.id);
    const available = metricsIn(run);
    if (available.length === 0) throw errors.runNotDone(`sweep ${run.id} is ${run.status} and has no finished point to chart yet.`, 'params.id');
    const metric = request.query.metric ?? available[0];
    if (!available.includes(metric)) {
      throw errors.invalidValue(`querystring.metric: this sweep's points have ${available.join(', ')}, not ${metric}.`, 'querystring.metric');
    }
    const spec = sweepChart(run.result!.points, variedParameters(run), metric);
    return reply.type('image/svg+xml; charset=utf-8').send(renderLineChart(spec));
  });

  app.post('/sweeps/:id/cancel', {
    schema: {
      summary: 'Cancel a queued or running sweep: 200 with the points it finished, kept in the history (a finished one is answered as it is; never deleted)',
      tags: ['sweeps'], params: IdParams,
      response: { 200: SweepRunSchema, ...errorResponses(404) },
    },
  }, async (request) => {
    const run = service.get(request.params.id);
    if (!run) throw notFound(request.params.id);
    return cancelRun(app, 'sweep', run);
  });

  app.delete('/sweeps/:id', {
    schema: {
      summary: 'Delete a finished sweep (204); a queued or running one answers 409 SOCKBENCH_RUN_IN_PROGRESS: cancel it first',
      tags: ['sweeps'], params: IdParams,
      response: { 204: Type.Null(), ...errorResponses(404, 409) },
    },
  }, async (request, reply) => {
    const run = service.get(request.params.id);
    if (!run) throw notFound(request.params.id);
    return deleteRun(app, reply, 'sweep', '/v1/sweeps', run);
  });
};

export default sweeps;
