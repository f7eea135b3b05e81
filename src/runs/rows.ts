import { Type, type Static } from '@sinclair/typebox';
import { NullableNumber, StringEnum } from '../schema-types.js';
import type { BenchmarkRun } from './benchmarks.js';
import { metricsOf } from './metrics.js';
import { RUN_STATUSES } from './registry.js';

/** One line of the history's list of benchmarks: what a run was and its headline figures (JSON, text and CSV). */
export const RunRowSchema = Type.Object({
  id: Type.String(), status: StringEnum(RUN_STATUSES), transport: Type.String(), pattern: Type.String(),
  createdAt: Type.String(), finishedAt: Type.Union([Type.String(), Type.Null()]),
  durationMs: Type.Integer(), repeats: Type.Integer(), streams: Type.Integer(), messageSize: Type.Integer(),
  bitsPerSecond: NullableNumber, transactionsPerSecond: NullableNumber, latencyP50Micros: NullableNumber, latencyP99Micros: NullableNumber, lossRatio: NullableNumber,
  error: Type.Union([Type.String(), Type.Null()]),
});
export type RunRow = Static<typeof RunRowSchema>;
export const RUN_ROW_COLUMNS = Object.keys(RunRowSchema.properties) as Array<keyof RunRow>;

/** One line per run: what it was and its headline figures. */
export function runRow(run: BenchmarkRun): RunRow {
  const c = run.config;
  const m = run.result ? metricsOf(run.result.summary) : {};
  return {
    id: run.id, status: run.status, transport: c.transport, pattern: c.pattern,
    createdAt: run.createdAt, finishedAt: run.finishedAt,
    durationMs: c.durationMs, repeats: c.repeats, streams: c.streams, messageSize: c.messageSize,
    bitsPerSecond: m.bitsPerSecond ?? null, transactionsPerSecond: m.transactionsPerSecond ?? null,
    latencyP50Micros: m.latencyP50Micros ?? null, latencyP99Micros: m.latencyP99Micros ?? null, lossRatio: m.lossRatio ?? null,
    error: run.error?.code ?? null,
  };
}
