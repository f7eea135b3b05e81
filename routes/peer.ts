import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { errors } from '../src/errors.js';
import { congestionControl } from '../src/host/congestion.js';
import { PeerCapabilitiesSchema, PeerSessionCreatedSchema, PeerSessionRunSchema } from '../src/peer/wire.js';
import { errorResponses, IdParams } from './schemas.js';
import { BenchmarkBodySchema } from '../src/runs/benchmarks.js';

// The far side of a peer benchmark: another sockbench instance asks this one for a data listener
// (a session), connects to it, and collects this side's report when it is done. Clients of the
// API do not call these; `POST /v1/benchmarks` with `peer` does.

const peer: FastifyPluginAsyncTypebox = async (app) => {
  const sessions = app.peerSessions;

  app.get('/peer/capabilities', {
    schema: {
      summary: 'What this host offers a peer run\'s far side: its congestion control algorithms (asked by the client instance before a run)',
      tags: ['peer'], response: { 200: PeerCapabilitiesSchema },
    },
  }, async () => ({ congestion: congestionControl() }));
  const notFound = (id: string) => errors.runNotFound(`No peer session ${id}; it may have timed out (SOCKBENCH_PEER_TIMEOUT_MS).`);

  app.post('/peer/sessions', {
    schema: {
      summary: 'Open a data listener for another instance\'s benchmark (called by the peer, not by people)',
      tags: ['peer'],
      body: BenchmarkBodySchema,
      response: { 201: PeerSessionCreatedSchema, ...errorResponses(400, 409, 503) },
    },
  }, async (request, reply) => {
    if (request.body.peer !== undefined) throw errors.invalidValue('body.peer: a peer session is the far side already; remove peer.', 'body.peer');
    const { created } = sessions.create(request.body);
    return reply.code(201).header('location', `/v1/peer/sessions/${created.id}`).send(created);
  });

  app.get('/peer/sessions/:id', {
    schema: { summary: 'A peer session: its state, and this side\'s report once done', tags: ['peer'], params: IdParams, response: { 200: PeerSessionRunSchema, ...errorResponses(404) } },
  }, async (request) => {
    const run = sessions.get(request.params.id);
    if (!run) throw notFound(request.params.id);
    return run;
  });

  app.post('/peer/sessions/:id/finish', {
    schema: {
      summary: 'The client side has finished: end this side (a datagram receiver drains first) and answer its report',
      tags: ['peer'], params: IdParams, response: { 200: PeerSessionRunSchema, ...errorResponses(404) },
    },
  }, async (request) => {
    const run = await sessions.finish(request.params.id);
    if (!run) throw notFound(request.params.id);
    return run;
  });

  app.delete('/peer/sessions/:id', {
    schema: { summary: 'Cancel a peer session (the client side failed)', tags: ['peer'], params: IdParams, response: { 200: PeerSessionRunSchema, ...errorResponses(404) } },
  }, async (request) => {
    const id = request.params.id;
    if (!sessions.get(id)) throw notFound(id);
    app.runs.registry.cancel(id);
    await app.runs.registry.waitFor(id);
    return sessions.get(id)!;
  });
};

export default peer;
