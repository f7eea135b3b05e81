import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { probe } from '../src/options/probe.js';
import { probeText } from '../src/report/probe-text.js';
import { errorResponses, FormatQuery, ProbeRequestSchema, ProbeResultSchema } from './schemas.js';
import { negotiate } from './negotiate.js';

const sockopts: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/sockopts', {
    schema: {
      summary: 'Set options on a fresh loopback pair and read them back: requested, before, effective, and why they differ',
      tags: ['options'],
      body: ProbeRequestSchema,
      querystring: Type.Object({ format: Type.Optional(FormatQuery) }, { additionalProperties: false }),
      response: { 200: ProbeResultSchema, ...errorResponses(400, 413, 415, 422) },
    },
  }, async (request, reply) => {
    const result = probe(request.body, { maxOptions: app.config.SOCKBENCH_MAX_OPTIONS, timeoutMs: app.config.SOCKBENCH_PROBE_TIMEOUT_MS });
    return negotiate(request, reply, result, probeText);
  });
};

export default sockopts;
