import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { findOption, optionsFor, suggestOptions } from '../src/options/catalog.js';
import { errors } from '../src/errors.js';
import { optionsText, optionText } from '../src/report/options-text.js';
import { AccessSchema, errorResponses, FormatQuery, LevelNameSchema, PhaseSchema, RequestedValueSchema, TransportSchema, ValueTypeSchema } from './schemas.js';
import { negotiate } from './negotiate.js';

export const OptionSchema = Type.Object({
  name: Type.String({ examples: ['SO_SNDBUF'] }),
  level: LevelNameSchema,
  levelNumber: Type.Integer(),
  optname: Type.Integer({ description: 'The optname number on Linux x86_64/arm64' }),
  type: ValueTypeSchema,
  access: AccessSchema,
  transports: Type.Array(TransportSchema, { description: 'Where the kernel accepts it' }),
  effectiveOn: Type.Optional(Type.Array(TransportSchema, { description: 'Where it changes behaviour, when narrower than transports' })),
  phase: PhaseSchema,
  privilege: Type.Union([Type.String(), Type.Null()]),
  summary: Type.String(),
  man: Type.String(),
  readVia: Type.Optional(Type.String()),
  getNeeds: Type.Optional(Type.Literal('connected')),
  returnsFd: Type.Optional(Type.Boolean({ description: 'getsockopt installs a new descriptor in the caller (SO_PEERPIDFD), which the reader must close' })),
  volatile: Type.Optional(Type.Boolean()),
  example: Type.Optional(RequestedValueSchema),
});

const options: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/options', {
    schema: {
      summary: 'The option catalog: level, number, type, access, transports, phase and privilege of every option',
      tags: ['options'],
      querystring: Type.Object({
        level: Type.Optional(LevelNameSchema),
        transport: Type.Optional(TransportSchema),
        format: Type.Optional(FormatQuery),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ count: Type.Integer(), options: Type.Array(OptionSchema) }), ...errorResponses(400) },
    },
  }, async (request, reply) => {
    const list = optionsFor(request.query);
    return negotiate(request, reply, { count: list.length, options: list }, (d) => optionsText(d.options));
  });

  app.get('/options/:name', {
    schema: {
      summary: 'One catalogued option',
      tags: ['options'],
      params: Type.Object({ name: Type.String({ maxLength: 64 }) }),
      querystring: Type.Object({ format: Type.Optional(FormatQuery) }, { additionalProperties: false }),
      response: { 200: OptionSchema, ...errorResponses(404) },
    },
  }, async (request, reply) => {
    const entry = findOption(request.params.name);
    if (!entry) {
      const suggestions = suggestOptions(request.params.name);
      const hint = suggestions.length > 0 ? ` Did you mean ${suggestions.join(', ')}?` : '';
      throw errors.optionNotFound(`No option named "${request.params.name}" in the catalog.${hint} GET /v1/options lists them all.`, suggestions);
    }
    return negotiate(request, reply, entry, optionText);
  });
};

export default options;
