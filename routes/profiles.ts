import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getProfile, listProfiles, ProfileSchema, ProfileSummarySchema } from '../src/host/profiles.js';
import { profileListText, profileText } from '../src/report/profile-text.js';
import { errorResponses, FormatQuery } from './schemas.js';
import { negotiate } from './negotiate.js';

const profiles: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/profiles', {
    schema: {
      summary: 'Named baselines shipped with sockbench, for POST /v1/defaults/check {"profile": NAME}',
      tags: ['host'],
      querystring: Type.Object({ format: Type.Optional(FormatQuery) }, { additionalProperties: false }),
      response: { 200: Type.Object({ profiles: Type.Array(ProfileSummarySchema) }, { additionalProperties: false }), ...errorResponses(400) },
    },
  }, async (request, reply) => negotiate(request, reply, { profiles: listProfiles() }, (d) => profileListText(d.profiles)));

  app.get('/profiles/:name', {
    schema: {
      summary: 'A profile: every entry (inherited ones included) with its rule and the source it cites',
      tags: ['host'],
      params: Type.Object({ name: Type.String({ maxLength: 100 }) }),
      querystring: Type.Object({ format: Type.Optional(FormatQuery) }, { additionalProperties: false }),
      response: { 200: ProfileSchema, ...errorResponses(400, 404) },
    },
  }, async (request, reply) => negotiate(request, reply, getProfile(request.params.name), profileText));
};

export default profiles;
