import { runBenchmark, type EngineLimits } from './engine.js';
import { mergeStreams } from './streams.js';
import type { BackgroundFigures, BenchConfig, ResolvedBenchConfig, RunResult } from './types.js';

/**
 * Background streams end when the foreground is done (endSignal); this only bounds them should
 * that never come: the foreground's warm-up and window, plus this much for its start-up.
 */
export const BACKGROUND_SLACK_MS = 10_000;

export interface BackgroundOptions {
  signal: AbortSignal;
  workerExecArgv?: string[];
  limits?: Partial<EngineLimits>;
}

/**
 * Latency under load (flent's RRUL idea): starts `config.background.streams` bulk streams on
 * the foreground's transport, and the foreground (the rr pairs) with `beforeStart`, which it
 * passes to its engine runs. Every thread loads before any traffic; the streams start sending
 * once all are ready, the foreground's warm-up once every stream is sending; when the foreground
 * is done the streams end and what they moved is summed. A failure on either side cancels the
 * other; nothing returns before every stream has released its threads and descriptors.
 */
export async function withBackground<T>(config: ResolvedBenchConfig, options: BackgroundOptions,
  foreground: (signal: AbortSignal, beforeStart?: () => Promise<void>) => Promise<T>): Promise<{ value: T; background: BackgroundFigures | null }> {
  const spec = config.background;
  if (spec === null) return { value: await foreground(options.signal), background: null };
  const cancel = new AbortController();
  const onAbort = (): void => cancel.abort(options.signal.reason);
  options.signal.addEventListener('abort', onAbort, { once: true });
  if (options.signal.aborted) onAbort();
  const end = new AbortController();
  let firstError: unknown;
  let ended = 0;
  let ready = 0;
  const allReady = deferred();
  const go = deferred();
  const streams = Array.from({ length: spec.streams }, () => {
    const running = deferred();
    const result = runBenchmark(backgroundStream(config), {
      signal: cancel.signal, endSignal: end.signal, workerExecArgv: options.workerExecArgv,
      beforeStart: () => {
        if (++ready === spec.streams) allReady.resolve();
        return go.promise;
      },
      onStarted: () => running.resolve(),
    }, options.limits);
    result.then(() => { ended++; }, (err: unknown) => {
      firstError ??= err;
      cancel.abort(err);
    });
    return { running: running.promise, result };
  });
  const failed = new Promise<never>((_, reject) => cancel.signal.addEventListener('abort', () => reject(firstError ?? cancel.signal.reason), { once: true }));
  failed.catch(() => undefined);
  const beforeStart = async (): Promise<void> => {
    await Promise.race([allReady.promise, failed]);
    go.resolve();
    await Promise.race([Promise.all(streams.map((s) => s.running)), failed]);
  };
  try {
    const value = await Promise.race([foreground(cancel.signal, beforeStart), failed]);
    const coveredWindow = ended === 0;
    end.abort();
    const results = await Promise.all(streams.map((s) => s.result));
    return { value, background: backgroundFigures(config, mergeStreams(results), coveredWindow) };
  } catch (err) {
    cancel.abort(err);
    throw firstError ?? err;
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    await Promise.allSettled(streams.map((s) => s.result));
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

/**
 * One background stream of `config` (which has a background): a bulk stream on the foreground's
 * transport, measured whole (no warm-up), which the foreground's end stops long before its
 * duration, the foreground's warm-up and window plus BACKGROUND_SLACK_MS, runs out.
 */
export function backgroundStream(config: ResolvedBenchConfig): BenchConfig {
  return {
    transport: config.transport, pattern: 'stream', messageSize: config.background!.messageSize,
    warmupMs: 0, durationMs: config.warmupMs + config.durationMs + BACKGROUND_SLACK_MS,
  };
}

/** What the background streams moved, summed (`merged`: their results, mergeStreams'd); coveredWindow: none ended before the foreground. */
export function backgroundFigures(config: ResolvedBenchConfig, merged: RunResult, coveredWindow: boolean): BackgroundFigures {
  const spec = config.background!;
  const f = merged.stream ?? merged.datagram!;
  return {
    streams: spec.streams, direction: spec.direction, messageSize: spec.messageSize,
    seconds: f.seconds, bytes: f.bytes, bitsPerSecond: f.bitsPerSecond, coveredWindow, cpuMsPerGigabyte: f.cpuMsPerGigabyte,
  };
}
