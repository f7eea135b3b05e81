import { METRIC_NAMES, METRICS, type MetricName } from '../runs/metrics.js';
import type { SweepRun } from '../runs/sweeps.js';
import { formatShort } from './format.js';
import { table, valueText } from './text.js';

// Sweeps as text (Accept: text/plain) and as CSV rows.

/** The parameters a sweep varies, in the order asked. */
export function variedParameters(run: SweepRun): string[] {
  return Object.keys(run.config.vary);
}

/** The metrics a sweep's points have, headline first. */
export function metricsIn(run: SweepRun): MetricName[] {
  const present = new Set(run.result?.points.flatMap((p) => Object.keys(p.metrics ?? {})) ?? []);
  return METRIC_NAMES.filter((m) => present.has(m));
}

/** A sweep's points as rows (CSV): parameters, status, each metric with its min, max and ratio to the first point. */
export function pointRows(run: SweepRun): { header: string[]; rows: Array<Array<string | number | boolean | null>> } {
  const metrics = metricsIn(run);
  const header = ['index', ...variedParameters(run), 'status', ...metrics, ...metrics.map((m) => `${m}Min`), ...metrics.map((m) => `${m}Max`), ...metrics.map((m) => `${m}RatioToFirst`), 'finding', 'overheadMs', 'error'];
  const rows = (run.result?.points ?? []).map((p) => [
    p.index, ...variedParameters(run).map((k) => { const v = p.params[k]; return typeof v === 'object' ? JSON.stringify(v) : v; }), p.status,
    ...metrics.map((m) => p.metrics?.[m] ?? null), ...metrics.map((m) => p.min?.[m] ?? null), ...metrics.map((m) => p.max?.[m] ?? null),
    ...metrics.map((m) => p.ratioToFirst?.[m] ?? null), p.explanation?.[0]?.code ?? null, p.overheadMs, p.error?.code ?? null,
  ]);
  return { header, rows };
}

/** A sweep as a terminal reads it: a row per point, then the best point of each metric. */
export function sweepText(run: SweepRun): string {
  const c = run.config;
  const lines = [`${run.id}  ${run.status}  sweep of ${c.points} points  ${c.base.transport} ${c.base.pattern}  progress ${run.progress.done}/${run.progress.total}`];
  if (run.error) lines.push(`error: ${run.error.code}: ${run.error.message}`);
  if (run.result) {
    const metrics = metricsIn(run);
    lines.push('', table(['#', ...variedParameters(run), 'STATUS', ...metrics, 'VS FIRST', 'FINDING'], run.result.points.map((p) => [
      p.index, ...variedParameters(run).map((k) => valueText(p.params[k])), p.status,
      ...metrics.map((m) => (p.metrics?.[m] == null ? '' : formatShort(p.metrics[m]!))),
      p.ratioToFirst?.[metrics[0]] == null ? '' : p.ratioToFirst[metrics[0]]!.toFixed(3), p.explanation?.[0]?.code ?? '',
    ])).trimEnd(), '');
    for (const [m, b] of Object.entries(run.result.best)) {
      if (!b) continue;
      lines.push(`best ${m} (${METRICS[m as MetricName].better} is better): point ${b.index} ${Object.entries(b.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}  ${formatShort(b.value)} ${METRICS[m as MetricName].unit}`);
    }
  }
  return lines.join('\n') + '\n';
}

/** The history's list of sweeps, one line each. */
export function sweepListText(list: { total: number; sweeps: SweepRun[] }): string {
  return `${list.total} sweeps\n\n${table(['ID', 'STATUS', 'TRANSPORT', 'PATTERN', 'POINTS', 'VARY', 'CREATED'],
    list.sweeps.map((s) => [s.id, s.status, s.config.base.transport, s.config.base.pattern, `${s.progress.done}/${s.progress.total}`, variedParameters(s).join(' '), s.createdAt]))}`;
}
