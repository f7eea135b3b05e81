import type { OptionReport } from '../options/types.js';
import { withBackground } from './background.js';
import { runBenchmark } from './engine.js';
import type { BenchOptions, SideOptionsInput } from './options.js';
import { behaviourOf } from './patterns.js';
import { mergeStreams } from './streams.js';
import type { IntervalSample, ResolvedBenchConfig, RunResult } from './types.js';
import type { SenderQdisc } from './schema.js';

// One repeat of a benchmark, run by an executor: here (LocalExecutor, both sides on this host) or
// against a peer (src/peer/client.ts, the server side on another host). The run service knows
// executors only through this interface; src/app.ts wires the two, so neither imports the other.

/** A checked request as an executor sees it. */
export interface RepeatPlan {
  config: ResolvedBenchConfig & { streams: number; options: SideOptionsInput; peer?: string };
  options: BenchOptions;
  /**
   * Files each side's thread reads at its window's edges (the host's kernel counters): this
   * host's texts come back in the result's windowSnapshots, read by the side that moves the window.
   */
  windowSnapshotFiles?: string[];
}

export interface SocketReports {
  client: OptionReport[];
  server: OptionReport[];
}

/** `Far`: what a peer executor says of the far host, in the run service's shape; `FarCounters`: its kernel counters. */
export interface RepeatOutcome<Far = never, FarCounters = never> {
  result: RunResult;
  sockets: SocketReports;
  /** Peer runs: the far host as its own side reported it. */
  farHost?: Far;
  /** Peer runs: the far host's kernel counters over its side's window, as it read them itself. */
  farCounters?: FarCounters;
  /** Peer runs where the far host sends (reverse): the qdisc its packets leave by, as it read it. */
  farSenderQdisc?: SenderQdisc | null;
}

/** What a far host says it offers. */
export interface FarCapabilities {
  congestion: { available: string[]; default: string | null };
}

/** Hears each interval of each stream as it closes (intervals on only). */
export type IntervalListener = (stream: number, sample: IntervalSample, index: number) => void;

export interface Executor<Far = never, FarCounters = never> {
  /** What only this executor can refuse in a request, before it is queued: throws the 400 naming the field. */
  check(plan: RepeatPlan, fieldPrefix: string): void;
  /** Peer runs: what the far host offers (GET /v1/peer/capabilities), for checks only it can answer. */
  capabilities?(peer: string): Promise<FarCapabilities>;
  /** One repeat; it ends only once every thread and descriptor it used is released. */
  repeat(plan: RepeatPlan, signal: AbortSignal, onInterval: IntervalListener): Promise<RepeatOutcome<Far, FarCounters>>;
}

/** Both sides on this host, each in its own worker thread; `streams` pairs at once. */
export class LocalExecutor implements Executor {
  constructor(private readonly limits: { connectTimeoutMs: number }) {}

  check(): void {
    // Everything a local run needs is checked when the config is resolved.
  }

  /** The pairs, with `config.background` streams beside them for their whole window (background.ts). */
  async repeat(plan: RepeatPlan, signal: AbortSignal, onInterval: IntervalListener): Promise<RepeatOutcome> {
    const { value, background } = await withBackground(plan.config, { signal, limits: this.limits },
      (s, beforeStart) => this.#pairs(plan, s, onInterval, beforeStart));
    if (value.result.rr) value.result.rr.background = background;
    return value;
  }

  /** The first failure cancels the other streams, and the repeat ends only when every one of them has ended. */
  async #pairs({ config, options, windowSnapshotFiles }: RepeatPlan, signal: AbortSignal, onInterval: IntervalListener, beforeStart?: () => Promise<void>): Promise<RepeatOutcome> {
    const linked = new AbortController();
    const onAbort = () => linked.abort(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    const engineConfig = { ...config, intervalMs: config.intervalMs ?? undefined };
    const behaviour = behaviourOf(config);
    let firstError: unknown;
    const runs = Array.from({ length: config.streams }, (_, stream) => {
      const { hooks, reports, clientSocketOptions } = options.forRun(behaviour);
      const run = runBenchmark(engineConfig, {
        // Parallel streams share one window (they start together): the first one's edges bracket it.
        signal: linked.signal, hooks, clientSocketOptions, beforeStart, windowSnapshotFiles: stream === 0 ? windowSnapshotFiles : undefined,
        onInterval: (sample, index) => onInterval(stream, sample, index),
      }, { connectTimeoutMs: this.limits.connectTimeoutMs });
      run.catch((err: unknown) => {
        firstError ??= err;
        linked.abort(err);
      });
      return { run, reports };
    });
    try {
      const settled = await Promise.allSettled(runs.map((r) => r.run));
      // The first failure explains the others (runs it cancelled).
      if (settled.some((s) => s.status === 'rejected')) throw firstError;
      return {
        result: mergeStreams(settled.map((s) => (s as PromiseFulfilledResult<RunResult>).value)),
        sockets: runs[0].reports(),
      };
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }
}
