import { type Axis, categoryAxis, numericAxis } from './axis.js';
import { BYTES } from './format.js';
import { METRICS, type MetricName } from '../runs/metrics.js';
import type { SweepPoint } from '../runs/sweeps.js';
import { coord, el, escapeXml, fitText, textWidth } from './svg.js';

export type XValue = number | string | boolean;

export interface ChartPoint {
  x: XValue;
  /** null leaves a gap in the line: the point failed or has not finished. */
  y: number | null;
}

export interface ChartSeries {
  label: string;
  points: ChartPoint[];
}

export interface LineChartSpec {
  title: string;
  /** Non-numeric values always make categories; `log` falls back to linear unless every value is positive. */
  x: { label: string; unit?: string; scale?: 'linear' | 'log' | 'category' };
  /** Linear starts at zero; `log` falls back to linear unless every value is positive. */
  y: { label: string; unit?: string; scale?: 'linear' | 'log' };
  series: ChartSeries[];
  width?: number;
  height?: number;
}

// Tableau 10: hues that stay distinguishable in print and for the commonest colour-vision deficiencies.
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
// Past ten series the colours repeat, so the line style tells the rounds apart.
const DASHES = [undefined, '7 4', '2 3'];

const FONT = 12;
const FONT_FAMILY = 'Helvetica, Arial, DejaVu Sans, sans-serif';
const TITLE_FONT = 16;
const PAD = 12;
const TICK = 5;
const LINE = 18;
const GAP = 6;
// Moves text down from a line's centre to its baseline, so that it looks vertically centred on the line.
const BASELINE = FONT * 0.35;
const SWATCH = 26;
const MARKER = 3.5;
const LEGEND_GAP = 18;
// A longer legend makes the document taller instead of squeezing the plot.
const LEGEND_ROWS_IN_HEIGHT = 3;
// Keeps markers at the ends of a numeric x axis off the y axis and the right edge.
const X_INSET = 18;

interface Line {
  label: string;
  color: string;
  dash?: string;
  /** x as an axis value (a number, or a category's index), in drawing order. */
  points: Array<{ x: number; y: number | null }>;
}

interface XAxis {
  axis: Axis;
  valueOf(x: XValue): number;
  categorical: boolean;
}

interface Plot {
  left: number;
  right: number;
  top: number;
  bottom: number;
  inset: number;
}

function isUsable(point: ChartPoint): boolean {
  return typeof point.x !== 'number' || Number.isFinite(point.x);
}

function buildXAxis(spec: LineChartSpec['x'], series: ChartSeries[]): XAxis {
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const unit = spec.unit ?? '';
  if (spec.scale === 'category' || !xs.every((v) => typeof v === 'number')) {
    const categories = [...new Set(xs.map(String))];
    return { axis: categoryAxis(categories, unit), valueOf: (v) => categories.indexOf(String(v)), categorical: true };
  }
  const numbers = xs as number[];
  const log = spec.scale === 'log' && numbers.every((v) => v > 0);
  return { axis: numericAxis(numbers, { unit, log, valueAxis: false }), valueOf: (v) => v as number, categorical: false };
}

function buildYAxis(spec: LineChartSpec['y'], series: ChartSeries[]): Axis {
  const ys = series.flatMap((s) => s.points.flatMap((p) => (p.y === null ? [] : [p.y])));
  const log = spec.scale === 'log' && ys.length > 0 && ys.every((v) => v > 0);
  return numericAxis(ys, { unit: spec.unit ?? '', log, valueAxis: true });
}

// Non-finite values cannot be placed; a non-finite y is a gap, a non-finite x has no place on the axis at all.
function cleanSeries(series: ChartSeries): ChartSeries {
  const points = series.points.filter(isUsable).map((p) => ({ x: p.x, y: Number.isFinite(p.y) ? p.y : null }));
  return { label: series.label, points };
}

function toLine(series: ChartSeries, index: number, x: XAxis): Line {
  const points = series.points
    .map((p) => ({ x: x.valueOf(p.x), y: p.y }))
    .sort((a, b) => a.x - b.x);
  const color = PALETTE[index % PALETTE.length];
  return { label: series.label, color, dash: DASHES[Math.floor(index / PALETTE.length) % DASHES.length], points };
}

