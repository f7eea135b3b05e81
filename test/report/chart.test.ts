import t, { type Test } from 'tap';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { type LineChartSpec, renderLineChart, sweepChart, type SweepPointView } from '../../src/report/chart.js';
import { METRIC_NAMES, METRICS, metricsOf } from '../../src/runs/metrics.js';

type Params = SweepPointView['params'];

// Every grid point in grid order, the last key changing fastest, as the sweep service lists them.
function grid(vary: Record<string, Array<number | boolean | string>>, metrics: (p: Params, index: number) => SweepPointView['metrics']): SweepPointView[] {
  let combos: Params[] = [{}];
  for (const [name, values] of Object.entries(vary)) combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  return combos.map((params, index) => {
    const m = metrics(params, index);
    return { index, params, status: m ? 'done' : 'failed', metrics: m };
  });
}

const THROUGHPUT_GRID = { SO_SNDBUF: [4096, 65536, 1048576], TCP_NODELAY: [false, true], messageSize: [1024, 65536] };
const throughput = (p: Params, index: number) =>
  index === 5 ? null : { bitsPerSecond: (p.SO_SNDBUF as number) * 1e4 * (p.messageSize === 1024 ? 0.3 : 1), latencyP50Micros: null };

function parse(t: Test, svg: string): Document {
  const problems: string[] = [];
  const parser = new DOMParser({ onError: (level, message) => void problems.push(`${level}: ${message}`) });
  const doc = parser.parseFromString(svg, 'image/svg+xml');
  t.same(problems, [], 'well-formed, without a single parser warning');
  t.notMatch(svg, /NaN|Infinity|undefined/, 'no value that failed to compute');
  return doc;
}

function byClass(root: Document | Element, tag: string, name: string): Element[] {
  return [...root.getElementsByTagName(tag)].filter((e) => (e.getAttribute('class') ?? '').split(' ').includes(name));
}

function axisTexts(t: Test, doc: Document, axis: 'x' | 'y'): Element[] {
  const group = byClass(doc, 'g', 'axis').filter((g) => g.getAttribute('class') === `axis ${axis}`);
  t.equal(group.length, 1, `one ${axis} axis`);
  return [...group[0].getElementsByTagName('text')];
}

const tickLabels = (t: Test, doc: Document, axis: 'x' | 'y') =>
  axisTexts(t, doc, axis).filter((e) => e.getAttribute('class') !== 'axis-title');
const axisTitle = (t: Test, doc: Document, axis: 'x' | 'y') =>
  axisTexts(t, doc, axis).find((e) => e.getAttribute('class') === 'axis-title')?.textContent;

function legendTexts(doc: Document): string[] {
  return byClass(doc, 'g', 'legend').flatMap((g) => [...g.getElementsByTagName('text')].map((e) => e.firstChild?.nodeValue ?? ''));
}

const numberAttr = (e: Element, name: string) => Number(e.getAttribute(name));

