import { BYTES, decimalsFor, formatExact, formatShort, unitScale } from './format.js';

export interface Tick {
  /** Where the tick sits along the axis, from 0 (start) to 1 (end). */
  at: number;
  label: string;
}

export interface Axis {
  /** Where a value (a category's index, on categorical axes) sits, from 0 to 1. */
  position(value: number): number;
  ticks: Tick[];
  /** The unit to name in the axis title; it carries any prefix the tick labels assume ("Gbit/s"). */
  unit: string;
  /** A value with its unit, for tooltips. */
  describe(value: number): string;
}

export interface NumericAxisOptions {
  unit: string;
  log: boolean;
  /**
   * A value axis (y) has round ticks and starts at zero, or at a whole decade when log, so that points
   * compare honestly. Otherwise (x) the axis spans the data, with ticks at the values when there are few.
   */
  valueAxis: boolean;
}

// A sweep grid has a few distinct values; ticks exactly at them read better than round numbers between them.
const MAX_DATA_TICKS = 12;
const TARGET_TICKS = 5;

function niceStep(range: number): number {
  const raw = range / TARGET_TICKS;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  return ([1, 2, 2.5, 5].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
}

// toPrecision trims float noise such as 0.30000000000000004 from multiples of the step.
function linearTicks(lo: number, hi: number): number[] {
  const step = niceStep(hi - lo);
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  return Array.from({ length: last - first + 1 }, (_, i) => Number(((first + i) * step).toPrecision(12)));
}

// Decades, with 2x and 5x in between when there are too few decades to show the scale.
function logTicks(lo: number, hi: number): number[] {
  const multiples = hi - lo <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let decade = Math.floor(lo); decade <= Math.ceil(hi); decade++) {
    for (const m of multiples) ticks.push(Number((m * 10 ** decade).toPrecision(12)));
  }
  return ticks.filter((v) => Math.log10(v) >= lo - 1e-9 && Math.log10(v) <= hi + 1e-9);
}

function extent(data: number[], opts: NumericAxisOptions): [number, number] {
  const t = opts.log ? Math.log10 : (v: number) => v;
  const lo = data.length ? t(data[0]) : 0;
  const hi = data.length ? t(data[data.length - 1]) : 1;
  if (opts.valueAxis && opts.log) return [Math.floor(lo), Math.max(Math.ceil(hi), Math.floor(lo) + 1)];
  if (opts.valueAxis) return lo === 0 && hi === 0 ? [0, 1] : [Math.min(0, lo), Math.max(0, hi)];
  if (lo < hi) return [lo, hi];
  const pad = opts.log ? 1 : Math.abs(lo) || 1;
  return [lo - pad, hi + pad];
}

function describeValue(value: number, unit: string): string {
  const scale = unitScale(unit, Math.abs(value));
  return `${formatShort(value / scale.divisor)}${scale.suffix}${scale.unit ? ` ${scale.unit}` : ''}`;
}

// Nice ticks: at least two, evenly spaced, so the step sets the decimals every label needs.
function linearLabels(ticks: number[], unit: string): { labels: string[]; unit: string } {
  const scale = unitScale(unit, Math.max(...ticks.map(Math.abs)));
  const decimals = decimalsFor((ticks[1] - ticks[0]) / scale.divisor);
  const label = (v: number) => (v === 0 ? '0' : `${(v / scale.divisor).toFixed(decimals)}${scale.suffix}`);
  return { labels: ticks.map(label), unit: scale.unit };
}

/** A numeric axis over `values` (finite; and positive when `opts.log`). */
export function numericAxis(values: number[], opts: NumericAxisOptions): Axis {
  const data = [...new Set(values)].sort((a, b) => a - b);
  const atData = !opts.valueAxis && data.length > 0 && data.length <= MAX_DATA_TICKS;
  const [lo, hi] = extent(data, opts);
  const tickValues = atData ? data : opts.log ? logTicks(lo, hi) : linearTicks(lo, hi);
  const t = opts.log ? Math.log10 : (v: number) => v;
  const [start, end] = atData || opts.log ? [lo, hi] : [tickValues[0], tickValues[tickValues.length - 1]];
  const position = (v: number) => (t(v) - start) / (end - start);
  const exact = atData || opts.log || opts.unit === BYTES;
  const { labels, unit } = exact
    ? { labels: tickValues.map((v) => formatExact(v, opts.unit)), unit: opts.unit }
    : linearLabels(tickValues, opts.unit);
  return {
    position,
    ticks: tickValues.map((v, i) => ({ at: position(v), label: labels[i] })),
    unit,
    describe: (v) => (atData || opts.unit === BYTES ? formatExact(v, opts.unit) : describeValue(v, opts.unit)),
  };
}

/** Evenly spaced categories, each in the middle of its band. */
export function categoryAxis(categories: string[], unit: string): Axis {
  const position = (i: number) => (i + 0.5) / categories.length;
  return {
    position,
    ticks: categories.map((label, i) => ({ at: position(i), label })),
    unit,
    describe: (i) => categories[i],
  };
}
