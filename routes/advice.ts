import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AdviceSchema } from '../src/advice/schema.js';
import { MAX_BANDWIDTH_BITS_PER_SECOND, MAX_RTT_MS } from '../src/advice/service.js';
import { adviceText } from '../src/report/advice.js';
import { errorResponses, FormatQuery } from './schemas.js';
import { negotiate } from './negotiate.js';

const BufferValue = (what: string) => Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647, description: `An ${what} value an application would set: the advice says what the kernel stores and what it allows` }));

const AdviceBody = Type.Object({
  bandwidthBitsPerSecond: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: MAX_BANDWIDTH_BITS_PER_SECOND, description: 'The rate to keep up; with run: overrides the throughput the run measured' })),
  rttMs: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: MAX_RTT_MS, description: 'Round-trip time of the path, in ms (not with run)' })),
  run: Type.Optional(Type.String({ maxLength: 64, description: 'A finished benchmark (best: a peer run) whose measured TCP_INFO rtt and throughput describe the path' })),
  buffers: Type.Optional(Type.Object({ SO_RCVBUF: BufferValue('SO_RCVBUF'), SO_SNDBUF: BufferValue('SO_SNDBUF') }, { additionalProperties: false })),
}, { additionalProperties: false, description: '{bandwidthBitsPerSecond, rttMs} or {run}' });

const advice: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/advice', {
    schema: {
      summary: 'What a TCP connection needs to keep a path full, setting by setting, on this host; never applied',
      tags: ['advice'],
      body: AdviceBody,
      querystring: Type.Object({ format: Type.Optional(FormatQuery) }, { additionalProperties: false }),
      response: { 200: AdviceSchema, ...errorResponses(400, 404, 413, 415) },
    },
  }, async (request, reply) => negotiate(request, reply, app.advice.advise(request.body), adviceText));
};

export default advice;