function hasData(line: Line): boolean {
  return line.points.some((p) => p.y !== null);
}

function axisTitle(label: string, unit: string): string {
  return unit ? `${label} (${unit})` : label;
}

// Drops ticks whose labels would overlap the previous one kept.
function thin<T>(items: T[], center: (item: T) => number, half: (item: T) => number): T[] {
  const kept: T[] = [];
  for (const item of items) {
    const last = kept[kept.length - 1];
    if (!last || Math.abs(center(item) - center(last)) >= half(item) + half(last) + 6) kept.push(item);
  }
  return kept;
}

/** The pixel for a fraction (0..1) along the x axis. */
function xAt(plot: Plot, fraction: number): number {
  return plot.left + plot.inset + fraction * (plot.right - plot.left - 2 * plot.inset);
}

function yAt(plot: Plot, fraction: number): number {
  return plot.bottom - fraction * (plot.bottom - plot.top);
}

interface LegendItem {
  line: Line;
  text: string;
  full: string;
  x: number;
  row: number;
}

// Below the plot, where it cannot cover a line however many series there are; in aligned columns filled
// top to bottom, so that consecutive series (neighbours in a sweep's grid) stay together.
function layoutLegend(lines: Line[], left: number, right: number): LegendItem[] {
  const fulls = lines.map((line) => (hasData(line) ? line.label : `${line.label} (no data)`));
  const texts = fulls.map((full) => fitText(full, FONT, right - left - SWATCH));
  const column = Math.max(...texts.map((text) => SWATCH + textWidth(text, FONT) + LEGEND_GAP));
  const columns = Math.max(1, Math.floor((right - left + LEGEND_GAP) / column));
  const rows = Math.ceil(lines.length / columns);
  return lines.map((line, i) => ({ line, text: texts[i], full: fulls[i], x: left + Math.floor(i / rows) * column, row: i % rows }));
}

function legendRows(items: LegendItem[]): number {
  return items.length === 0 ? 0 : items[items.length - 1].row + 1;
}

// Left to right: margin, the rotated y title, the widest tick label, the tick.
function plotLeft(y: Axis): number {
  const labelWidth = Math.max(0, ...y.ticks.map((t) => textWidth(t.label, FONT)));
  return PAD + LINE + GAP + labelWidth + GAP + TICK;
}

// Top to bottom: the title, the plot, ticks, tick labels, the x title, the legend, margin. On the right,
// room for half of the last x tick label, which is centred on its tick.
function layoutPlot(width: number, height: number, left: number, x: XAxis, rows: number): Plot {
  const inset = x.categorical ? 0 : X_INSET;
  const last = x.axis.ticks[x.axis.ticks.length - 1];
  const overhang = last ? textWidth(last.label, FONT) / 2 - inset + GAP : 0;
  const legendHeight = rows === 0 ? 0 : rows * LINE + GAP;
  return {
    left,
    right: width - Math.max(2 * PAD, overhang),
    top: PAD + TITLE_FONT + 2 * GAP,
    bottom: height - PAD - legendHeight - LINE - GAP - LINE - TICK,
    inset,
  };
}

function renderYAxis(plot: Plot, y: Axis, title: string): string {
  const ticks = thin(y.ticks, (t) => yAt(plot, t.at), () => FONT / 2);
  const marks = ticks.map((t) => {
    const py = yAt(plot, t.at);
    return (
      el('line', { class: 'grid', x1: plot.left, x2: plot.right, y1: py, y2: py }) +
      el('line', { x1: plot.left - TICK, x2: plot.left, y1: py, y2: py }) +
      el('text', { x: plot.left - TICK - GAP, y: py + BASELINE, 'text-anchor': 'end' }, escapeXml(t.label))
    );
  });
  const transform = `translate(${coord(PAD + FONT)} ${coord((plot.top + plot.bottom) / 2)}) rotate(-90)`;
  const text = fitText(title, FONT, plot.bottom - plot.top);
  const label = el('text', { class: 'axis-title', transform, 'text-anchor': 'middle' }, escapeXml(text));
  const axisLine = el('line', { x1: plot.left, x2: plot.left, y1: plot.top, y2: plot.bottom });
  return el('g', { class: 'axis y' }, marks.join('') + axisLine + label);
}

