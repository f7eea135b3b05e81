import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { AdviceSchema } from '../src/advice/schema.js';
import { AdviceBody } from '../src/advice/service.js';
import { adviceText } from '../src/report/advice.js';
import { errorResponses, FormatQuery } from './schemas.js';
import { negotiate } from './negotiate.js';

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
