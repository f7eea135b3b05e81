import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getProfile, listProfiles } from '../src/host/profiles.js';
import { profileListText, profileText } from '../src/report/profile-text.js';
import { errorResponses, FormatQuery } from './schemas.js';
import { negotiate } from './negotiate.js';

const ProfileSummarySchema = Type.Object({
  name: Type.String({ examples: ['fasterdata-10g'] }),
  summary: Type.String(),
  extends: Type.Union([Type.String(), Type.Null()], { description: 'The profile this one starts from' }),
  entries: Type.Integer({ description: 'Entries, those inherited included' }),
}, { additionalProperties: false });

const ProfileSchema = Type.Object({
  name: Type.String(),
  summary: Type.String(),
  extends: Type.Union([Type.String(), Type.Null()]),
  entries: Type.Array(Type.Object({
    path: Type.String({ description: 'JSON Pointer into a defaults snapshot' }),
    rule: Type.Unknown({ description: 'A plain value or a rule, as a baseline holds it' }),
    source: Type.String({ description: 'Where the value comes from: a page, or a measurement' }),
    note: Type.Optional(Type.String()),
    profile: Type.String({ description: 'The profile that defines the entry: this one or one it extends' }),
  }, { additionalProperties: false }), { description: 'Inherited entries first, then this profile\'s own' }),
}, { additionalProperties: false });

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