function renderXAxis(plot: Plot, x: Axis, title: string): string {
  const ticks = thin(x.ticks, (t) => xAt(plot, t.at), (t) => textWidth(t.label, FONT) / 2);
  const labelY = plot.bottom + TICK + FONT + 2;
  const marks = ticks.map((t) => {
    const px = xAt(plot, t.at);
    return (
      el('line', { x1: px, x2: px, y1: plot.bottom, y2: plot.bottom + TICK }) +
      el('text', { x: px, y: labelY, 'text-anchor': 'middle' }, escapeXml(t.label))
    );
  });
  const text = fitText(title, FONT, plot.right - plot.left);
  const titleY = labelY + LINE + GAP / 2;
  const label = el('text', { class: 'axis-title', x: (plot.left + plot.right) / 2, y: titleY, 'text-anchor': 'middle' }, escapeXml(text));
  const axisLine = el('line', { x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom });
  return el('g', { class: 'axis x' }, marks.join('') + axisLine + label);
}

// Moves to the first point after every gap, so that a missing point breaks the line instead of bridging it.
function pathData(coords: Array<[number, number] | null>): string {
  let d = '';
  let drawing = false;
  for (const c of coords) {
    if (c) d += `${drawing ? 'L' : 'M'}${coord(c[0])} ${coord(c[1])}`;
    drawing = c !== null;
  }
  return d;
}

interface Frame {
  plot: Plot;
  x: XAxis;
  y: Axis;
  xLabel: string;
  yLabel: string;
}

function marker(line: Line, f: Frame, p: { x: number; y: number }, [cx, cy]: [number, number]): string {
  const tip = `${line.label}: ${f.xLabel} = ${f.x.axis.describe(p.x)}, ${f.yLabel} = ${f.y.describe(p.y)}`;
  return el('circle', { cx, cy, r: MARKER, fill: line.color }, el('title', {}, escapeXml(tip)));
}

function renderLine(line: Line, f: Frame): string {
  const coords = line.points.map(({ x, y }) =>
    y === null ? null : ([xAt(f.plot, f.x.axis.position(x)), yAt(f.plot, f.y.position(y))] as [number, number]),
  );
  const stroke = { stroke: line.color, 'stroke-width': 2, 'stroke-dasharray': line.dash };
  const path = el('path', { d: pathData(coords), fill: 'none', ...stroke });
  const markers = line.points.map(({ x, y }, i) => (y === null ? '' : marker(line, f, { x, y }, coords[i]!)));
  return el('g', { class: 'series', 'data-label': line.label }, path + markers.join(''));
}

function renderLegend(items: LegendItem[], top: number): string {
  const entries = items.map(({ line, text, full, x, row }) => {
    const cy = top + row * LINE + LINE / 2;
    const swatch =
      el('line', { x1: x, x2: x + SWATCH - GAP, y1: cy, y2: cy, stroke: line.color, 'stroke-width': 2, 'stroke-dasharray': line.dash }) +
      el('circle', { cx: x + (SWATCH - GAP) / 2, cy, r: MARKER, fill: line.color });
    const tip = text === full ? '' : el('title', {}, escapeXml(full));
    return swatch + el('text', { x: x + SWATCH, y: cy + BASELINE }, escapeXml(text) + tip);
  });
  return items.length ? el('g', { class: 'legend' }, entries.join('')) : '';
}

function renderNoData(plot: Plot): string {
  const attrs = { class: 'no-data', x: (plot.left + plot.right) / 2, y: (plot.top + plot.bottom) / 2, 'text-anchor': 'middle' };
  return el('text', attrs, 'No data');
}

const STYLE =
  'text{fill:#333}.title{font-size:16px;font-weight:bold}.axis line{stroke:#666}' +
  '.axis line.grid{stroke:#e6e6e6}.no-data{fill:#888;font-size:14px}.series circle{stroke:#fff;stroke-width:1}';

