import type { FastifyError } from 'fastify';
import type { Config } from '../config.js';
import { errors } from '../errors.js';
import { hostFacts, type HostFacts } from '../host/facts.js';
import { sysctlValue, type SysctlName, type SysctlValue } from '../host/sysctls.js';
import type { OptionReport } from '../options/apply.js';
import { resolveBenchConfig } from '../bench/config.js';
import { runBenchmark } from '../bench/engine.js';
import { BenchConfigError, BenchTimeoutError, BenchWorkerError } from '../bench/errors.js';
import { BenchOptions, type SideOptionsInput } from '../bench/options.js';
import { summarize, type LimitedBy } from '../bench/summary.js';
import type { BenchConfig, IntervalSample, ResolvedBenchConfig, RunResult } from '../bench/types.js';
import { RunRegistry, type RunError, type RunView } from './registry.js';

export const DEFAULT_DURATION_MS = 3000;
export const DEFAULT_WARMUP_MS = 500;
export const MAX_REPEATS = 20;

export interface BenchmarkRequest extends Omit<BenchConfig, 'durationMs'> {
  durationMs?: number;
  repeats?: number;
  options?: SideOptionsInput;
}

export type BenchmarkConfig = ResolvedBenchConfig & { repeats: number; options: SideOptionsInput };

export interface BenchmarkOutcome {
  host: HostFacts & { sysctls: Record<string, SysctlValue | null> };
  /** Per side, every option set (and SO_SNDBUF/SO_RCVBUF always): requested, before, effective, connected, end. */
  sockets: { client: OptionReport[]; server: OptionReport[] };
  result: Record<string, unknown> & { limitedBy: LimitedBy | null };
  repeats: Array<Record<string, unknown>>;
  intervals: IntervalSample[] | null;
}

export type BenchmarkRun = RunView<BenchmarkConfig, BenchmarkOutcome>;

/** The sysctls that explain a transfer, copied into every result. */
const RESULT_SYSCTLS: SysctlName[] = [
  'net.core.rmem_max', 'net.core.wmem_max', 'net.core.rmem_default', 'net.core.wmem_default',
  'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'net.ipv4.tcp_congestion_control', 'net.ipv4.tcp_autocorking',
  'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_no_metrics_save', 'net.core.netdev_max_backlog',
];

function describeError(err: unknown): RunError {
  if (err instanceof BenchTimeoutError) return { code: 'SOCKBENCH_RUN_TIMEOUT', message: err.message };
  if (err instanceof BenchWorkerError) {
    return { code: 'SOCKBENCH_RUN_FAILED', message: `${err.message}${err.code ? ` (${err.code})` : ''}` };
  }
  const code = (err as FastifyError).code;
  if (typeof code === 'string' && code.startsWith('SOCKBENCH_')) return { code, message: (err as Error).message };
  return { code: 'SOCKBENCH_RUN_FAILED', message: (err as Error).message ?? String(err) };
}

function repeatView(r: RunResult): Record<string, unknown> {
  const { histogram: _h, ...figures } = (r.stream ?? r.datagram ?? r.rr) as unknown as Record<string, unknown>;
  return { ...figures, cpu: r.cpu, forcedEnd: r.forcedEnd, nudged: r.nudged };
}

/**
 * Benchmarks as a service: checks a request completely before queueing it (so mistakes are
 * 400s, not failed runs), runs its repeats one after another through the engine, and
 * summarises them. Runs go through a RunRegistry: one at a time, bounded queue, cancel.
 */
export class BenchmarkService {
  readonly registry: RunRegistry<BenchmarkConfig, BenchmarkOutcome>;

  constructor(private readonly config: Config) {
    this.registry = new RunRegistry({ queueLimit: config.SOCKBENCH_QUEUE_LIMIT, keepFinished: config.SOCKBENCH_KEEP_RUNS, describeError });
  }

  submit(req: BenchmarkRequest): BenchmarkRun {
    const max = this.config.SOCKBENCH_MAX_DURATION_MS;
    const durationMs = req.durationMs ?? DEFAULT_DURATION_MS;
    const warmupMs = req.warmupMs ?? Math.min(DEFAULT_WARMUP_MS, max);
    for (const [field, value] of [['durationMs', durationMs], ['warmupMs', warmupMs]] as const) {
      if (value > max) throw errors.invalidValue(`${field}: ${value} ms is more than the limit of ${max} ms (SOCKBENCH_MAX_DURATION_MS).`, `body.${field}`);
    }
    const repeats = req.repeats ?? 1;
    let resolved: ResolvedBenchConfig;
    try {
      resolved = resolveBenchConfig({ ...req, durationMs, warmupMs });
    } catch (err) {
      if (err instanceof BenchConfigError) throw errors.invalidValue(`body.${err.message}.`, `body.${err.field}`);
      throw err;
    }
    const options = new BenchOptions(resolved.transport, req.options ?? {}, this.config.SOCKBENCH_MAX_OPTIONS);
    const config: BenchmarkConfig = { ...resolved, repeats, options: req.options ?? {} };
    const expectedMs = repeats * (durationMs + warmupMs);
    return this.registry.submit(config, (signal, progress) => this.#run(resolved, repeats, options, signal, progress), expectedMs, repeats);
  }

  async #run(config: ResolvedBenchConfig, repeats: number, options: BenchOptions, signal: AbortSignal, progress: (p: { done: number; total: number }) => void): Promise<BenchmarkOutcome> {
    const results: RunResult[] = [];
    let sockets: BenchmarkOutcome['sockets'] = { client: [], server: [] };
    for (let i = 0; i < repeats; i++) {
      const { hooks, reports } = options.hooks(config.pattern === 'crr');
      results.push(await runBenchmark({ ...config, intervalMs: config.intervalMs ?? undefined }, { signal, hooks, crrClientOptions: options.rawClientOptions() }, { connectTimeoutMs: this.config.SOCKBENCH_PROBE_TIMEOUT_MS }));
      if (i === 0) sockets = config.pattern === 'crr' ? { ...reports(), client: options.crrClientReports() } : reports();
      progress({ done: i + 1, total: repeats });
    }
    const summary = summarize(results);
    const sysctls = Object.fromEntries(RESULT_SYSCTLS.map((n) => [n, sysctlValue(n)]));
    return {
      host: { ...hostFacts(), sysctls },
      sockets,
      result: { ...summary.figures, min: summary.min, max: summary.max, cpu: summary.cpu, tcpInfo: summary.tcpInfo, limitedBy: summary.limitedBy, medianRepeat: summary.medianRepeat },
      repeats: results.map(repeatView),
      intervals: results[summary.medianRepeat].intervals,
    };
  }
}