t.test('sweepChart: a 3x2x2 grid is 4 lines of 3 points over SO_SNDBUF on a log axis', async (t) => {
  const spec = sweepChart(grid(THROUGHPUT_GRID, throughput), Object.keys(THROUGHPUT_GRID), 'bitsPerSecond');
  t.same(spec.x, { label: 'SO_SNDBUF', unit: 'bytes', scale: 'log' });
  t.same(spec.y, { label: 'Throughput', unit: 'bit/s' });
  t.match(spec.title, /Throughput by SO_SNDBUF \(higher is better\)/);
  t.same(spec.series.map((s) => s.label), [
    'TCP_NODELAY=false, messageSize=1024',
    'TCP_NODELAY=false, messageSize=65536',
    'TCP_NODELAY=true, messageSize=1024',
    'TCP_NODELAY=true, messageSize=65536',
  ]);
  t.same(spec.series.map((s) => s.points.length), [3, 3, 3, 3]);
  t.same(spec.series[1].points.map((p) => p.x), [4096, 65536, 1048576]);
  t.equal(spec.series[1].points[1].y, null, 'the failed point (index 5) is a gap');

  const doc = parse(t, renderLineChart(spec));
  const series = byClass(doc, 'g', 'series');
  t.equal(series.length, 4);
  t.same(series.map((g) => g.getAttribute('data-label')), spec.series.map((s) => s.label));
  t.same(series.map((g) => g.getElementsByTagName('circle').length), [3, 2, 3, 3], 'a marker per measured point');
  t.match(series[1].getElementsByTagName('path')[0].getAttribute('d'), /^M[\d.]+ [\d.]+M[\d.]+ [\d.]+$/, 'the gap breaks the line');
  t.same(legendTexts(doc), spec.series.map((s) => s.label));

  const xTicks = tickLabels(t, doc, 'x');
  t.same(xTicks.map((e) => e.textContent), ['4 KiB', '64 KiB', '1 MiB'], 'ticks at the swept sizes');
  const [a, b, c] = xTicks.map((e) => numberAttr(e, 'x'));
  t.ok(a < b && b < c, 'log ticks increase left to right');
  t.ok(Math.abs(b - a - (c - b)) < 0.5, 'a geometric grid is evenly spaced on a log axis');
  const tip = series[0].getElementsByTagName('title')[0].textContent ?? '';
  t.equal(tip, 'TCP_NODELAY=false, messageSize=1024: SO_SNDBUF = 4 KiB, Throughput = 12.29 Mbit/s', 'x and y with units');
  t.equal(axisTitle(t, doc, 'y'), 'Throughput (Gbit/s)', 'the y unit carries the prefix of the tick labels');
  t.equal(axisTitle(t, doc, 'x'), 'SO_SNDBUF (bytes)');
});

t.test('sweepChart: one varied parameter, statuses, categories and scales', async (t) => {
  const statuses = ['done', 'running', 'queued', 'cancelled'] as const;
  const points: SweepPointView[] = [1, 2, 3, 4].map((v, index) => ({
    index,
    params: { 'client.SO_RCVBUF': v * 4096 },
    status: statuses[index],
    metrics: { transactionsPerSecond: 50000 * v, lossRatio: null },
  }));
  const single = sweepChart(points, ['client.SO_RCVBUF'], 'transactionsPerSecond');
  t.same(single.series.map((s) => s.label), ['Transaction rate'], 'one line, named after the metric');
  t.same(single.series[0].points.map((p) => p.y), [50000, null, null, null], 'only done points have a value');
  t.equal(single.x.scale, 'log', 'a *BUF parameter is a size');

  const nodelay = grid({ TCP_NODELAY: [false, true], messageSize: [1, 1448] }, () => ({ latencyP50Micros: 40000 }));
  const latency = sweepChart(nodelay, ['TCP_NODELAY', 'messageSize'], 'latencyP50Micros');
  t.equal(latency.x.scale, 'category');
  t.equal(latency.x.unit, undefined);
  t.match(latency.title, /lower is better/);
  const doc = parse(t, renderLineChart(latency));
  t.same(tickLabels(t, doc, 'x').map((e) => e.textContent), ['false', 'true']);
  t.equal(axisTitle(t, doc, 'y'), 'Latency p50 (ms)');
  t.equal(axisTitle(t, doc, 'x'), 'TCP_NODELAY');

  const scaleOf = (values: number[], name = 'TCP_NOTSENT_LOWAT') =>
    sweepChart(grid({ [name]: values }, () => null), [name], 'bitsPerSecond').x.scale;
  t.equal(scaleOf([100, 200, 400]), 'linear', 'not a size and a narrow range');
  t.equal(scaleOf([16, 256]), 'log', 'a range of 16x or more');
  t.equal(scaleOf([0, 4096], 'SO_SNDBUF'), 'linear', 'log cannot show zero');
  t.equal(scaleOf([512, 1024], 'messageSize'), 'log', '*Size is a size');

  t.equal(sweepChart([], [], 'lossRatio').series.length, 0);
});

