import { bind, getsockname, listen, recv, SHUT, shutdown, SysError, type SockAddr, type TcpInfo } from '../../native-bindings/index.js';
import { errors } from '../errors.js';
import type { Transport } from '../options/types.js';
import { FdScope } from '../sockets/fd-scope.js';
import { connectedPair, openSocket, type Role } from '../sockets/pair.js';
import { TRANSPORT_INFO } from '../sockets/transports.js';
import { isTcp, resolveBenchConfig } from './config.js';
import { Control, PHASE, STOP } from './control.js';
import { BenchAbortedError } from './errors.js';
import { RunTimers, withinLimit } from './timers.js';
import { LiveIntervals } from './live-intervals.js';
import { behaviourOf, type PatternBehaviour } from './patterns.js';
import type { SideReport, SideStart } from './protocol.js';
import { assembleResult, reverseSides } from './results.js';
import { runBidirectional } from './bidirectional.js';
import { SideWorker } from './side-worker.js';
import { readCongestion, readTcpInfo } from './workers/context.js';
import type { BenchConfig, EngineOptions, ResolvedBenchConfig, RunResult } from './types.js';

export interface EngineLimits {
  /** Longest wait for connect()/accept() while building the pair. */
  connectTimeoutMs: number;
  /** Longest wait for both workers to load and get ready (a TypeScript loader makes this slow in tests). */
  startupMs: number;
  /** After the deadline (warm-up + duration), how long a side may take to finish before the end is forced. */
  endGraceMs: number;
  /** How long a worker may take to exit once told to, before it is terminated; and again after that. */
  joinGraceMs: number;
  /** Datagram streams: time for the last datagrams to arrive before the receiver is shut down. */
  datagramDrainMs: number;
}

export const DEFAULT_LIMITS: EngineLimits = {
  connectTimeoutMs: 1000,
  startupMs: 30_000,
  endGraceMs: 1000,
  joinGraceMs: 1000,
  datagramDrainMs: 20,
};

interface Sockets {
  client: number | null;
  server: number | null;
  listener: number | null;
  nudged: boolean;
  serverAddress: SockAddr | null;
}

/**
 * Runs one benchmark: builds the sockets on this thread, runs each side in its own worker
 * with blocking libc calls, and returns the figures. Cancel (options.signal), a timeout or a
 * failure on either side all end the run the same way: shutdown(2) on every socket, both
 * workers joined (terminated after a grace period), every descriptor closed.
 */
export async function runBenchmark(config: BenchConfig, options: EngineOptions = {}, limits: Partial<EngineLimits> = {}): Promise<RunResult> {
  const resolved = resolveBenchConfig(config);
  if (options.signal?.aborted) throw new BenchAbortedError(options.signal.reason);
  // Both ways at once: a run per direction on one connected pair.
  if (resolved.direction === 'bidirectional') return runBidirectional(resolved, options, { ...DEFAULT_LIMITS, ...limits }, runBenchmark);
  const run = new Run(resolved, options, { ...DEFAULT_LIMITS, ...limits });
  try {
    return await run.execute();
  } finally {
    await run.cleanup();
  }
}

class Run {
  readonly #config: ResolvedBenchConfig;
  readonly #behaviour: PatternBehaviour;
  readonly #options: EngineOptions;
  readonly #limits: EngineLimits;
  readonly #control = Control.create();
  readonly #scope = new FdScope();
  readonly #timers = new RunTimers();
  readonly #workers: SideWorker[] = [];
  #sockets: Sockets = { client: null, server: null, listener: null, nudged: false, serverAddress: null };
  #failure: Error | null = null;
  #rejectFailure: (err: Error) => void = () => undefined;
  readonly #failed: Promise<never>;
  #forcedEnd = false;
  /** Live interval samples, when the caller asked for them and the run cuts intervals. */
  readonly #live: LiveIntervals | null;
  readonly #onAbort = (): void => this.#fail(new BenchAbortedError(this.#options.signal?.reason));
  readonly #onEnd = (): void => this.#control.requestStop(STOP.END);

