import { readFileSync } from 'node:fs';
import { getrusage, RUSAGE, type CpuTime } from '../../../native-bindings/index.js';
import type { Role } from '../../sockets/pair.js';
import { PHASE, type Control } from '../control.js';
import type { SideInterval, SideReport } from '../protocol.js';
import type { CpuUsage, ResolvedBenchConfig, WindowSnapshots } from '../types.js';
import type { SideContext } from './context.js';

const hrtime = process.hrtime;
/** CLOCK_MONOTONIC in ns as a double (exact to the ns for ~100 days of uptime); cheaper than hrtime.bigint(). */
export function nowNs(): number {
  const t = hrtime();
  return t[0] * 1e9 + t[1];
}

const MS_PER_MICRO = 1 / 1000;

const MS_PER_NS = 1e-6;

/**
 * How long the calling thread has waited, runnable, for a CPU (ns): the second field of
 * /proc/thread-self/schedstat (run_delay). Null where the kernel does not keep it.
 */
export function runQueueWaitNs(): number | null {
  try {
    const wait = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]);
    return Number.isFinite(wait) ? wait : null;
  } catch {
    return null;
  }
}

/**
 * CPU time of the calling thread over a window: getrusage(RUSAGE_THREAD) at both ends, and the
 * time it waited for a CPU while runnable, which tells a thread that wanted the whole window
 * from one that slept in its socket calls when the host is busy with other work.
 */
export class ThreadCpu {
  #start: CpuTime | null = null;
  #startWait: number | null = null;
  #usage: CpuUsage | null = null;

  start(): void {
    this.#startWait = runQueueWaitNs();
    this.#start = getrusage(RUSAGE.THREAD);
  }

  stop(): void {
    if (!this.#start || this.#usage) return;
    const end = getrusage(RUSAGE.THREAD);
    const wait = runQueueWaitNs();
    this.#usage = {
      userMs: (end.userMicros - this.#start.userMicros) * MS_PER_MICRO,
      systemMs: (end.systemMicros - this.#start.systemMicros) * MS_PER_MICRO,
      waitMs: wait === null || this.#startWait === null ? null : (wait - this.#startWait) * MS_PER_NS,
    };
  }

  get usage(): CpuUsage | null {
    return this.#usage;
  }
}

export function emptyReport(role: Role): SideReport {
  return {
    role, cpu: null, totalBytes: 0, windowNs: null, windowBytes: 0, windowCalls: 0, eof: false,
    datagrams: 0, reordered: 0, transactions: 0, latency: null, histogram: null, intervals: [], tcpInfo: null,
  };
}

/** Counters a loop bumps on every call; meters snapshot them at window and interval edges. */
export interface Counters {
  bytes: number;
  calls: number;
  /** Datagrams sent or received, or transactions. */
  units: number;
}

type Snapshot = Counters & { ns: number };

/** What a meter takes from its side's context. */
export type MeterContext = Pick<SideContext, 'control' | 'config' | 'publishInterval' | 'start'>;

/** Each file's text, or null where it cannot be read. */
function readFiles(paths: readonly string[]): Array<string | null> {
  return paths.map((path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return null;
    }
  });
}

const snapshot = (c: Counters, ns: number): Snapshot => ({ bytes: c.bytes, calls: c.calls, units: c.units, ns });

function interval(index: number, from: Snapshot, to: Snapshot, origin: number, unit: 'datagrams' | 'transactions' | null): SideInterval {
  const units = to.units - from.units;
  return {
    index,
    startNs: from.ns - origin,
    endNs: to.ns - origin,
    bytes: to.bytes - from.bytes,
    calls: to.calls - from.calls,
    datagrams: unit === 'datagrams' ? units : 0,
    transactions: unit === 'transactions' ? units : 0,
  };
}

/** What both sides' meters share: the counters, the thread's CPU and the window's snapshots. */
abstract class WindowMeter implements Counters {
  bytes = 0;
  calls = 0;
  units = 0;
  measuring = false;
  readonly cpu = new ThreadCpu();
  readonly intervals: SideInterval[] = [];
  protected windowStart: Snapshot | null = null;
  protected intervalStart: Snapshot | null = null;
  protected windowEnd: Snapshot | null = null;
  protected readonly control: Control;
  readonly #publish: (sample: SideInterval) => void;
  readonly #files: readonly string[];
  #snapshots: WindowSnapshots | null = null;
  #snapshotNs = 0;

