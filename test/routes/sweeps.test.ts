import t from 'tap';
import { readFileSync } from 'node:fs';
import { DOMParser } from '@xmldom/xmldom';
import { grid } from '../../src/runs/sweeps.js';
import { busyWorkerCount } from '../../src/bench/worker-pool.js';
import { openEventStreams } from '../../routes/sse.js';
import { build, openFds } from '../helpers/build.js';

const short = { durationMs: 150, warmupMs: 0 };
const post = (app: Awaited<ReturnType<typeof build>>, payload: unknown, query = '') =>
  app.inject({ method: 'POST', url: `/v1/sweeps${query}`, payload: payload as object });

t.test('grid: every combination, the last name fastest', async (t) => {
  t.same(grid({ a: [1, 2], b: [true, false] }), [{ a: 1, b: true }, { a: 1, b: false }, { a: 2, b: true }, { a: 2, b: false }]);
  t.same(grid({ a: [1] }), [{ a: 1 }]);
});

t.test('a sweep over an option of both sides and a parameter: points, effective values, ratios, best; CSV, text, SVG', async (t) => {
  const app = await build(t);
  const fds = await openFds();
  const res = await post(app, { base: { transport: 'tcp4', pattern: 'rr', ...short }, vary: { TCP_NODELAY: [true, false], messageSize: [64, 1024] } });
  t.equal(res.statusCode, 200, res.body.slice(0, 300));
  const sweep = res.json();
  t.match(sweep, { kind: 'sweep', status: 'done', progress: { done: 4, total: 4 }, config: { points: 4 } });
  const points = sweep.result.points;
  t.same(points.map((p: { params: unknown }) => p.params), [
    { TCP_NODELAY: true, messageSize: 64 }, { TCP_NODELAY: true, messageSize: 1024 },
    { TCP_NODELAY: false, messageSize: 64 }, { TCP_NODELAY: false, messageSize: 1024 },
  ]);
  for (const p of points) {
    t.equal(p.status, 'done');
    t.equal(p.effective.client.TCP_NODELAY, p.params.TCP_NODELAY, 'the varied option took effect on the client');
    t.equal(p.effective.server.TCP_NODELAY, p.params.TCP_NODELAY, 'and on the server');
    t.ok(p.effective.client.SO_SNDBUF > 0, 'buffers are always shown');
    t.ok(p.metrics.transactionsPerSecond > 0 && p.metrics.latencyP50Micros > 0);
    t.equal(p.ratioToFirst.transactionsPerSecond, p.metrics.transactionsPerSecond / points[0].metrics.transactionsPerSecond);
    t.ok(p.overheadMs >= 0);
  }
  const tps = points.map((p: { metrics: { transactionsPerSecond: number } }) => p.metrics.transactionsPerSecond);
  t.equal(sweep.result.best.transactionsPerSecond.value, Math.max(...tps));
  t.equal(sweep.result.best.transactionsPerSecond.index, tps.indexOf(Math.max(...tps)));
  const p50 = points.map((p: { metrics: { latencyP50Micros: number } }) => p.metrics.latencyP50Micros);
  t.equal(sweep.result.best.latencyP50Micros.value, Math.min(...p50), 'lower is better for latency');

  const csv = await app.inject({ url: `/v1/sweeps/${sweep.id}`, headers: { accept: 'text/csv' } });
  t.match(csv.headers['content-type'], /^text\/csv/);
  const rows = csv.body.trimEnd().split('\r\n').map((l) => l.split(','));
  t.same(rows[0].slice(0, 4), ['index', 'TCP_NODELAY', 'messageSize', 'status']);
  t.equal(rows.length, 5, 'a header and one row per point');
  t.equal(Number(rows[1][rows[0].indexOf('transactionsPerSecond')]), tps[0]);

  const text = await app.inject({ url: `/v1/sweeps/${sweep.id}?format=text` });
  t.match(text.body, /done  sweep of 4 points  tcp4 rr  progress 4\/4/);
  t.match(text.body, /best transactionsPerSecond \(higher is better\): point \d/);

  const svg = await app.inject({ url: `/v1/sweeps/${sweep.id}/chart.svg?metric=latencyP50Micros` });
  t.equal(svg.statusCode, 200);
  t.match(svg.headers['content-type'], /^image\/svg\+xml/);
  const problems: string[] = [];
  const doc = new DOMParser({ onError: (level: string, msg: string) => { problems.push(`${level}: ${msg}`); } }).parseFromString(svg.body, 'image/svg+xml');
  t.same(problems, [], 'well-formed XML');
  const series = Array.from(doc.getElementsByTagName('g')).filter((g) => g.getAttribute('class') === 'series');
  t.same(series.map((g) => g.getAttribute('data-label')), ['messageSize=64', 'messageSize=1024'], 'one line per value of the other parameter');
  const noMetric = await app.inject({ url: `/v1/sweeps/${sweep.id}/chart.svg?metric=lossRatio` });
  t.equal(noMetric.statusCode, 400);
  t.match(noMetric.json(), { field: 'querystring.metric' });

  const list = await app.inject({ url: '/v1/sweeps' });
  t.match(list.json(), { total: 1, sweeps: [{ id: sweep.id }] });
  t.equal((await app.inject({ url: `/v1/benchmarks/${sweep.id}` })).statusCode, 404, 'sweeps are not benchmarks');
  t.equal((await app.inject({ method: 'DELETE', url: `/v1/sweeps/${sweep.id}` })).statusCode, 204);
  t.equal((await app.inject({ url: `/v1/sweeps/${sweep.id}` })).statusCode, 404);
  t.equal(busyWorkerCount(), 0);
  t.equal(await openFds(), fds, 'no descriptor left behind');
});

