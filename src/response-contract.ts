import { isDeepStrictEqual } from 'node:util';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/** A reply that its route's response schema does not describe. */
export interface ContractViolation {
  method: string;
  url: string;
  /** The route's path pattern, e.g. /v1/benchmarks/:id. */
  route: string;
  statusCode: number;
  problems: string[];
}

type ResponseSchemas = Record<string, unknown>;

const checked = Symbol('response contract checked');

/** The schema a reply of this status is serialized with, as fastify picks it. */
function schemaFor(responses: ResponseSchemas, status: number): unknown {
  return responses[status] ?? responses[`${Math.floor(status / 100)}xx`] ?? responses.default;
}

/** Where two JSON trees first differ: what the serializer dropped, added or changed. */
function firstDifference(meant: unknown, sent: unknown, path = ''): string | null {
  if (isDeepStrictEqual(meant, sent)) return null;
  if (meant !== null && sent !== null && typeof meant === 'object' && typeof sent === 'object' && Array.isArray(meant) === Array.isArray(sent)) {
    const a = meant as Record<string, unknown>;
    const b = sent as Record<string, unknown>;
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!(key in b)) return `${path}/${key} is dropped by the serializer: the schema does not describe it`;
      if (!(key in a)) return `${path}/${key} is added by the serializer (a default?)`;
      const inner = firstDifference(a[key], b[key], `${path}/${key}`);
      if (inner) return inner;
    }
  }
  return `${path || '/'} is ${JSON.stringify(meant)?.slice(0, 80)} but serialized as ${JSON.stringify(sent)?.slice(0, 80)}`;
}

/**
 * Checks every JSON reply against its route's response schema, before it is serialized: the
 * payload must validate (Ajv), extra properties included, and the route's serializer must write
 * it without losing or changing anything (a schema-driven serializer such as fast-json-stringify
 * silently drops properties a schema leaves out). A status without a schema
 * is a violation too. A violation is reported and the reply becomes a 500, so that a test that
 * looks only at the status fails as well. Routes hidden from the document (the document itself,
 * /docs) are not part of the contract. For tests: it compiles every schema it meets with Ajv.
 */
// One Ajv for the process: the schemas are module constants shared by every app a test suite
// builds, and compiling the large ones (a benchmark run) takes most of a second.
const ajv = new Ajv({ strict: false });
addFormats.default(ajv);
const compiled = new WeakMap<object, ValidateFunction>();

function compile(app: FastifyInstance, schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    for (const [id, shared] of Object.entries(app.getSchemas())) if (!ajv.getSchema(id)) ajv.addSchema(shared as object, id);
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

export function checkResponses(app: FastifyInstance, report: (violation: ContractViolation) => void): void {
  // Compiled when a route is first called rather than when it answers, so that a test timing
  // the reply (a cancel, a shutdown) does not time the compilation too.
  app.addHook('onRequest', async (request) => {
    const schema = request.routeOptions.schema as { hide?: boolean; response?: ResponseSchemas } | undefined;
    if (schema?.hide) return;
    for (const responseSchema of Object.values(schema?.response ?? {})) compile(app, responseSchema as object);
  });

  app.addHook('preSerialization', async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const route = request.routeOptions;
    const schema = route.schema as { hide?: boolean; response?: ResponseSchemas } | undefined;
    // The not-found handler answers for no route; its body is the Error schema's, tested as such.
    if (route.url === undefined || schema?.hide || (reply as unknown as Record<symbol, boolean>)[checked]) return payload;
    (reply as unknown as Record<symbol, boolean>)[checked] = true;
    const status = reply.statusCode;
    const responseSchema = schemaFor(schema?.response ?? {}, status);
    const problems: string[] = [];
    if (responseSchema === undefined) {
      problems.push(`no response schema for status ${status}`);
    } else {
      // What a client receives when nothing is lost: the payload as JSON (dates as strings).
      const meant = JSON.parse(JSON.stringify(payload)) as unknown;
      const validate = compile(app, responseSchema as object);
      if (!validate(meant)) {
        for (const e of validate.errors ?? []) problems.push(`${e.instancePath || '/'} ${e.message ?? 'is invalid'} ${JSON.stringify(e.params)}`);
      }
      let sent: unknown;
      try {
        sent = JSON.parse(String(reply.serialize(payload)));
      } catch (err) {
        problems.push(`the serializer fails: ${(err as Error).message}`);
      }
      const difference = sent === undefined ? null : firstDifference(meant, sent);
      if (difference) problems.push(difference);
    }
    if (problems.length === 0) return payload;
    report({ method: request.method, url: request.url, route: route.url, statusCode: status, problems });
    throw new Error(`${request.method} ${route.url} answered ${status} with a body its response schema does not describe: ${problems.join('; ')}`);
  });
}