  constructor(ctx: MeterContext, protected readonly unit: 'datagrams' | 'transactions' | null) {
    this.control = ctx.control;
    this.#publish = ctx.publishInterval;
    this.#files = ctx.start.snapshotFiles ?? [];
  }

  /** Opens the window at `t`, or just after the counter files are read: the window's edge, returned. */
  protected openAt(t: number): number {
    // Read before the edge, so that neither the window's time nor its CPU holds the reads.
    if (this.#files.length > 0) {
      this.#snapshots = { open: readFiles(this.#files), close: [], ms: 0 };
      t = nowNs();
      this.#snapshotNs = t;
    }
    this.cpu.start();
    this.measuring = true;
    this.windowStart = snapshot(this, t);
    this.intervalStart = this.windowStart;
    return t;
  }

  /** The interval from the last edge to `t`, numbered `index`; `t` becomes the next interval's start. */
  protected cut(index: number, t: number): SideInterval {
    const end = snapshot(this, t);
    const sample = interval(index, this.intervalStart!, end, this.windowStart!.ns, this.unit);
    this.intervalStart = end;
    return sample;
  }

  /** Keeps a closed interval for the report and sends it to the main thread now, for live samples. */
  protected keep(sample: SideInterval): void {
    this.intervals.push(sample);
    this.#publish(sample);
  }

