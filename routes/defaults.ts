import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DefaultsSnapshotSchema } from '../src/host/schema.js';
import { SnapshotSchema, StoredSnapshotSchema } from '../src/host/snapshots.js';
import { errors } from '../src/errors.js';
import { checkReport, checkText } from '../src/report/snapshot-check.js';
import { diffReport, diffText } from '../src/report/snapshot-diff.js';
import { defaultsText, snapshotListText } from '../src/report/defaults-text.js';
import { errorResponses, FormatQuery, IdParams, PageQuery, ReportFormatQuery } from './schemas.js';
import { CheckBody, CheckSchema, DiffSchema, SnapshotRefInput, StateSchema, StrictSnapshot, strictly } from '../src/host/snapshot-documents.js';
import { negotiate, negotiateReport } from './negotiate.js';

const defaults: FastifyPluginAsyncTypebox = async (app) => {
  const snapshots = app.snapshots;
  const notFound = (id: string) => errors.snapshotNotFound(`No stored snapshot ${id}; GET /v1/defaults/snapshots lists them.`);

  app.get('/defaults', {
    schema: {
      summary: "This host's socket defaults: sysctls, and every readable option on a fresh (or connected) socket of each transport",
      tags: ['host'],
      querystring: Type.Object({ state: Type.Optional(StateSchema), format: Type.Optional(FormatQuery) }, { additionalProperties: false }),
      response: { 200: DefaultsSnapshotSchema, ...errorResponses(400) },
    },
  }, async (request, reply) => negotiate(request, reply, snapshots.take(request.query.state ?? 'fresh'), defaultsText));

  app.post('/defaults/snapshots', {
    schema: {
      summary: "Take this host's defaults snapshot now and keep it in the history",
      tags: ['host'],
      body: Type.Object({
        state: Type.Optional(StateSchema),
        label: Type.Optional(Type.String({ maxLength: 200, description: 'Free text, e.g. "before tuning"' })),
      }, { additionalProperties: false, description: 'Optional: an empty request takes a fresh snapshot without a label' }),
      querystring: Type.Object({ format: Type.Optional(FormatQuery) }, { additionalProperties: false }),
      response: { 201: SnapshotSchema, ...errorResponses(400) },
    },
    // `curl -X POST` with no body is the common case.
    preValidation: async (request) => { request.body ??= {}; },
  }, async (request, reply) => {
    const stored = snapshots.save(request.body.state ?? 'fresh', request.body.label ?? null);
    reply.code(201).header('location', `/v1/defaults/snapshots/${stored.id}`);
    return negotiate(request, reply, stored, (s) => `stored ${s.id}\n\n${defaultsText(s.document)}`);
  });

  app.get('/defaults/snapshots', {
    schema: {
      summary: 'Stored snapshots, newest first (without their documents)',
      tags: ['host'],
      querystring: Type.Object({ ...PageQuery, format: Type.Optional(FormatQuery) }, { additionalProperties: false }),
      response: { 200: Type.Object({ total: Type.Integer(), snapshots: Type.Array(StoredSnapshotSchema) }, { additionalProperties: false }), ...errorResponses(400) },
    },
  }, async (request, reply) => negotiate(request, reply, snapshots.list(request.query.limit ?? 20, request.query.offset ?? 0), snapshotListText));

  app.get('/defaults/snapshots/:id', {
    schema: {
      summary: 'A stored snapshot; its document is what GET /v1/defaults answered then',
      tags: ['host'],
      params: IdParams,
      querystring: Type.Object({ format: Type.Optional(FormatQuery) }, { additionalProperties: false }),
      response: { 200: SnapshotSchema, ...errorResponses(404) },
    },
  }, async (request, reply) => {
    const stored = snapshots.get(request.params.id);
    if (!stored) throw notFound(request.params.id);
    return negotiate(request, reply, stored, (s) => defaultsText(s.document));
  });

  app.delete('/defaults/snapshots/:id', {
    schema: { summary: 'Delete a stored snapshot', tags: ['host'], params: IdParams, response: { 204: Type.Null(), ...errorResponses(404) } },
  }, async (request, reply) => {
    if (!snapshots.remove(request.params.id)) throw notFound(request.params.id);
    return reply.code(204).send(null);
  });

  app.post('/defaults/diff', {
    schema: {
      summary: 'Differences between two snapshots (inline documents from any host, stored ids, or "current"), host identity aside',
      tags: ['host'],
      body: Type.Object({
        a: SnapshotRefInput, b: SnapshotRefInput,
        ignore: Type.Optional(Type.Array(Type.String({ pattern: '^/', maxLength: 300 }), { maxItems: 100, description: 'More paths to leave out, as JSON Pointers, e.g. ["/host"]' })),
      }, { additionalProperties: false }),
      querystring: Type.Object({ format: Type.Optional(ReportFormatQuery) }, { additionalProperties: false }),
      response: { 200: DiffSchema, ...errorResponses(400, 404, 413) },
    },
  }, async (request, reply) => {
    const { a, b, ignore } = request.body;
    if (typeof a !== 'string') strictly(StrictSnapshot, a, 'body.a');
    if (typeof b !== 'string') strictly(StrictSnapshot, b, 'body.b');
    return negotiateReport(request, reply, snapshots.diff(a, b, ignore ?? []), diffText, diffReport);
  });

  app.post('/defaults/check', {
    schema: {
      summary: 'Check this host against a baseline (values or rules) or a named profile: 200 when it meets it, 412 with the mismatches when not',
      tags: ['host'],
      body: CheckBody,
      querystring: Type.Object({
        state: Type.Optional(StateSchema),
        format: Type.Optional(ReportFormatQuery),
      }, { additionalProperties: false }),
      response: { 200: CheckSchema, 412: CheckSchema, ...errorResponses(400, 413) },
    },
  }, async (request, reply) => {
    const result = snapshots.check(request.body as Record<string, unknown>, request.query.state);
    return negotiateReport(request, reply.code(result.ok ? 200 : 412), result, checkText, (c) => checkReport(c, c.host.takenAt));
  });
};

export default defaults;
