// The figures a run is judged by, read out of a benchmark result by name. Sweeps, comparisons,
// run lists, charts and Prometheus gauges all use this one table.

export interface MetricInfo {
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  /** Where it sits in a result's median figures (and in its min and max). */
  path: readonly string[];
}

export const METRICS = {
  bitsPerSecond: { label: 'Throughput', unit: 'bit/s', better: 'higher', path: ['bitsPerSecond'] },
  transactionsPerSecond: { label: 'Transaction rate', unit: 'transactions/s', better: 'higher', path: ['transactionsPerSecond'] },
  latencyP50Micros: { label: 'Latency p50', unit: 'µs', better: 'lower', path: ['latencyMicros', 'p50'] },
  latencyP99Micros: { label: 'Latency p99', unit: 'µs', better: 'lower', path: ['latencyMicros', 'p99'] },
  lossRatio: { label: 'Loss', unit: 'ratio', better: 'lower', path: ['lossRatio'] },
  /** What compares data paths (sendMode, gso, gro) at unequal rates: CPU per byte moved. */
  clientCpuMsPerGigabyte: { label: 'Client CPU per GB', unit: 'ms/GB', better: 'lower', path: ['cpuMsPerGigabyte', 'client'] },
  serverCpuMsPerGigabyte: { label: 'Server CPU per GB', unit: 'ms/GB', better: 'lower', path: ['cpuMsPerGigabyte', 'server'] },
} as const satisfies Record<string, MetricInfo>;

export type MetricName = keyof typeof METRICS;
export const METRIC_NAMES = Object.keys(METRICS) as MetricName[];

function at(tree: unknown, path: readonly string[]): number | null | undefined {
  let node: unknown = tree;
  for (const key of path) {
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'number' ? node : node === null ? null : undefined;
}

/** The metrics a figures tree has (a stream has no latency): present ones only, null where not computable. */
export function metricsOf(figures: unknown): Partial<Record<MetricName, number | null>> {
  const out: Partial<Record<MetricName, number | null>> = {};
  for (const name of METRIC_NAMES) {
    const v = at(figures, METRICS[name].path);
    if (v !== undefined) out[name] = v;
  }
  return out;
}
