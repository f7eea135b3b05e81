import { SHUT } from '../../native-bindings/index.js';
import type { Role } from '../sockets/pair.js';
import { Control, PHASE, STOP } from './control.js';
import { DEFAULT_LIMITS, quietShutdown, type EngineLimits } from './engine.js';
import { BenchAbortedError } from './errors.js';
import { RunTimers, withinLimit } from './timers.js';
import { behaviourOf } from './patterns.js';
import type { SideInterval, SideReport, SideStart } from './protocol.js';
import { SideWorker } from './side-worker.js';
import type { ResolvedBenchConfig } from './types.js';

export interface SideRunOptions {
  signal?: AbortSignal;
  workerExecArgv?: string[];
  limits?: Partial<EngineLimits>;
  /** Extra time the far side may need beyond this side's deadline (its clock started a little later, HTTP in between). */
  slackMs: number;
  /** crr: where the client connects, what it sets on each socket, the key each connection starts with. */
  start?: Pick<SideStart, 'serverAddress' | 'socketOptions' | 'sessionKey'>;
  /** Files this side's thread reads at its window's edges (see EngineOptions.windowSnapshotFiles); in the report's snapshots. */
  windowSnapshotFiles?: string[];
  /** Called with each interval this side closes, as its worker posts it (intervals on only). */
  onInterval?: (sample: SideInterval) => void;
  /**
   * The socket also carries the other direction of a bidirectional stream (another SideRun on it):
   * it is shut down only when this run fails, not when it ends well.
   */
  sharedFd?: boolean;
  /** Called once the side is going (its worker ready, the warm-up begun): a background stream is sending. */
  onStarted?: () => void;
}

/**
 * One side of a run whose other side is on another host (peer benchmarks), on a connected
 * socket the caller owns (crr: the server's listener; the client makes its own sockets). The client's meter moves the phases itself, as in a local run; on a
 * server nothing on this host does, so the main thread moves them on its own clock: warm-up
 * from go, then the window, and interval edges by timer. The run ends the way a local one does:
 * a cancel, a timeout or a failure shuts the socket down and the worker is joined.
 */
export class SideRun {
  readonly #role: Role;
  readonly #config: ResolvedBenchConfig;
  readonly #fd: number;
  readonly #options: SideRunOptions;
  readonly #limits: EngineLimits;
  readonly #control = Control.create();
  readonly #timers = new RunTimers();
  #forcedEnd = false;
  #done = false;

  constructor(role: Role, config: ResolvedBenchConfig, fd: number, options: SideRunOptions) {
    this.#role = role;
    this.#config = config;
    this.#fd = fd;
    this.#options = options;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  async run(): Promise<{ report: SideReport; forcedEnd: boolean }> {
    const { signal } = this.#options;
    if (signal?.aborted) throw new BenchAbortedError(signal.reason);
    const config = this.#config;
    const worker = new SideWorker(this.#role, { role: this.#role, config, control: this.#control.buffer }, this.#options.workerExecArgv);
    worker.onInterval = this.#options.onInterval ?? null;
    let onAbort = (): void => undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new BenchAbortedError(signal?.reason));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => undefined);
    let ended = false;
    try {
      await withinLimit(Promise.race([worker.loaded, aborted]), 'worker start-up', this.#limits.startupMs);
      worker.start({ fd: this.#fd, skipBytes: 0, remote: true, ...this.#options.start, snapshotFiles: this.#options.windowSnapshotFiles });
      await withinLimit(Promise.race([worker.ready, aborted]), 'worker start-up', this.#limits.startupMs);
      this.#control.setPhase(PHASE.WARMUP);
      if (this.#role === 'server') this.#drivePhases();
      this.#options.onStarted?.();
      const deadlineMs = config.warmupMs + config.durationMs + this.#limits.endGraceMs + this.#options.slackMs;
      this.#timers.after(deadlineMs, () => this.#forceEnd());
      const report = await withinLimit(Promise.race([worker.result, aborted]), 'the end of the run', deadlineMs + this.#limits.joinGraceMs);
      ended = true;
      return { report, forcedEnd: this.#forcedEnd };
    } finally {
      this.#done = true;
      signal?.removeEventListener('abort', onAbort);
      this.#timers.clear();
      this.#control.requestStop(STOP.ABORT);
      if (!ended || !this.#options.sharedFd) this.#shutdown();
      await worker.join(this.#limits.joinGraceMs);
    }
  }

  /**
   * Ends a client's window now, as a local run's endSignal does: a stream sender stops, shuts
   * its socket down for writing, and the far receiver reads to end of file (background streams,
   * which last as long as the rr pairs beside them).
   */
  stop(): void {
    if (!this.#done) this.#control.requestStop(STOP.END);
  }

  /**
   * The far client has finished (PatternBehaviour.serverEnd). A server that reads to end of file
   * ends by itself (it may still be draining, so it is left alone); a datagram receiver is let
   * drain for `drainMs`, then unblocked; a server accepting a connection per transaction stops.
   */
  end(drainMs: number): void {
    if (this.#done) return;
    switch (behaviourOf(this.#config).serverEnd) {
      case 'eof':
        return;
      case 'stop-accepting':
        this.#control.setPhase(PHASE.DONE);
        return quietShutdown(this.#fd, SHUT.RDWR);
      case 'drain':
        return this.#timers.after(drainMs, () => quietShutdown(this.#fd, SHUT.RD));
      case 'unblock':
        return this.#timers.after(0, () => quietShutdown(this.#fd, SHUT.RD));
    }
  }

  /** A server with no client on this host: the window opens after the warm-up, intervals by timer. */
  #drivePhases(): void {
    const { warmupMs, intervalMs } = this.#config;
    this.#timers.after(warmupMs, () => {
      // A crr server told to end before its warm-up was over stays ended.
      if (this.#control.phase !== PHASE.WARMUP) return;
      this.#control.setPhase(PHASE.MEASURING);
      if (intervalMs === null) return;
      const tick = (): void => {
        this.#control.nextInterval();
        this.#timers.after(intervalMs, tick);
      };
      this.#timers.after(intervalMs, tick);
    });
  }

  /** The deadline passed long ago and the side is still blocked: end with the figures so far. */
  #forceEnd(): void {
    this.#forcedEnd = true;
    this.#control.requestStop(STOP.END);
    this.#shutdown();
  }

  /** shutdown(2) on the socket, and on whatever socket a crr worker is using, unblocks every blocked call. */
  #shutdown(): void {
    if (this.#fd >= 0) quietShutdown(this.#fd, SHUT.RDWR);
    this.#control.shutdownPublished(this.#role, (fd) => quietShutdown(fd, SHUT.RDWR));
  }
}
