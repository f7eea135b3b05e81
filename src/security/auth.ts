import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import { errors } from '../errors.js';
import { isPublic } from './public.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/**
 * Bearer authentication of every route but the public ones, when a token is configured. Both
 * sides are hashed first, so timingSafeEqual compares equal lengths and the time taken says
 * nothing about the token, not even its length.
 */
export default fp<{ token: string | undefined }>(async (app, { token }) => {
  if (!token) return;
  const expected = digest(token);
  app.addHook('onRequest', async (request, reply) => {
    if (isPublic(request)) return;
    const sent = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')?.[1];
    if (sent !== undefined && timingSafeEqual(digest(sent), expected)) return;
    reply.header('www-authenticate', sent === undefined ? 'Bearer realm="sockbench"' : 'Bearer realm="sockbench", error="invalid_token"');
    throw errors.unauthorized(sent !== undefined);
  });
}, { name: 'sockbench-auth' });
