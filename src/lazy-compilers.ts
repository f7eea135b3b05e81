import type { FastifyServerOptions } from 'fastify';
import { AjvCompiler } from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';

type Factories = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;
type ValidatorFactory = NonNullable<Factories['buildValidator']>;
type SerializerFactory = NonNullable<Factories['buildSerializer']>;
type Validate = ((data: unknown, context?: unknown) => unknown) & { errors?: unknown; schemaEnv?: unknown };

/**
 * Fastify's own compilers (Ajv for requests, fast-json-stringify for responses), deferred until a
 * route first validates or serializes. Fastify compiles every route's schemas at start, and the
 * generated code and its source text are the largest part of an idle instance's heap, although most
 * routes of an agent on every host are never called (sweeps, compare, peer sessions, their error
 * statuses). A schema is compiled once, on its first use; its errors surface there, and the
 * OpenAPI test and the response-schema tests compile every schema.
 */
export function lazyCompilers(): Factories {
  const validators = AjvCompiler();
  const serializers = SerializerSelector();
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
  const buildSerializer: SerializerFactory = (externalSchemas, options) => {
    const compile = serializers(externalSchemas, options);
    return (route) => {
      let serialize: ((data: unknown) => string) | undefined;
      return (data: unknown) => (serialize ??= compile(route))(data);
    };
  };
  return { buildValidator, buildSerializer };
}
