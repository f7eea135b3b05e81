import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RunEvent, RunRegistry } from '../src/runs/registry.js';

/** Comment lines this often keep proxies and idle timers from closing a quiet stream. */
const HEARTBEAT_MS = 15_000;

let open = 0;

/** Event streams open in this process (tests check that they close). */
export function openEventStreams(): number {
  return open;
}

function frame(e: RunEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

/**
 * Streams a run's events as Server-Sent Events until it ends: first its current state
 * ('state'), then what it reports as it goes, and 'end' with the final document. A run that
 * has already ended gets 'state' and 'end' at once. The caller has checked the run exists.
 */
export function streamRunEvents(request: FastifyRequest, reply: FastifyReply, registry: RunRegistry, current: unknown): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  open++;
  let closed = false;
  let unsubscribe: (() => void) | null = null;
  let heartbeat: NodeJS.Timeout | undefined;
  const finish = () => {
    if (closed) return;
    closed = true;
    open--;
    clearInterval(heartbeat);
    unsubscribe?.();
    if (!res.writableEnded) res.end();
  };
  res.on('close', finish);
  res.write(frame({ event: 'state', data: current }));
  unsubscribe = registry.subscribe((current as { id: string }).id, (e) => {
    res.write(frame(e));
    if (e.event === 'end') finish();
  });
  if (unsubscribe === null) {
    res.write(frame({ event: 'end', data: current }));
    finish();
    return;
  }
  heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  request.log.debug({ run: (current as { id: string }).id }, 'event stream opened');
}
