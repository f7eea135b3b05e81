import { parentPort } from 'node:worker_threads';
import { recv, setThreadAffinity, SysError, threadAffinity } from '../../../native-bindings/index.js';
import { FdScope } from '../../sockets/fd-scope.js';
import { isDatagram, isTcp } from '../config.js';
import { Control, STOP } from '../control.js';
import type { SerializedError } from '../errors.js';
import { behaviourOf, type BehaviourName } from '../patterns.js';
import type { SideJob, WorkerMessage } from '../protocol.js';
import type { Role } from '../../sockets/pair.js';
import { Aborted, type SideContext, type SideLoop } from './context.js';
import { crrClient, crrServer } from './crr.js';
import { rrClient, rrServer } from './rr.js';
import { datagramReceiver, groReceiver, streamReceiver, streamSender } from './stream.js';

// Entry point of a side worker thread. It loads the bindings itself (koffi works in workers) and
// says loaded; then, for each job: takes its sockets, allocates every buffer, says ready, blocks
// until the main thread says go, runs its loop with blocking libc calls and reports once. Between
// jobs it idles in its event loop, kept by the pool for the next run (worker-pool.ts).

const port = parentPort!;
const post = (message: WorkerMessage): void => port.postMessage(message);

/** Each side's loop per row of the pattern table (patterns.ts). */
const LOOPS: Record<BehaviourName, Record<Role, (ctx: SideContext) => SideLoop>> = {
  stream: { client: streamSender, server: streamReceiver },
  datagram: { client: streamSender, server: (ctx) => (ctx.config.gro ? groReceiver(ctx) : datagramReceiver(ctx)) },
  rr: { client: rrClient, server: rrServer },
  crr: { client: crrClient, server: crrServer },
};

function prepare({ data, start }: SideJob, control: Control, scope: FdScope): SideLoop {
  const ctx: SideContext = {
    role: data.role, config: data.config, control, start, scope,
    datagram: isDatagram(data.config.transport), tcp: isTcp(data.config.transport),
    // A blocked loop can post: the message is queued on the main thread's side at once.
    publishInterval: (sample) => post({ type: 'interval', sample }),
  };
  return LOOPS[behaviourOf(data.config).name][data.role](ctx);
}

function serialize(err: unknown): SerializedError {
  if (err instanceof SysError) return { name: err.name, message: err.message, syscall: err.syscall, code: err.code, errno: err.errno, stack: err.stack };
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}

/** What this thread may run on when it is not pinned: the mask it started with, restored after every pinned job. */
const unpinned = threadAffinity();

function runJob(job: SideJob): WorkerMessage {
  const control = new Control(job.data.control);
  const cpu = job.data.config.affinity[job.data.role];
  const scope = new FdScope();
  try {
    const { start } = job;
    if (cpu !== null) setThreadAffinity([cpu]);
    // Read back, not assumed: what the kernel holds is what the report shows.
    const cpus = threadAffinity();
    if (start.skipBytes > 0) recv(start.fd, Buffer.alloc(start.skipBytes), start.skipBytes, 0);
    const loop = prepare(job, control, scope);
    post({ type: 'ready' });
    control.waitForGo();
    if (control.stop === STOP.ABORT) throw new Aborted();
    const report = loop();
    report.cpus = cpus;
    return { type: 'result', report };
  } catch (err) {
    return err instanceof Aborted || control.stop === STOP.ABORT ? { type: 'stopped' } : { type: 'error', error: serialize(err) };
  } finally {
    scope.closeAll();
    // A pooled thread serves the next run: it must not stay pinned to this one's CPU.
    if (cpu !== null) setThreadAffinity(unpinned);
  }
}

port.on('message', (job: SideJob) => post(runJob(job)));

post({ type: 'loaded' });