t.test('one side, list-form options, transport as a parameter; crr', async (t) => {
  const app = await build(t);
  const res = await post(app, {
    base: { transport: 'tcp4', pattern: 'stream', ...short, options: { both: [{ name: 'SO_KEEPALIVE', value: true }] } },
    vary: { transport: ['tcp4', 'tcp6'], 'server.SO_RCVBUF': [32768] },
  });
  t.equal(res.statusCode, 200, res.body.slice(0, 300));
  const tcpRmemDefault = Number(readFileSync('/proc/sys/net/ipv4/tcp_rmem', 'utf8').trim().split(/\s+/)[1]);
  t.same(res.json().result.points.map((p: { params: { transport: string } }) => p.params.transport), ['tcp4', 'tcp6']);
  for (const p of res.json().result.points) {
    t.equal(p.effective.server.SO_RCVBUF, 65536, 'doubled on the server');
    t.equal(p.effective.client.SO_RCVBUF, tcpRmemDefault, 'the client keeps the default');
    t.ok(p.metrics.bitsPerSecond > 0);
  }
  // crr: the client worker sets the option on each connection it opens (not read back: null).
  const crr = await post(app, { base: { transport: 'tcp4', pattern: 'crr', ...short }, vary: { 'client.TCP_NODELAY': [true] } });
  t.match(crr.json().result.points[0], { status: 'done', effective: { client: { TCP_NODELAY: null } }, metrics: { transactionsPerSecond: Number } });
});

t.test('bad sweeps are 400s naming the field; cancel keeps the points done; SSE delivers points live', async (t) => {
  const app = await build(t);
  const bad = async (payload: unknown, field: RegExp, message: RegExp) => {
    const res = await post(app, payload);
    t.equal(res.statusCode, 400, res.body);
    t.match(res.json(), { field, message });
  };
  const base = { transport: 'tcp4', pattern: 'stream', ...short };
  await bad({ base, vary: { SO_NOPE: [1] } }, /^body\.vary\.SO_NOPE$/, /neither a parameter .* nor a known option/);
  await bad({ base, vary: { SO_SNDBUF: [] } }, /^body\.vary\.SO_SNDBUF$/, /must NOT have fewer than 1 items/);
  await bad({ base, vary: {} }, /^body\.vary$/, /at least one name/);
  await bad({ base, vary: { SO_SNDBUF: Array.from({ length: 9 }, (_, i) => 4096 << i), SO_RCVBUF: Array.from({ length: 8 }, (_, i) => 4096 << i) } }, /^body\.vary$/, /9 × 8 = 72 points is more than 64/);
  await bad({ base, vary: { messageSize: [0] } }, /^body\.base\.messageSize$/, /point 0 \(messageSize=0\)/);
  await bad({ base: { ...base, durationMs: 60000 }, vary: { SO_SNDBUF: Array.from({ length: 40 }, (_, i) => 4096 + i) } }, /^body$/, /SOCKBENCH_MAX_SWEEP_MS/);
  await bad({ base: { ...base, pattern: 'crr', transport: 'udp4' }, vary: { SO_SNDBUF: [4096] } }, /^body\.base\.pattern$/, /crr needs a TCP transport/);

  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const started = await post(app, { base: { ...base, durationMs: 300 }, vary: { SO_SNDBUF: [4096, 65536, 1048576, 4194304] } }, '?wait=false');
  t.equal(started.statusCode, 202);
  const id = started.json().id;
  // No point has finished yet: nothing to chart, whether or not a metric is named.
  for (const query of ['', '?metric=bitsPerSecond']) {
    const early = await app.inject({ url: `/v1/sweeps/${id}/chart.svg${query}` });
    t.equal(early.statusCode, 409, early.body);
    t.match(early.json(), { code: 'SOCKBENCH_RUN_NOT_DONE', field: 'params.id', message: /has no finished point to chart yet/ });
  }
  const events: Array<{ event: string; data: any; at: number }> = [];
  const stream = await fetch(`${url}/v1/sweeps/${id}/events`);
  t.match(stream.headers.get('content-type'), /^text\/event-stream/);
  const reader = stream.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let cancelled = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) !== -1) {
      const frame = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data), at: Date.now() });
      // Cancel once two points are in: the sweep must keep them.
      if (!cancelled && events.filter((e) => e.event === 'point').length === 2) {
        cancelled = true;
        void app.inject({ method: 'POST', url: `/v1/sweeps/${id}/cancel` });
      }
    }
  }
  t.equal(events[0].event, 'state');
  const points = events.filter((e) => e.event === 'point');
  t.same(points.slice(0, 2).map((e) => [e.data.index, e.data.status]), [[0, 'done'], [1, 'done']]);
  const end = events.at(-1)!;
  t.equal(end.event, 'end');
  t.ok(end.at - points[0].at >= 100, 'the first point arrived well before the end');
  t.equal(end.data.status, 'cancelled');
  t.same(end.data.result.points.slice(0, 2).map((p: { status: string }) => p.status), ['done', 'done'], 'points done before the cancel are kept');
  t.equal(end.data.result.points[3].status, 'cancelled', 'the last point never ran');
  const stored = await app.inject({ url: `/v1/sweeps/${id}` });
  t.equal(stored.json().status, 'cancelled');
  await new Promise((r) => setTimeout(r, 50));
  t.equal(openEventStreams(), 0);
  t.equal(busyWorkerCount(), 0);
});