t.test('every metric has a label, a unit and a direction for the chart, and is found in a result', async (t) => {
  // A result with every figure, each value distinct, so a metric reading the wrong path shows.
  const result = { bitsPerSecond: 1e9, transactionsPerSecond: 2e4, latencyMicros: { p50: 30, p90: 35, p99: 40 }, lossRatio: 0.5, cpuMsPerGigabyte: { client: 210, server: 340 } };
  const found = metricsOf(result);
  const expected = {
    bitsPerSecond: 1e9, transactionsPerSecond: 2e4, latencyP50Micros: 30, latencyP99Micros: 40, lossRatio: 0.5, clientCpuMsPerGigabyte: 210, serverCpuMsPerGigabyte: 340,
  };
  for (const name of METRIC_NAMES) {
    const { label, unit, better } = METRICS[name];
    t.ok(label.trim() && unit.trim(), `${name}: a label and a unit`);
    t.ok(better === 'higher' || better === 'lower', `${name}: ${better} is better`);
    t.equal(found[name], expected[name], `${name} is read from the result`);
    t.equal(sweepChart(grid({ a: [1] }, () => ({ [name]: 1 })), ['a'], name).title, `${label} by a (${better} is better)`);
  }
});

const base = (series: LineChartSpec['series'], x: Partial<LineChartSpec['x']> = {}, y: Partial<LineChartSpec['y']> = {}): LineChartSpec => ({
  title: 'Edge case',
  x: { label: 'size', ...x },
  y: { label: 'rate', unit: 'transactions/s', ...y },
  series,
});

t.test('edge cases render a valid chart without NaN or Infinity', async (t) => {
  const cases: Record<string, LineChartSpec> = {
    'zero series': base([]),
    'one point': base([{ label: 'one', points: [{ x: 5, y: 7 }] }]),
    'all-equal y': base([{ label: 'flat', points: [1, 2, 3].map((x) => ({ x, y: 42 })) }]),
    'all-zero y': base([{ label: 'zero', points: [1, 2].map((x) => ({ x, y: 0 })) }]),
    'all-null series': base([{ label: 'nothing', points: [{ x: 1, y: null }, { x: 2, y: null }] }]),
    'non-finite values': base([{ label: 'odd', points: [{ x: Number.NaN, y: 1 }, { x: 1, y: Number.POSITIVE_INFINITY }, { x: 2, y: 3 }] }]),
    'log x with zero and negatives': base([{ label: 'l', points: [-1, 0, 10].map((x) => ({ x, y: x })) }], { scale: 'log' }),
    'log y with a zero': base([{ label: 'l', points: [1, 2].map((x) => ({ x, y: x - 1 })) }], {}, { scale: 'log' }),
    'log y with one value': base([{ label: 'l', points: [{ x: 1, y: 1000 }] }], { scale: 'log' }, { scale: 'log' }),
    'categorical numbers': base([{ label: 'c', points: [{ x: 3, y: 1 }, { x: 1, y: 2 }] }], { scale: 'category' }),
    'many x values': base([{ label: 'm', points: Array.from({ length: 40 }, (_, i) => ({ x: i * 1000, y: i })) }]),
    'negative y': base([{ label: 'n', points: [{ x: 1, y: -5 }, { x: 2, y: -1 }] }]),
  };
  for (const [name, spec] of Object.entries(cases)) {
    t.test(name, async (t) => {
      const svg = renderLineChart(spec);
      const doc = parse(t, svg);
      const root = doc.documentElement!;
      t.equal(root.getAttribute('xmlns'), 'http://www.w3.org/2000/svg');
      t.equal(root.getAttribute('viewBox'), '0 0 800 480');
      t.equal(byClass(doc, 'g', 'series').length, spec.series.length);
      t.ok(tickLabels(t, doc, 'y').length >= 2, 'the y axis has tick labels');
    });
  }
  const empty = parse(t, renderLineChart(cases['all-null series']));
  t.same(legendTexts(empty), ['nothing (no data)'], 'the legend says why a line is missing');
  t.equal(byClass(empty, 'text', 'no-data').length, 1);
  const flat = parse(t, renderLineChart(cases['all-equal y']));
  t.same(tickLabels(t, flat, 'y').map((e) => e.textContent), ['0', '10', '20', '30', '40', '50'], 'a flat line still has a scale from zero');
});