  constructor(config: ResolvedBenchConfig, options: EngineOptions, limits: EngineLimits) {
    this.#config = config;
    this.#behaviour = behaviourOf(config);
    this.#options = options;
    this.#limits = limits;
    this.#live = options.onInterval && config.intervalMs !== null ? new LiveIntervals(config, options.onInterval) : null;
    this.#failed = new Promise<never>((_, reject) => { this.#rejectFailure = reject; });
    this.#failed.catch(() => undefined);
    options.signal?.addEventListener('abort', this.#onAbort, { once: true });
    if (options.endSignal?.aborted) this.#onEnd();
    else options.endSignal?.addEventListener('abort', this.#onEnd, { once: true });
  }

  async execute(): Promise<RunResult> {
    const config = this.#config;
    // Sockets first: building them takes microseconds, and a refused option then borrows no thread.
    this.#sockets = this.#buildSockets();
    // reverse: the client worker's loop (the sender, which moves the window) runs on the server's
    // socket, and the server worker's (the receiver) on the client's; each thread goes where its socket's side is pinned.
    const reverse = config.direction === 'reverse';
    const workerConfig = reverse ? { ...config, affinity: { client: config.affinity.server, server: config.affinity.client } } : config;
    const data = (role: Role) => ({ role, config: workerConfig, control: this.#control.buffer });
    const execArgv = this.#options.workerExecArgv;
    const client = new SideWorker('client', data('client'), execArgv);
    const server = new SideWorker('server', data('server'), execArgv);
    this.#workers.push(client, server);
    const live = this.#live;
    if (live) {
      client.onInterval = (sample) => live.fromClient(sample);
      server.onInterval = (sample) => live.fromServer(sample);
    }
    for (const side of this.#workers) side.result.catch((err: Error) => this.#fail(err));

    await this.#within(Promise.all([client.loaded, server.loaded]), 'worker start-up', this.#limits.startupMs);
    client.start(this.#startMessage('client'));
    server.start(this.#startMessage('server'));
    await this.#within(Promise.all([client.ready, server.ready]), 'worker start-up', this.#limits.startupMs);
    if (this.#options.beforeStart) await this.#within(this.#options.beforeStart(), 'the start of the runs beside this one', this.#limits.startupMs);

    this.#control.setPhase(PHASE.WARMUP);
    this.#options.onStarted?.();
    const deadlineMs = config.warmupMs + config.durationMs;
    this.#timers.after(deadlineMs + this.#limits.endGraceMs, () => this.#forceEnd());
    void client.result.then(() => this.#afterClient(), () => undefined);

    const [clientReport, serverReport] = await this.#within(
      Promise.all([client.result, server.result]) as Promise<[SideReport, SideReport]>,
      'the end of the run',
      deadlineMs + this.#limits.endGraceMs + this.#limits.joinGraceMs,
    );
    this.#live?.end();
    const assembled = assembleResult(config, clientReport, serverReport, {
      nudged: this.#sockets.nudged,
      forcedEnd: this.#forcedEnd,
      tcpInfo: this.#endTcpInfo(),
      congestion: this.#endCongestion(),
    });
    const result = reverse ? reverseSides(assembled) : assembled;
    const { client: clientFd, server: serverFd } = this.#sockets;
    if (clientFd !== null && serverFd !== null && !this.#options.pair) {
      this.#options.hooks?.atEnd?.('client', clientFd);
      this.#options.hooks?.atEnd?.('server', serverFd);
    }
    return result;
  }

  /** Stops whatever is still running and releases everything; never throws. */
  async cleanup(): Promise<void> {
    this.#options.signal?.removeEventListener('abort', this.#onAbort);
    this.#options.endSignal?.removeEventListener('abort', this.#onEnd);
    this.#live?.close();
    this.#timers.clear();
    this.#control.requestStop(STOP.ABORT);
    // A pair the caller owns carries the other direction too: only a failure shuts it down (#fail).
    if (!this.#options.pair) this.#shutdownAll();
    await Promise.all(this.#workers.map((side) => side.join(this.#limits.joinGraceMs)));
    this.#scope.closeAll();
  }

  #buildSockets(): Sockets {
    const { transport } = this.#config;
    const hooks = this.#options.hooks ?? {};
    if (this.#behaviour.connection === 'transaction') {
      const info = TRANSPORT_INFO[transport];
      const listener = openSocket(transport, this.#scope);
      hooks.beforeBind?.('server', listener);
      listenerStep(transport, 'bind', () => bind(listener, info.loopback()));
      hooks.beforeConnect?.('server', listener);
      listenerStep(transport, 'listen', () => listen(listener, this.#behaviour.backlog));
      return { client: null, server: null, listener, nudged: false, serverAddress: getsockname(listener) };
    }
    if (this.#options.pair) return { ...this.#options.pair, listener: null, nudged: false, serverAddress: null };
    const pair = connectedPair(transport, this.#scope, hooks, this.#limits.connectTimeoutMs);
    hooks.afterConnect?.('client', pair.client);
    hooks.afterConnect?.('server', pair.server);
    // reverse: the server's socket sends and never reads, so the nudge byte is taken off it here.
    if (pair.nudged && this.#config.direction === 'reverse') recv(pair.server, Buffer.alloc(1), 1, 0);
    return { client: pair.client, server: pair.server, listener: pair.listener, nudged: pair.nudged, serverAddress: null };
  }

  #startMessage(role: Role): SideStart {
    const s = this.#sockets;
    // Both sides share this host: the client, which moves the window, reads the files.
    const snapshotFiles = this.#options.windowSnapshotFiles;
    if (this.#behaviour.connection === 'transaction') {
      return role === 'client'
        ? { fd: -1, skipBytes: 0, serverAddress: s.serverAddress!, socketOptions: this.#options.clientSocketOptions ?? [], snapshotFiles }
        : { fd: s.listener!, skipBytes: 0 };
    }
    if (this.#config.direction === 'reverse') return role === 'client' ? { fd: s.server!, skipBytes: 0, snapshotFiles } : { fd: s.client!, skipBytes: 0 };
    return role === 'client' ? { fd: s.client!, skipBytes: 0, snapshotFiles } : { fd: s.server!, skipBytes: s.nudged ? 1 : 0 };
  }

  /** The client has finished its window: a server that would wait for what never comes is unblocked (PatternBehaviour.serverEnd). */
  #afterClient(): void {
    switch (this.#behaviour.serverEnd) {
      case 'eof':
        return;
      case 'stop-accepting':
        return quietShutdown(this.#sockets.listener, SHUT.RDWR);
      case 'drain':
        return this.#timers.after(this.#limits.datagramDrainMs, () => quietShutdown(this.#sockets.server, SHUT.RD));
      case 'unblock':
        return this.#timers.after(0, () => quietShutdown(this.#sockets.server, SHUT.RD));
    }
  }

  /** The deadline passed long ago and a side is still blocked: end with the figures so far. */
  #forceEnd(): void {
    this.#forcedEnd = true;
    this.#control.requestStop(STOP.END);
    this.#shutdownAll();
  }

  #fail(err: Error): void {
    if (this.#failure) return;
    this.#failure = err;
    this.#live?.close();
    this.#control.requestStop(STOP.ABORT);
    this.#shutdownAll();
    this.#rejectFailure(err);
  }

  /** shutdown(2) unblocks every blocked call on these sockets; close() alone would not. */
  #shutdownAll(): void {
    const { client, server, listener } = this.#sockets;
    for (const fd of [client, server, listener]) quietShutdown(fd, SHUT.RDWR);
    this.#control.shutdownPublished('client', (fd) => quietShutdown(fd, SHUT.RDWR));
    this.#control.shutdownPublished('server', (fd) => quietShutdown(fd, SHUT.RDWR));
  }

  #endTcpInfo(): { client: TcpInfo | null; server: TcpInfo | null } | null {
    const { client, server } = this.#sockets;
    if (!isTcp(this.#config.transport) || client === null || server === null) return null;
    return { client: readTcpInfo(client), server: readTcpInfo(server) };
  }

  #endCongestion(): RunResult['congestion'] {
    const { client, server } = this.#sockets;
    if (!isTcp(this.#config.transport) || client === null || server === null) return null;
    return { client: readCongestion(client), server: readCongestion(server) };
  }

  /** Waits for `step`, unless the run fails or `limitMs` passes first. */
  async #within<T>(step: Promise<T>, phase: string, limitMs: number): Promise<T> {
    try {
      return await withinLimit(Promise.race([step, this.#failed]), phase, limitMs);
    } catch (err) {
      // The first failure (a cancel, a side's error) explains the others (a side that stopped because of it).
      const cause = this.#failure ?? (err as Error);
      this.#fail(cause);
      throw cause;
    }
  }
}

/** Same error as connectedPair's for a failing step, so callers handle both alike. */
function listenerStep(transport: Transport, what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof SysError)) throw err;
    throw errors.pairSetupFailed(
      `Could not build a ${transport} loopback listener: ${what} failed with ${err.code} (${err.description}). ` +
        'An option set before bind or listen can cause this; remove it or apply it to the other side.',
      err,
    );
  }
}

/** shutdown(2) that ignores a socket with nothing left to unblock. */
export function quietShutdown(fd: number | null, how: number): void {
  if (fd === null) return;
  try {
    shutdown(fd, how);
  } catch (err) {
    // ENOTCONN: not connected, or the peer already went away; there is nothing left to unblock.
    if (!(err instanceof SysError)) throw err;
  }
}