  /** The files' second reading, right after the window's end. */
  protected closeSnapshots(): void {
    const snaps = this.#snapshots;
    if (!snaps || snaps.close.length > 0) return;
    snaps.close = readFiles(this.#files);
    snaps.ms = Math.round((nowNs() - this.#snapshotNs) / 1e3) / 1e3;
  }

  /** Fills the window figures of `report` from the counters. */
  report(report: SideReport): SideReport {
    if (this.#snapshots && this.#snapshots.close.length > 0) report.snapshots = this.#snapshots;
    report.totalBytes = this.bytes;
    report.cpu = this.cpu.usage;
    report.intervals = this.intervals;
    const start = this.windowStart;
    const end = this.windowEnd;
    if (start && end) {
      report.windowNs = end.ns - start.ns;
      report.windowBytes = end.bytes - start.bytes;
      report.windowCalls = end.calls - start.calls;
    }
    return report;
  }
}

/**
 * The client's view of the run: it owns the clock. It starts the measured window after the
 * warm-up, cuts intervals, ends the window at the deadline, and publishes each step through the
 * shared Control so that the server follows without a clock of its own. Loops call `event(t)`
 * only when `t >= nextEventNs`, so the common path costs one comparison.
 */
export class ClientMeter extends WindowMeter {
  nextEventNs = Infinity;
  #startAt = 0;
  #endAt = 0;
  #nextIntervalAt = Infinity;
  readonly #config: ResolvedBenchConfig;
  /** Adds loop-specific figures (latency, TCP_INFO) to an interval as it closes. */
  onInterval: ((sample: SideInterval) => void) | null = null;

  constructor(ctx: MeterContext, unit: 'datagrams' | 'transactions' | null) {
    super(ctx, unit);
    this.#config = ctx.config;
  }

  /** Starts the clock; with no warm-up the window opens at once. */
  begin(t: number): void {
    this.#startAt = t + this.#config.warmupMs * 1e6;
    this.nextEventNs = this.#startAt;
    if (this.#config.warmupMs === 0) this.event(t);
  }

  /**
   * Returns true once the deadline has passed: the loop must stop. With `canEnd` false the
   * loop decides itself when to call finish() (crr must know before its last close).
   */
  event(t: number, canEnd = true): boolean {
    if (!this.measuring) {
      this.#openWindow(t);
      return false;
    }
    if (t >= this.#nextIntervalAt) this.#closeInterval(t);
    if (t >= this.#endAt && canEnd) {
      this.finish(t);
      return true;
    }
    this.nextEventNs = t >= this.#endAt ? this.#nextIntervalAt : Math.min(this.#endAt, this.#nextIntervalAt);
    return false;
  }

  /** The measured window is over at `t`: the current transaction is the last one. */
  pastDeadline(t: number): boolean {
    return this.measuring && t >= this.#endAt;
  }

  #openWindow(at: number): void {
    const t = this.openAt(at);
    this.#endAt = t + this.#config.durationMs * 1e6;
    const every = this.#config.intervalMs;
    this.#nextIntervalAt = every === null ? Infinity : t + every * 1e6;
    this.nextEventNs = Math.min(this.#endAt, this.#nextIntervalAt);
    this.control.publishBoundary(this.units);
    this.control.setPhase(PHASE.MEASURING);
  }

  #closeInterval(t: number): void {
    const sample = this.cut(this.intervals.length, t);
    this.onInterval?.(sample);
    // The edge first: the server cuts its interval when it sees it, which the post must not delay.
    this.control.nextInterval();
    this.keep(sample);
    const every = this.#config.intervalMs!;
    while (this.#nextIntervalAt <= t) this.#nextIntervalAt += every * 1e6;
  }

  /** Ends the window at `t` (the deadline, or earlier when the run is stopped). Idempotent. */
  finish(t: number): void {
    if (this.windowEnd) return;
    if (!this.measuring) {
      this.control.setPhase(PHASE.DONE);
      return;
    }
    this.cpu.stop();
    this.windowEnd = snapshot(this, t);
    this.closeSnapshots();
    if (this.#config.intervalMs !== null && t > this.intervalStart!.ns) this.#closeInterval(t);
    this.nextEventNs = Infinity;
    this.control.setPhase(PHASE.DONE);
  }

  /** The window figures, plus the datagrams or transactions the client counted in it. */
  override report(report: SideReport): SideReport {
    super.report(report);
    const start = this.windowStart;
    const end = this.windowEnd;
    if (start && end) {
      if (this.unit === 'datagrams') report.datagrams = end.units - start.units;
      if (this.unit === 'transactions') report.transactions = end.units - start.units;
    }
    return report;
  }
}

/**
 * The server's view: it follows the client's phase and interval counter through Control,
 * which costs one atomic load per call and no clock reads except at the edges.
 */
export class ServerMeter extends WindowMeter {
  /** True while the loop must call `check()` after each call. */
  watching = true;
  #seenInterval = 0;
  readonly #intervalsOn: boolean;

  constructor(ctx: MeterContext, unit: 'datagrams' | 'transactions' | null) {
    super(ctx, unit);
    this.#intervalsOn = ctx.config.intervalMs !== null;
  }

  check(): void {
    if (!this.measuring) {
      if (this.control.phase >= PHASE.MEASURING) {
        this.openAt(nowNs());
        this.watching = this.#intervalsOn;
      }
      return;
    }
    const current = this.control.interval;
    if (current !== this.#seenInterval) {
      this.keep(this.cut(current - 1, nowNs()));
      this.#seenInterval = current;
    }
  }

  /** Ends the window (end of file or end of run). Idempotent. */
  finish(): void {
    if (this.windowEnd || !this.measuring) return;
    this.cpu.stop();
    const t = nowNs();
    this.windowEnd = snapshot(this, t);
    this.closeSnapshots();
    if (this.#intervalsOn && t > this.intervalStart!.ns) this.keep(this.cut(this.#seenInterval, t));
  }
}
