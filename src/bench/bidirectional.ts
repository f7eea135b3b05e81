import { recv } from '../../native-bindings/index.js';
import { FdScope } from '../sockets/fd-scope.js';
import { connectedPair } from '../sockets/pair.js';
import { mergeStream } from './streams.js';
import { readCongestion, readTcpInfo } from './workers/context.js';
import type { BenchConfig, CpuUsage, DirectionFigures, EngineOptions, ResolvedBenchConfig, RunResult } from './types.js';

/** The engine's limits this needs (engine.ts owns them; it passes its own run function to avoid an import circle). */
interface Limits { connectTimeoutMs: number }
type RunOne<L extends Limits> = (config: BenchConfig, options: EngineOptions, limits: Partial<L>) => Promise<RunResult>;

const sum = (a: CpuUsage | null, b: CpuUsage | null): CpuUsage | null => (a === null || b === null ? null : {
  userMs: a.userMs + b.userMs, systemMs: a.systemMs + b.systemMs, waitMs: a.waitMs === null || b.waitMs === null ? null : a.waitMs + b.waitMs,
});

/**
 * Both directions at once on one connected pair (iperf3 --bidir): a forward and a reverse run of
 * the engine, each with its own two threads and its own clock, started together once all four
 * threads are ready. Each direction keeps its own byte accounting (each sender half-closes its
 * socket, each receiver reads to that end of file); the result gives each direction's figures,
 * their sum as `stream`, and each side's CPU over both of its threads. The first failure ends
 * both; the pair is closed only when both have ended.
 */
export async function runBidirectional<L extends Limits>(config: ResolvedBenchConfig, options: EngineOptions, limits: L, runOne: RunOne<L>): Promise<RunResult> {
  const scope = new FdScope();
  const linked = new AbortController();
  const onAbort = (): void => linked.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const hooks = options.hooks ?? {};
    const built = connectedPair(config.transport, scope, hooks, limits.connectTimeoutMs);
    hooks.afterConnect?.('client', built.client);
    hooks.afterConnect?.('server', built.server);
    // The nudge byte of a deferred accept: both sockets read, so it is taken off here rather than counted.
    if (built.nudged) recv(built.server, Buffer.alloc(1), 1, 0);
    const pair = { client: built.client, server: built.server };

    let ready = 0;
    let release = (): void => undefined;
    const bothReady = new Promise<void>((resolve) => { release = resolve; });
    const start = (async () => {
      await bothReady;
      await options.beforeStart?.();
    })();
    start.catch(() => undefined);
    const beforeStart = (): Promise<void> => {
      if (++ready === 2) release();
      return start;
    };
    const half = (direction: 'forward' | 'reverse'): Promise<RunResult> => {
      const run = runOne({ ...config, direction, intervalMs: config.intervalMs ?? undefined }, {
        ...options, hooks: undefined, pair, signal: linked.signal, beforeStart,
        // The forward half's client thread reads the counters and sends the live intervals, as a forward run's does.
        windowSnapshotFiles: direction === 'forward' ? options.windowSnapshotFiles : undefined,
        onInterval: direction === 'forward' ? options.onInterval : undefined,
        onStarted: direction === 'forward' ? options.onStarted : undefined,
      }, limits);
      run.catch((err: unknown) => linked.abort(err));
      return run;
    };
    const settled = await Promise.allSettled([half('forward'), half('reverse')]);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw linked.signal.reason ?? failed.reason;
    const [forward, reverse] = settled.map((s) => (s as PromiseFulfilledResult<RunResult>).value);
    hooks.atEnd?.('client', pair.client);
    hooks.atEnd?.('server', pair.server);
    const tcp = forward.tcpInfo !== null;
    // Read once both directions are done: the sockets' state at the end of the whole run.
    return combineDirections(config, forward, reverse, {
      tcpInfo: tcp ? { client: readTcpInfo(pair.client), server: readTcpInfo(pair.server) } : null,
      congestion: tcp ? { client: readCongestion(pair.client), server: readCongestion(pair.server) } : null,
    });
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    scope.closeAll();
  }
}

/** The two directions of one connection as one result: each one's figures, their sum, each side's CPU over its two threads. */
export function combineDirections(config: ResolvedBenchConfig, forward: RunResult, reverse: RunResult, end: Pick<RunResult, 'tcpInfo' | 'congestion'>): RunResult {
  const one = (r: RunResult, sentBy: 'client' | 'server'): DirectionFigures => ({ ...r.stream!, sentBy, cpu: r.cpu });
  return {
    ...forward,
    config,
    stream: mergeStream([forward.stream!, reverse.stream!]),
    cpu: { client: sum(forward.cpu.client, reverse.cpu.client), server: sum(forward.cpu.server, reverse.cpu.server) },
    tcpInfo: end.tcpInfo,
    congestion: end.congestion,
    nudged: false,
    forcedEnd: forward.forcedEnd || reverse.forcedEnd,
    sentBy: 'both',
    directions: { forward: one(forward, 'client'), reverse: one(reverse, 'server') },
  };
}
