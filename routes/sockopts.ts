import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { probe } from '../src/options/probe.js';
import { MAX_BUFLEN } from '../src/options/codec.js';
import type { OptionsInput } from '../src/options/request.js';
import { probeText } from '../src/report/probe-text.js';
import {
  errorResponses, FormatQuery, OptionErrorSchema, OptionReportSchema, OptionValueInput, PhaseSchema, SideSchema, TransportSchema, DecodedValueSchema,
} from './schemas.js';
import { negotiate } from './negotiate.js';

const NameOrNumber = Type.Union([Type.String({ maxLength: 64 }), Type.Integer({ minimum: 0, maximum: 2147483647 })]);
// Not validated here: `value` is checked against the option's type by the codec, which names the option.
const OptionItemSchema = Type.Object({
  level: Type.Optional(NameOrNumber),
  name: NameOrNumber,
  value: OptionValueInput,
  phase: Type.Optional(PhaseSchema),
}, { additionalProperties: false });

export const OptionsInputSchema = Type.Unsafe<OptionsInput>({
  description: 'an object of option names to values ({"SO_SNDBUF": 4096}) or a list of {level, name, value, phase?}',
  anyOf: [
    Type.Record(Type.String({ maxLength: 64 }), OptionValueInput),
    Type.Array(OptionItemSchema, { maxItems: 1024 }),
  ],
});

const ProbeBody = Type.Object({
  transport: TransportSchema,
  side: Type.Optional(SideSchema),
  options: Type.Optional(OptionsInputSchema),
  get: Type.Optional(Type.Array(Type.Object({
    level: Type.Optional(NameOrNumber),
    name: NameOrNumber,
    buflen: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BUFLEN })),
  }, { additionalProperties: false }), { maxItems: 1024 })),
}, { additionalProperties: false });

const GetReportSchema = Type.Object({
  name: Type.String(), level: Type.String(), optname: Type.Integer(), buflen: Type.Integer(), ok: Type.Boolean(),
  length: Type.Optional(Type.Integer()), hex: Type.Optional(Type.String()), value: Type.Optional(DecodedValueSchema),
  error: Type.Optional(OptionErrorSchema),
});

const ProbeResultSchema = Type.Object({
  transport: TransportSchema,
  side: SideSchema,
  pair: Type.Object({ client: Type.String(), server: Type.String(), nudged: Type.Boolean({ description: 'The server could only accept after the client sent one byte' }) }),
  options: Type.Array(OptionReportSchema),
  get: Type.Array(GetReportSchema),
});

const sockopts: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/sockopts', {
    schema: {
      summary: 'Set options on a fresh loopback pair and read them back: requested, before, effective, and why they differ',
      tags: ['options'],
      body: ProbeBody,
      querystring: Type.Object({ format: Type.Optional(FormatQuery) }, { additionalProperties: false }),
      response: { 200: ProbeResultSchema, ...errorResponses(400, 413, 415, 422) },
    },
  }, async (request, reply) => {
    const result = probe(request.body, { maxOptions: app.config.SOCKBENCH_MAX_OPTIONS, timeoutMs: app.config.SOCKBENCH_PROBE_TIMEOUT_MS });
    return negotiate(request, reply, result, probeText);
  });
};

export default sockopts;
