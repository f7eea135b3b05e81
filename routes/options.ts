import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { findOption, optionsFor, suggestOptions } from '../src/options/catalog.js';
import { errors } from '../src/errors.js';
import { optionsText, optionText } from '../src/report/options-text.js';
import { errorResponses, FormatQuery, LevelNameSchema, OptionSchema, TransportSchema } from './schemas.js';
import { negotiate } from './negotiate.js';

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
