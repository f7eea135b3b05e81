import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../src/errors.js';
import { QueueFullError, type RunKind, type RunView } from '../src/runs/registry.js';
import { openEventStreams, streamRunEvents } from './sse.js';

// What benchmark and sweep routes share: submitting into the one queue, waiting for the result,
// event streams, cancel and delete. The routes differ only in their bodies and documents.

/** Failed runs whose cause is another host: the status says so (a gateway's 502, a busy peer's 409). */
const PEER_FAILURE_STATUS: Record<string, number> = {
  SOCKBENCH_PEER_UNREACHABLE: 502, SOCKBENCH_PEER_FAILED: 502, SOCKBENCH_PEER_LOST: 502, SOCKBENCH_PEER_BUSY: 409,
};

/** done: 200; failed: 422 (502 or 409 for a peer's fault) and cancelled: 409, with the run document, so `curl --fail` fails on them. */
function statusFor(run: RunView<unknown, unknown>): number {
  if (run.status === 'failed') return PEER_FAILURE_STATUS[run.error?.code ?? ''] ?? 422;
  return run.status === 'done' ? 200 : run.status === 'cancelled' ? 409 : 202;
}

/**
 * The reply to a POST of a run, ready for its document: statusFor's status, and Retry-After when
 * the run failed on something that passes (a busy peer), as an error answer with that status has.
 */
export function replyFor(reply: FastifyReply, run: RunView<unknown, unknown>): FastifyReply {
  if (run.error?.retryAfterSeconds !== undefined) reply.header('retry-after', String(run.error.retryAfterSeconds));
  return reply.code(statusFor(run));
}

/** Queues a run; a full queue is a 429 with Retry-After. Sets Location to the run. */
export function submitRun<V extends RunView<unknown, unknown>>(reply: FastifyReply, path: string, submit: () => V): V {
  let run: V;
  try {
    run = submit();
  } catch (err) {
    if (err instanceof QueueFullError) {
      throw errors.queueFull(`${err.limit} runs are already waiting; retry in about ${err.retryAfterSeconds} s (Retry-After), or raise SOCKBENCH_QUEUE_LIMIT.`, err.retryAfterSeconds);
    }
    throw err;
  }
  reply.header('location', `${path}/${run.id}`);
  return run;
}

/** The run when it has ended; a client that hangs up first does not want it, so the run is cancelled. */
export async function waitForRun<V extends RunView<unknown, unknown>>(app: FastifyInstance, reply: FastifyReply, run: V): Promise<V> {
  const onClose = () => { if (!reply.raw.writableFinished) app.runs.registry.cancel(run.id); };
  reply.raw.once('close', onClose);
  return ((await app.runs.registry.waitFor(run.id)) ?? run) as V;
}

/** Server-Sent Events of a run, within SOCKBENCH_MAX_EVENT_STREAMS. */
export function runEvents(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, run: RunView<unknown, unknown>): void {
  if (openEventStreams() >= app.config.SOCKBENCH_MAX_EVENT_STREAMS) {
    throw errors.tooManyStreams(`${app.config.SOCKBENCH_MAX_EVENT_STREAMS} event streams are open; close one or raise SOCKBENCH_MAX_EVENT_STREAMS.`);
  }
  streamRunEvents(request, reply, app.runs.registry, run);
}

/**
 * POST .../{id}/cancel: ends a queued or running run and answers its final state (kept in the
 * history) once it has released its threads and sockets. A run that has already finished is
 * answered as it is, whatever its status: a cancel never deletes, so one that arrives just after
 * the run finished loses nothing.
 */
export async function cancelRun<V extends RunView<unknown, unknown>>(app: FastifyInstance, kind: RunKind, run: V): Promise<V> {
  return ((await app.runs.cancel(kind, run.id)) ?? run) as V;
}

/** DELETE .../{id}: deletes a finished run (204); a queued or running one is a 409 that says to cancel it first. */
export function deleteRun(app: FastifyInstance, reply: FastifyReply, kind: RunKind, path: string, run: RunView<unknown, unknown>): FastifyReply {
  if (app.runs.remove(kind, run.id) === 'active') {
    throw errors.runInProgress(`${kind} ${run.id} is ${run.status}: cancel it first (POST ${path}/${run.id}/cancel), then delete it.`);
  }
  return reply.code(204).send(null);
}
