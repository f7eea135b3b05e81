import { ratio } from '../bench/index.js';
import { Type, type Static } from '@sinclair/typebox';
import { diffDocuments } from '../json-documents.js';
import type { BenchmarkOutcome, BenchmarkRun } from './benchmarks.js';
import { METRIC_NAMES, METRICS, metricsOf, type MetricName } from './metrics.js';
import { NullableNumber, StringEnum } from '../schema-types.js';
import type { DecodedValue } from '../options/types.js';

const SpreadSchema = Type.Object({ median: NullableNumber, min: NullableNumber, max: NullableNumber, repeats: Type.Integer() }, { additionalProperties: false });
export type Spread = Static<typeof SpreadSchema>;
const DifferenceSchema = Type.Object({
  path: Type.String({ description: 'JSON Pointer (RFC 6901)' }),
  a: Type.Unknown({ description: 'Any JSON value: a\'s, null where it has none at this path' }),
  b: Type.Unknown({ description: 'Any JSON value: b\'s, null where it has none at this path' }),
}, { additionalProperties: false });
const RunHeadSchema = Type.Object({ id: Type.String(), transport: Type.String(), pattern: Type.String(), createdAt: Type.String() }, { additionalProperties: false });

export const MetricComparisonSchema = Type.Object({
  metric: StringEnum(METRIC_NAMES), label: Type.String(), unit: Type.String(), better: StringEnum(['higher', 'lower'] as const),
  a: SpreadSchema, b: SpreadSchema,
  difference: Type.Union([Type.Number(), Type.Null()], { description: 'b − a, in the metric\'s unit' }),
  ratio: Type.Union([Type.Number(), Type.Null()], { description: 'b / a; null when a is not positive or a figure is missing' }),
  significant: Type.Union([Type.Boolean(), Type.Null()], { description: 'true: the repeats\' ranges do not overlap (larger than the run-to-run spread); null: a side has one repeat' }),
  verdict: StringEnum(['better', 'worse', 'same', 'unknown'] as const, { description: 'b against a: better, worse, or same (within the spread); unknown without repeats' }),
}, { additionalProperties: false });
export type MetricComparison = Static<typeof MetricComparisonSchema>;

/** GET /v1/benchmarks/compare. */
export const RunComparisonSchema = Type.Object({
  a: RunHeadSchema, b: RunHeadSchema,
  configDifferences: Type.Array(DifferenceSchema, { description: 'How the two runs were set up differently (config, JSON Pointers)' }),
  optionDifferences: Type.Array(DifferenceSchema, { description: 'Effective option values that differ, by /side/option' }),
  metrics: Type.Array(MetricComparisonSchema),
}, { additionalProperties: false });
export type RunComparison = Static<typeof RunComparisonSchema>;

function spreadOf(run: BenchmarkRun, name: MetricName): Spread {
  const r = run.result!.summary;
  return {
    median: metricsOf(r)[name] ?? null,
    min: metricsOf(r.min)[name] ?? null,
    max: metricsOf(r.max)[name] ?? null,
    repeats: run.result!.repeats.length,
  };
}

/** Each side's effective option values by name, of the options `keep` accepts (all by default). */
export function effectiveBySide(sockets: BenchmarkOutcome['sockets'], keep: (name: string) => boolean = () => true): { client: Record<string, DecodedValue | null>; server: Record<string, DecodedValue | null> } {
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
