import type { FastifyServerOptions } from 'fastify';
import { AjvCompiler } from '@fastify/ajv-compiler';

type Factories = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorFactory = NonNullable<Factories['buildValidator']>;
type SerializerFactory = NonNullable<Factories['buildSerializer']>;
type Validate = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };

/**
 * Fastify's request compiler (Ajv), deferred until a route first validates, and JSON.stringify for
 * responses. Fastify compiles every route's schemas at start, and the generated code and its
 * source text are the largest part of an idle instance's heap, although most routes of an agent on
 * every host are never called (sweeps, compare, peer sessions, their error statuses). A request
 * schema is compiled once, on its first use; its errors surface there, and the OpenAPI test and
 * the response-schema tests compile every schema.
 *
 * Responses are not compiled at all: fast-json-stringify's serializers of the run documents (a
 * benchmark, a sweep, a peer session: large unions of nested objects) held about 36 MB RSS once a
 * stream run had been answered (152 MB against 117 MB with JSON.stringify, `npm run bench`). The
 * response schemas still describe every reply in the OpenAPI document, and the suite checks every
 * reply it gets against them (src/response-contract.ts), extra fields included.
 */
export function lazyCompilers(): Factories {
  const validators = AjvCompiler();
  const buildValidator: ValidatorFactory = (externalSchemas, options) => {
    const compile = validators(externalSchemas, options);
    return (route) => {
      let validate: Validate | undefined;
      const lazy: Validate = (data, context) => {
        validate ??= compile(route) as unknown as Validate;
        const result = validate(data, context);
        lazy.errors = validate.errors;
        return result;
      };
      // Fastify hands Ajv the parent object only to validators that have a schemaEnv (Ajv's own
      // functions), so that coercion can replace a root value; Ajv's functions all take it.
      lazy.schemaEnv = true;
      return lazy as never;
    };
  };
  const buildSerializer: SerializerFactory = () => () => (data: unknown) => JSON.stringify(data);
  return { buildValidator, buildSerializer };
}