/** A standalone SVG line chart: one line per series, an axis per dimension, a legend below the plot. */
export function renderLineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 800;
  const series = spec.series.map(cleanSeries);
  const x = buildXAxis(spec.x, series);
  const y = buildYAxis(spec.y, series);
  const lines = series.map((s, i) => toLine(s, i, x));
  const left = plotLeft(y);
  const items = layoutLegend(lines, left, width - PAD);
  const rows = legendRows(items);
  const height = (spec.height ?? 480) + Math.max(0, rows - LEGEND_ROWS_IN_HEIGHT) * LINE;
  const plot = layoutPlot(width, height, left, x, rows);
  const frame = { plot, x, y, xLabel: spec.x.label, yLabel: spec.y.label };
  const title = escapeXml(fitText(spec.title, TITLE_FONT, width - 2 * PAD));
  const body = [
    el('style', {}, STYLE),
    el('rect', { width, height, fill: '#fff' }),
    el('text', { class: 'title', x: width / 2, y: PAD + TITLE_FONT, 'text-anchor': 'middle' }, title),
    renderYAxis(plot, y, axisTitle(spec.y.label, y.unit)),
    renderXAxis(plot, x.axis, axisTitle(spec.x.label, x.axis.unit)),
    ...lines.map((line) => renderLine(line, frame)),
    lines.some(hasData) ? '' : renderNoData(plot),
    renderLegend(items, height - PAD - rows * LINE),
  ];
  const size = { width, height, viewBox: `0 0 ${width} ${height}` };
  const root = { xmlns: 'http://www.w3.org/2000/svg', ...size, 'font-family': FONT_FAMILY, 'font-size': FONT };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${el('svg', root, el('title', {}, escapeXml(spec.title)) + body.join(''))}\n`;
}

/** What a chart needs of a sweep's grid point. */
export type SweepPointView = Pick<SweepPoint, 'index' | 'params' | 'status' | 'metrics'>;

// Buffer and message sizes are set in bytes and swept in powers of two.
function isSizeName(name: string): boolean {
  return name.endsWith('BUF') || name.endsWith('Size');
}

// A log axis spreads a geometric grid (4 KiB, 64 KiB, 1 MiB) evenly; on a linear one the small sizes pile up at zero.
function sweepXScale(name: string, values: XValue[]): 'linear' | 'log' | 'category' {
  if (!values.every((v) => typeof v === 'number')) return 'category';
  const numbers = values as number[];
  const min = Math.min(...numbers);
  const max = Math.max(...numbers);
  return min > 0 && (isSizeName(name) || max / min >= 16) ? 'log' : 'linear';
}

function metricValue(point: SweepPointView, metric: MetricName): number | null {
  const value = point.status === 'done' ? point.metrics?.[metric] : null;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * A line chart of one metric over a sweep: the first varied parameter on the x axis, and one line per
 * combination of the others. Points that are not done (yet) leave gaps.
 */
export function sweepChart(points: SweepPointView[], vary: string[], metric: MetricName): LineChartSpec {
  const info = METRICS[metric];
  const [xName, ...others] = vary;
  const xOf = (p: SweepPointView): XValue => (xName === undefined ? p.index : p.params[xName]);
  const ordered = [...points].sort((a, b) => a.index - b.index);
  const groups = new Map<string, ChartPoint[]>();
  for (const p of ordered) {
    const label = others.map((name) => `${name}=${String(p.params[name])}`).join(', ') || info.label;
    const group = groups.get(label) ?? [];
    group.push({ x: xOf(p), y: metricValue(p, metric) });
    groups.set(label, group);
  }
  const xLabel = xName ?? 'point';
  return {
    title: `${info.label} by ${xLabel} (${info.better} is better)`,
    x: { label: xLabel, unit: isSizeName(xLabel) ? BYTES : undefined, scale: sweepXScale(xLabel, ordered.map(xOf)) },
    y: { label: info.label, unit: info.unit },
    series: [...groups].map(([label, group]) => ({ label, points: group })),
  };
}
