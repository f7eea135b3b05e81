import { ratio } from '../bench/index.js';
import { diffDocuments, type Difference } from '../host/compare.js';
import type { BenchmarkOutcome, BenchmarkRun } from './benchmarks.js';
import { METRICS, metricsOf, type MetricName } from './metrics.js';

export interface Spread {
  median: number | null;
  min: number | null;
  max: number | null;
  repeats: number;
}

export interface MetricComparison {
  metric: MetricName;
  label: string;
  unit: string;
  better: 'higher' | 'lower';
  a: Spread;
  b: Spread;
  /** b − a, in the metric's unit. */
  difference: number | null;
  /** b / a; null when a is not positive or a figure is missing. */
  ratio: number | null;
  /**
   * true: the repeats' ranges do not overlap, so the difference is larger than the run-to-run
   * spread; false: it is within it (noise); null: a side has a single repeat and no spread.
   */
  significant: boolean | null;
  /** b against a: better, worse, or same (within the spread); unknown without repeats. */
  verdict: 'better' | 'worse' | 'same' | 'unknown';
}

export interface RunComparison {
  a: { id: string; transport: string; pattern: string; createdAt: string };
  b: { id: string; transport: string; pattern: string; createdAt: string };
  /** How the two runs were set up differently (config, JSON Pointers). */
  configDifferences: Difference[];
  /** Effective option values that differ, by /side/option. */
  optionDifferences: Difference[];
  metrics: MetricComparison[];
}

function spreadOf(run: BenchmarkRun, name: MetricName): Spread {
  const r = run.result!.summary as Record<string, unknown>;
  return {
    median: metricsOf(r)[name] ?? null,
    min: metricsOf(r.min)[name] ?? null,
    max: metricsOf(r.max)[name] ?? null,
    repeats: run.result!.repeats.length,
  };
}

/** Each side's effective option values by name, of the options `keep` accepts (all by default). */
export function effectiveBySide(sockets: BenchmarkOutcome['sockets'], keep: (name: string) => boolean = () => true): { client: Record<string, unknown>; server: Record<string, unknown> } {
  const side = (reports: BenchmarkOutcome['sockets']['client']) => Object.fromEntries(reports.filter((r) => keep(r.name)).map((r) => [r.name, r.effective]));
  return { client: side(sockets.client), server: side(sockets.server) };
}

function judge(a: Spread, b: Spread, better: 'higher' | 'lower'): Pick<MetricComparison, 'significant' | 'verdict'> {
  if (a.median === null || b.median === null || a.min === null || a.max === null || b.min === null || b.max === null) {
    return { significant: null, verdict: 'unknown' };
  }
  if (a.repeats < 2 || b.repeats < 2) return { significant: null, verdict: 'unknown' };
  const significant = b.min > a.max || b.max < a.min;
  if (!significant) return { significant, verdict: 'same' };
  const higher = b.median > a.median;
  return { significant, verdict: higher === (better === 'higher') ? 'better' : 'worse' };
}

/** Two finished runs of one pattern, metric by metric, with the spread of their repeats. */
export function compareRuns(a: BenchmarkRun, b: BenchmarkRun): RunComparison {
  const names = (Object.keys(metricsOf(a.result!.summary)) as MetricName[]).filter((n) => n in metricsOf(b.result!.summary));
  const metrics = names.map((metric): MetricComparison => {
    const info = METRICS[metric];
    const sa = spreadOf(a, metric);
    const sb = spreadOf(b, metric);
    const difference = sa.median !== null && sb.median !== null ? sb.median - sa.median : null;
    return {
      metric, label: info.label, unit: info.unit, better: info.better, a: sa, b: sb, difference,
      ratio: sb.median === null ? null : ratio(sb.median, sa.median), ...judge(sa, sb, info.better),
    };
  });
  const head = (r: BenchmarkRun) => ({ id: r.id, transport: r.config.transport, pattern: r.config.pattern, createdAt: r.createdAt });
  return {
    a: head(a), b: head(b),
    configDifferences: diffDocuments(a.config, b.config),
    optionDifferences: diffDocuments(effectiveBySide(a.result!.sockets), effectiveBySide(b.result!.sockets)),
    metrics,
  };
}
