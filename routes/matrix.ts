import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '../src/errors.js';
import { MatrixSchema, MAX_SNAPSHOTS, MIN_SNAPSHOTS } from '../src/host/matrix.js';
import { CURRENT, type SnapshotRef } from '../src/host/snapshots.js';
import { MATRIX_CSV_HEADER, matrixCsvRows, matrixText } from '../src/report/snapshot-matrix.js';
import { StrictSnapshot, strictly } from '../src/host/snapshot-documents.js';
import { negotiate, sendCsv, wantsCsv } from './negotiate.js';
import { errorResponses, TableFormatQuery } from './schemas.js';

const MAX_ID = 64;

const Ref = Type.Unsafe<SnapshotRef>({
  description: `a snapshot document (as GET /v1/defaults answers on any host), a stored snapshot id, or "${CURRENT}" for this host now`,
});

/** Each item is checked here rather than by an anyOf, so that the 400 names the item and the path in it. */
function checkRef(ref: unknown, i: number): void {
  const field = `body.snapshots.${i}`;
  if (typeof ref === 'string') {
    if (ref.length === 0 || ref.length > MAX_ID) throw errors.invalidValue(`${field}: "${ref.slice(0, MAX_ID)}" is not a stored snapshot id (1 to ${MAX_ID} characters) or "${CURRENT}".`, field);
  } else if (typeof ref === 'object' && ref !== null && !Array.isArray(ref)) {
    strictly(StrictSnapshot, ref, field);
  } else {
    throw errors.invalidValue(`${field}: ${JSON.stringify(ref)} is neither a snapshot document, a stored snapshot id, nor "${CURRENT}".`, field);
  }
}

const matrix: FastifyPluginAsyncTypebox = async (app) => {
  const limit = app.config.SOCKBENCH_BODY_LIMIT;
  app.post('/defaults/matrix', {
    schema: {
      summary: 'Many hosts at once: for each key that differs, each value with its hosts, the majority and the outliers',
      tags: ['host'],
      body: Type.Object({
        snapshots: Type.Array(Ref, { minItems: MIN_SNAPSHOTS, maxItems: MAX_SNAPSHOTS, description: `${MIN_SNAPSHOTS} to ${MAX_SNAPSHOTS} snapshots` }),
        ignore: Type.Optional(Type.Array(Type.String({ pattern: '^/', maxLength: 300 }), { maxItems: 100, description: 'More paths to leave out, as JSON Pointers, e.g. ["/sockets/unix"]' })),
      }, { additionalProperties: false }),
      querystring: Type.Object({ format: Type.Optional(TableFormatQuery) }, { additionalProperties: false }),
      response: { 200: MatrixSchema, ...errorResponses(400, 404, 413) },
    },
    config: {
      bodyTooLarge: `The request body is over SOCKBENCH_BODY_LIMIT (${limit} bytes); a snapshot document is about 9 kB. Name snapshots stored on this service by id (POST /v1/defaults/snapshots stores one) instead of sending their documents, or raise SOCKBENCH_BODY_LIMIT (up to 16777216).`,
    },
  }, async (request, reply) => {
    const { snapshots, ignore } = request.body;
    snapshots.forEach(checkRef);
    const result = app.snapshots.matrix(snapshots, ignore ?? []);
    if (wantsCsv(request)) return sendCsv(reply, MATRIX_CSV_HEADER, matrixCsvRows(result), 'matrix.csv');
    return negotiate(request, reply, result, matrixText);
  });
};

export default matrix;