t.test('text is escaped wherever it appears', async (t) => {
  const label = `<&">'`;
  const spec: LineChartSpec = {
    title: `Title ${label}`,
    x: { label: `x ${label}`, scale: 'category' },
    y: { label: `y ${label}`, unit: label },
    series: [{ label, points: [{ x: label, y: 1 }, { x: `${label}2`, y: 2 }] }],
  };
  const doc = parse(t, renderLineChart(spec));
  t.equal(byClass(doc, 'g', 'series')[0].getAttribute('data-label'), label);
  t.same(legendTexts(doc), [label]);
  t.equal(byClass(doc, 'text', 'title')[0].textContent, `Title ${label}`);
  t.same(tickLabels(t, doc, 'x').map((e) => e.textContent), [label, `${label}2`]);
  const control = parse(t, renderLineChart({ ...spec, title: 'bell\u0007 and a lone \ud800 surrogate' }));
  t.equal(byClass(control, 'text', 'title')[0].textContent, 'bell and a lone  surrogate', 'characters XML forbids are dropped');
});

t.test('value axes: SI labels, nice ticks and log positions', async (t) => {
  const line = (ys: number[]) => [{ label: 'l', points: ys.map((y, i) => ({ x: i + 1, y })) }];
  const rates = parse(t, renderLineChart(base(line([41000, 93000, 145000]))));
  t.same(tickLabels(t, rates, 'y').map((e) => e.textContent), ['0', '50 k', '100 k', '150 k']);

  const log = parse(t, renderLineChart(base(line([18, 450, 40200]), {}, { scale: 'log' })));
  const ticks = tickLabels(t, log, 'y');
  t.same(ticks.map((e) => e.textContent), ['10', '100', '1 k', '10 k', '100 k'], 'whole decades from below the least to above the most');
  const ys = ticks.map((e) => numberAttr(e, 'y'));
  t.ok(ys.every((y, i) => i === 0 || y < ys[i - 1]), 'higher decades sit higher up');
  t.ok(ys.every((y, i) => i < 2 || Math.abs(ys[i - 2] - ys[i - 1] - (ys[i - 1] - y)) < 0.5), 'decades are evenly spaced');

  const narrowLog = parse(t, renderLineChart(base(line([3, 40]), {}, { scale: 'log' })));
  t.same(tickLabels(t, narrowLog, 'y').map((e) => e.textContent), ['1', '2', '5', '10', '20', '50', '100'], '2x and 5x between few decades');

  const fractions = parse(t, renderLineChart(base(line([0.0021, 0.0042]), {}, { unit: 'ratio' })));
  t.same(tickLabels(t, fractions, 'y').map((e) => e.textContent), ['0', '0.001', '0.002', '0.003', '0.004', '0.005']);
  const sizes = parse(t, renderLineChart(base(line([1536, 3000, 1e6]), { label: 'b' }, { unit: 'bytes' })));
  t.match(sizes.documentElement!.textContent, /1\.5 KiB/, 'byte tooltips in binary units when exact');
});

t.test('many series and long text: colours repeat dashed, the legend grows the document, titles are cut', async (t) => {
  const series = Array.from({ length: 14 }, (_, i) => ({ label: `TCP_CONGESTION=cubic, SO_RCVBUF=${2 ** i}`, points: [1, 2, 3].map((x) => ({ x, y: x * i })) }));
  const title = `Transaction rate by SO_RCVBUF for every congestion control ${'and more '.repeat(10)}`;
  const doc = parse(t, renderLineChart({ ...base(series), title }));
  const shown = byClass(doc, 'text', 'title')[0].textContent ?? '';
  t.ok(shown.endsWith('…') && title.startsWith(shown.slice(0, -1)), 'a title too long for the width is cut');
  t.equal(doc.getElementsByTagName('title')[0].textContent, title, 'and kept whole for screen readers');
  const paths = byClass(doc, 'g', 'series').map((g) => g.getElementsByTagName('path')[0]);
  t.equal(paths[0].getAttribute('stroke'), paths[10].getAttribute('stroke'));
  t.equal(paths[0].getAttribute('stroke-dasharray'), null);
  t.ok(paths[10].getAttribute('stroke-dasharray'), 'the eleventh line is dashed');
  t.same(legendTexts(doc), series.map((s) => s.label));
  const height = numberAttr(doc.documentElement!, 'height');
  t.ok(height > 480, 'taller rather than a squeezed plot');
  const legendYs = byClass(doc, 'g', 'legend').flatMap((g) => [...g.getElementsByTagName('text')].map((e) => numberAttr(e, 'y')));
  t.ok(Math.max(...legendYs) < height, 'no legend entry below the document');
});
