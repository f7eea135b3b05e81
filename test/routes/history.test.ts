import t, { type Test } from 'tap';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { build, tempDataDir } from '../helpers/build.js';
import { EventStream } from '../helpers/sse.js';
import { openEventStreams } from '../../routes/sse.js';
import { DB_FILE } from '../../src/runs/store.js';
import type { IntervalSample } from '../../src/bench/types.js';

// Run history (issue 4): the list with its filters and formats, persistence across apps on one
// data directory, retention, compare, and Server-Sent Events over a real listening port. Every
// run is real and short; figures are asserted only where the kernel makes them certain.
type App = Awaited<ReturnType<typeof build>>;
const ENV = { SOCKBENCH_MAX_DURATION_MS: '20000' };
const short = { durationMs: 150, warmupMs: 0 };
const failing = { client: { SO_BINDTOIFINDEX: 9999 } }; // connect() fails with ENODEV: the run fails
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const post = (app: App, payload: object, query = '') => app.inject({ method: 'POST', url: `/v1/benchmarks${query}`, payload });
const list = async (app: App, query = '') => {
  const res = await app.inject(`/v1/benchmarks${query}`);
  if (res.statusCode !== 200) throw new Error(`GET /v1/benchmarks${query}: ${res.statusCode} ${res.body}`);
  return res.json() as { total: number; limit: number; offset: number; runs: Array<Record<string, any>> };
};
const ids = async (app: App, query = '') => (await list(app, query)).runs.map((r) => r.id);

/** RFC 4180 records (quoted fields, doubled quotes, CRLF), as the CSV writer produces them. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { record.push(field); field = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { record.push(field); records.push(record); record = []; field = ''; i++; }
    else field += c;
  }
  if (field !== '' || record.length > 0) throw new Error('the last CSV record is not ended by CRLF');
  return records;
}

/** The same instant written with a +02:00 offset instead of Z. */
function plusTwoHours(iso: string): string {
  return new Date(Date.parse(iso) + 2 * 3600_000).toISOString().replace('Z', '+02:00');
}

t.test('list: newest first, each filter, since, paging, text, CSV, and 400s that name the field', async (t) => {
  const app = await build(t, ENV);
  const made: Array<Record<string, any>> = [];
  const add = async (payload: object) => {
    await sleep(5); // distinct createdAt (ms): the order under test is by creation time
    const res = await post(app, payload);
    made.push(res.json());
    return res;
  };
  await add({ transport: 'tcp4', pattern: 'stream', ...short });
  await add({ transport: 'udp4', pattern: 'rr', ...short });
  t.equal((await add({ transport: 'tcp4', pattern: 'stream', ...short, options: failing })).statusCode, 422);
  await sleep(5);
  const long = (await post(app, { transport: 'unix', pattern: 'rr', durationMs: 10000, warmupMs: 0 }, '?wait=false')).json();
  t.equal((await app.inject({ method: 'POST', url: `/v1/benchmarks/${long.id}/cancel` })).json().status, 'cancelled');
  made.push((await app.inject(`/v1/benchmarks/${long.id}`)).json());
  await add({ transport: 'tcp4', pattern: 'rr', ...short });
  const [stream, udpRr, failed, cancelled, tcpRr] = made;
  t.same(made.map((r) => r.status), ['done', 'done', 'failed', 'cancelled', 'done']);

  const all = await list(app);
  t.match(all, { total: 5, limit: 20, offset: 0 });
  t.same(all.runs.map((r) => r.id), [tcpRr, cancelled, failed, udpRr, stream].map((r) => r.id), 'newest first');
  const row = (id: string) => all.runs.find((r) => r.id === id)!;
  t.match(row(stream.id), { status: 'done', transport: 'tcp4', pattern: 'stream', createdAt: stream.createdAt, finishedAt: stream.finishedAt,
    durationMs: 150, repeats: 1, streams: 1, messageSize: 131072, bitsPerSecond: stream.result.summary.bitsPerSecond,
    transactionsPerSecond: null, latencyP50Micros: null, error: null });
  t.ok(row(stream.id).bitsPerSecond > 0);
  t.match(row(tcpRr.id), { transactionsPerSecond: tcpRr.result.summary.transactionsPerSecond, latencyP50Micros: tcpRr.result.summary.latencyMicros.p50,
    latencyP99Micros: tcpRr.result.summary.latencyMicros.p99, bitsPerSecond: null });
  t.match(row(failed.id), { status: 'failed', error: 'SOCKBENCH_PAIR_SETUP_FAILED', bitsPerSecond: null });
  t.match(row(cancelled.id), { status: 'cancelled', transport: 'unix', pattern: 'rr', error: cancelled.error?.code ?? null });

  t.same(await ids(app, '?transport=tcp4'), [tcpRr.id, failed.id, stream.id]);
  t.same(await ids(app, '?transport=udp4'), [udpRr.id]);
  t.same(await ids(app, '?pattern=rr'), [tcpRr.id, cancelled.id, udpRr.id]);
  t.same(await ids(app, '?status=done'), [tcpRr.id, udpRr.id, stream.id]);
  t.same(await ids(app, '?status=failed'), [failed.id]);
  t.same(await ids(app, '?status=cancelled'), [cancelled.id]);
  t.same(await ids(app, '?transport=tcp4&pattern=stream&status=done'), [stream.id], 'filters combine');
  t.match(await list(app, '?transport=tcp6'), { total: 0, runs: [] });
  t.match(await list(app, '?transport=tcp4'), { total: 3 }, 'total counts the matches, not all runs');

  t.same(await ids(app, `?since=${failed.createdAt}`), [tcpRr.id, cancelled.id, failed.id], 'since includes a run created at that instant');
  t.same(await ids(app, `?since=${encodeURIComponent(plusTwoHours(failed.createdAt))}`), [tcpRr.id, cancelled.id, failed.id],
    'the same instant with a +02:00 offset');
  const justAfter = new Date(Date.parse(failed.createdAt) + 1).toISOString();
  t.same(await ids(app, `?since=${justAfter}&status=failed`), []);
  t.match(await list(app, `?since=${new Date(Date.now() + 3600_000).toISOString()}`), { total: 0, runs: [] });

  const page1 = await list(app, '?limit=2');
  t.match(page1, { total: 5, limit: 2, offset: 0 });
  t.same(page1.runs.map((r) => r.id), [tcpRr.id, cancelled.id]);
  const page2 = await list(app, '?limit=2&offset=2');
  t.match(page2, { total: 5, limit: 2, offset: 2 });
  t.same(page2.runs.map((r) => r.id), [failed.id, udpRr.id]);
  t.same(await ids(app, '?limit=2&offset=4'), [stream.id]);
  t.match(await list(app, '?offset=9'), { total: 5, offset: 9, runs: [] }, 'past the end: an empty page, the total still known');
  t.same(await ids(app, '?pattern=rr&limit=1&offset=1'), [cancelled.id], 'paging applies after the filters');

  const text = await app.inject('/v1/benchmarks?format=text');
  t.match(text.headers['content-type'], /^text\/plain/);
  const lines = text.body.trimEnd().split('\n');
  t.equal(lines[0], '5 runs');
  t.equal(lines[1], '');
  t.match(lines[2], /^ID +STATUS +TRANSPORT +PATTERN +CREATED +GBIT\/S +TRANS\/S +P50 µS +LOSS$/);
  t.same(lines.slice(3).map((l) => l.split(/ +/)[0]), all.runs.map((r) => r.id), 'one line per run, newest first');
  t.match(lines[3], new RegExp(`^${tcpRr.id} +done +tcp4 +rr +${tcpRr.createdAt} +\\d+ +\\d+\\.\\d$`));
  t.match(lines[5], new RegExp(`^${failed.id} +failed +tcp4 +stream +${failed.createdAt}$`), 'no figures for a failed run');
  t.equal((await app.inject({ url: '/v1/benchmarks?status=failed', headers: { accept: 'text/plain' } })).body.split('\n').length, 5,
    'Accept: text/plain, filtered: count, blank line, header, one run, end');

  const csv = await app.inject('/v1/benchmarks?format=csv');
  t.equal(csv.statusCode, 200);
  t.match(csv.headers['content-type'], /^text\/csv/);
  t.match(csv.headers['content-disposition'], /filename="benchmarks\.csv"/);
  const records = parseCsv(csv.body);
  t.same(records[0], Object.keys(all.runs[0]), 'header row: the JSON row\'s fields, in order');
  t.equal(records.length, 1 + all.runs.length, 'one record per run');
  records.slice(1).forEach((record, i) => {
    const json = all.runs[i];
    t.equal(record.length, records[0].length);
    records[0].forEach((column, c) => {
      const value = json[column];
      if (value === null) t.equal(record[c], '', `${json.id} ${column}: empty for null`);
      else if (typeof value === 'number') t.equal(Number(record[c]), value, `${json.id} ${column}: the number parses back exactly`);
      else t.equal(record[c], value, `${json.id} ${column}`);
    });
  });
  const accepted = await app.inject({ url: '/v1/benchmarks', headers: { accept: 'text/csv' } });
  t.match(accepted.headers['content-type'], /^text\/csv/);
  t.equal(accepted.body, csv.body, 'Accept: text/csv gives the same document');
  const filtered = parseCsv((await app.inject({ url: '/v1/benchmarks?status=done&limit=1&offset=1', headers: { accept: 'text/csv' } })).body);
  t.same(filtered.slice(1).map((r) => r[0]), [udpRr.id], 'CSV follows the filters and the page');
  const json = await app.inject({ url: '/v1/benchmarks?format=json', headers: { accept: 'text/csv' } });
  t.match(json.headers['content-type'], /^application\/json/, '?format wins over Accept');

  const bad = async (query: string, field: string, message: RegExp) => {
    const res = await app.inject(`/v1/benchmarks?${query}`);
    t.equal(res.statusCode, 400, `${query}: ${res.body}`);
    t.match(res.json(), { code: 'SOCKBENCH_VALIDATION', field, message }, query);
  };
  await bad('transport=tcp5', 'querystring.transport', /^querystring\.transport must be one of: tcp4, tcp6, udp4, udp6, unix, unix-dgram/);
  await bad('pattern=bulk', 'querystring.pattern', /^querystring\.pattern must be one of: stream, rr, crr/);
  await bad('status=finished', 'querystring.status', /^querystring\.status must be one of: queued, running, done, failed, cancelled/);
  await bad('since=yesterday', 'querystring.since', /^querystring\.since must match format "date-time"/);
  await bad('limit=0', 'querystring.limit', /^querystring\.limit must be >= 1/);
  await bad('offset=-1', 'querystring.offset', /^querystring\.offset must be >= 0/);
  await bad('format=xml', 'querystring.format', /^querystring\.format must be one of: json, text, csv/);
  await bad('colour=red', 'querystring', /unknown property "colour"/);
});

t.test('persistence: a new app on the same data directory has the runs unchanged; DELETE removes one', async (t) => {
  const dir = tempDataDir(t);
  const first = await build(t, { ...ENV, SOCKBENCH_DATA_DIR: dir });
  const done = await post(first, { transport: 'tcp4', pattern: 'rr', ...short, intervalMs: 50 });
  t.equal(done.statusCode, 200);
  const failed = await post(first, { transport: 'tcp4', pattern: 'stream', ...short, options: failing });
  t.equal(failed.statusCode, 422);
  const before = await list(first);
  await first.close();

  const second = await build(t, { ...ENV, SOCKBENCH_DATA_DIR: dir });
  for (const res of [done, failed]) {
    const again = await second.inject(`/v1/benchmarks/${res.json().id}`);
    t.equal(again.statusCode, 200);
    t.same(again.json(), res.json(), `the ${res.json().status} run's document is the same after the restart`);
  }
  t.ok(done.json().result.intervals.length >= 2, 'intervals kept too');
  t.same(await list(second), before, 'the list is the same');

  const gone = await second.inject({ method: 'DELETE', url: `/v1/benchmarks/${done.json().id}` });
  t.equal(gone.statusCode, 204);
  t.equal(gone.body, '');
  const missing = await second.inject(`/v1/benchmarks/${done.json().id}`);
  t.equal(missing.statusCode, 404);
  t.match(missing.json(), { code: 'SOCKBENCH_RUN_NOT_FOUND', message: /GET \/v1\/benchmarks lists the runs kept/ });
  t.same(await ids(second), [failed.json().id], 'gone from the list');
  t.equal((await second.inject({ method: 'DELETE', url: `/v1/benchmarks/${done.json().id}` })).statusCode, 404, 'a second DELETE: 404');
  await second.close();

  const third = await build(t, { ...ENV, SOCKBENCH_DATA_DIR: dir });
  t.equal((await third.inject(`/v1/benchmarks/${done.json().id}`)).statusCode, 404, 'the deletion itself was stored');
  t.same(await ids(third), [failed.json().id]);
});

t.test('retention: by count (SOCKBENCH_RETAIN_RUNS) and by age (SOCKBENCH_RETAIN_DAYS)', async (t) => {
  const app = await build(t, { ...ENV, SOCKBENCH_RETAIN_RUNS: '2' });
  // Retention counts finished runs whatever their status; failing runs are the quickest to finish.
  const made: string[] = [];
  const statuses: string[] = [];
  for (const payload of [{ transport: 'unix', pattern: 'rr', ...short }, { transport: 'tcp4', pattern: 'rr', ...short, options: failing }, { transport: 'tcp4', pattern: 'stream', ...short, options: failing }]) {
    await sleep(5);
    const run = (await post(app, payload)).json();
    made.push(run.id);
    statuses.push(run.status);
  }
  t.same(statuses, ['done', 'failed', 'failed']);
  t.match(await list(app), { total: 2 });
  t.same(await ids(app), [made[2], made[1]], 'the two newest are kept');
  t.equal((await app.inject(`/v1/benchmarks/${made[0]}`)).statusCode, 404, 'the oldest is gone, also by id (though still in memory)');

  // Age: a run recorded three days ago (its row rewritten in the real file) goes at the next finished run.
  const dir = tempDataDir(t);
  const first = await build(t, { ...ENV, SOCKBENCH_DATA_DIR: dir, SOCKBENCH_RETAIN_DAYS: '2' });
  const old = (await post(first, { transport: 'tcp4', pattern: 'rr', ...short, options: failing })).json().id;
  await first.close();
  const db = new Database(join(dir, DB_FILE));
  const threeDaysAgo = new Date(Date.now() - 3 * 86_400_000).toISOString();
  t.equal(db.prepare('UPDATE runs SET created_at = ? WHERE id = ?').run(threeDaysAgo, old).changes, 1);
  db.close();
  const second = await build(t, { ...ENV, SOCKBENCH_DATA_DIR: dir, SOCKBENCH_RETAIN_DAYS: '2' });
  const fresh = (await post(second, { transport: 'tcp4', pattern: 'rr', ...short, options: failing })).json().id;
  t.same(await ids(second), [fresh], 'the run older than SOCKBENCH_RETAIN_DAYS is deleted');
  t.equal((await second.inject(`/v1/benchmarks/${old}`)).statusCode, 404);
});

t.test('compare: per metric, significant only beyond the spread of the repeats', async (t) => {
  const app = await build(t, ENV);
  const rr = { transport: 'tcp4', pattern: 'rr', durationMs: 100, warmupMs: 0, repeats: 3 };
  const nodelay = (await post(app, { ...rr, options: { both: { TCP_NODELAY: true } } })).json();
  // Nagle and delayed ACK: the second write of each request waits for the ACK of the first (~40 ms).
  const nagle = (await post(app, { ...rr, requestWrites: 2 })).json();
  const single = (await post(app, { transport: 'tcp4', pattern: 'rr', ...short })).json();
  const stream = (await post(app, { transport: 'tcp4', pattern: 'stream', ...short })).json();
  const failed = (await post(app, { transport: 'tcp4', pattern: 'rr', ...short, options: failing })).json();
  t.same([nodelay, nagle, single, stream, failed].map((r) => r.status), ['done', 'done', 'done', 'done', 'failed']);
  const compare = (a: string, b: string, headers: Record<string, string> = {}) =>
    app.inject({ url: `/v1/benchmarks/compare?a=${a}&b=${b}`, headers });

  const res = await compare(nodelay.id, nagle.id);
  t.equal(res.statusCode, 200, res.body);
  const c = res.json();
  t.same(c.a, { id: nodelay.id, transport: 'tcp4', pattern: 'rr', createdAt: nodelay.createdAt });
  t.same(c.b, { id: nagle.id, transport: 'tcp4', pattern: 'rr', createdAt: nagle.createdAt });
  t.same(c.metrics.map((m: any) => m.metric), ['transactionsPerSecond', 'latencyP50Micros', 'latencyP99Micros'], 'the metrics an rr run has');
  const metric = (cmp: any, name: string) => cmp.metrics.find((m: any) => m.metric === name);
  const p50 = metric(c, 'latencyP50Micros');
  const figures = (run: any) => run.result.summary;
  t.same(p50.a, { median: figures(nodelay).latencyMicros.p50, min: figures(nodelay).min.latencyMicros.p50, max: figures(nodelay).max.latencyMicros.p50, repeats: 3 },
    'a\'s median, min and max over its repeats');
  t.same(p50.b, { median: figures(nagle).latencyMicros.p50, min: figures(nagle).min.latencyMicros.p50, max: figures(nagle).max.latencyMicros.p50, repeats: 3 });
  t.ok(p50.b.min > 10 * p50.a.max, `Nagle's slowest p50 ${p50.a.max} µs vs ${p50.b.min} µs: the ranges are far apart`);
  t.match(p50, { label: 'Latency p50', unit: 'µs', better: 'lower', significant: true, verdict: 'worse' });
  t.equal(p50.difference, p50.b.median - p50.a.median);
  t.equal(p50.ratio, p50.b.median / p50.a.median);
  t.match(metric(c, 'transactionsPerSecond'), { better: 'higher', significant: true, verdict: 'worse' });
  t.match(metric(c, 'latencyP99Micros'), { significant: true, verdict: 'worse' });
  t.same(c.configDifferences, [{ path: '/requestWrites', a: 1, b: 2 }, { path: '/options/both/TCP_NODELAY', a: true, b: null }]);
  t.same(c.optionDifferences.filter((d: any) => d.path.endsWith('/TCP_NODELAY')),
    [{ path: '/client/TCP_NODELAY', a: true, b: null }, { path: '/server/TCP_NODELAY', a: true, b: null }]);
  const reverse = (await compare(nagle.id, nodelay.id)).json();
  t.match(metric(reverse, 'latencyP50Micros'), { significant: true, verdict: 'better' }, 'the other way round: better');
  t.match(metric(reverse, 'transactionsPerSecond'), { significant: true, verdict: 'better' });

  const self = (await compare(nagle.id, nagle.id)).json();
  t.same(self.metrics.map((m: any) => [m.verdict, m.significant, m.difference, m.ratio]), self.metrics.map(() => ['same', false, 0, 1]),
    'a run against itself: within its own spread');
  t.same([self.configDifferences, self.optionDifferences], [[], []]);

  const one = (await compare(nodelay.id, single.id)).json();
  t.ok(one.metrics.length === 3 && one.metrics.every((m: any) => m.significant === null && m.verdict === 'unknown' && m.b.repeats === 1),
    'a single repeat has no spread: significant null, verdict unknown');
  t.equal(metric(one, 'latencyP50Micros').b.median, figures(single).latencyMicros.p50, 'the figures are still there');

  const text = await compare(nodelay.id, nagle.id, { accept: 'text/plain' });
  t.match(text.headers['content-type'], /^text\/plain/);
  t.match(text.body, new RegExp(`^a: ${nodelay.id} tcp4 rr ${nodelay.createdAt}\nb: ${nagle.id} tcp4 rr ${nagle.createdAt}\n\nMETRIC +UNIT +A \\(MIN\\.\\.MAX\\) +B \\(MIN\\.\\.MAX\\) +B/A +VERDICT\n`));
  t.match(text.body, /\nlatencyP50Micros +µs +[\d.]+ \([\d.]+\.\.[\d.]+\) +[\d.e+]+ \([\d.e+]+\.\.[\d.e+]+\) +\d+\.\d{3} +worse\n/);
  t.match(text.body, /\nCONFIG +A +B\n\/requestWrites +1 +2\n/);
  t.match(text.body, /\nEFFECTIVE OPTIONS +A +B\n(.*\n)*\/client\/TCP_NODELAY +true +/);
  t.match((await app.inject(`/v1/benchmarks/compare?a=${nodelay.id}&b=${single.id}&format=text`)).body, /unknown \(need repeats >= 2\)/);

  const err = async (a: string, b: string, status: number, body: object) => {
    const r = await compare(a, b);
    t.equal(r.statusCode, status, r.body);
    t.match(r.json(), body);
  };
  await err(nodelay.id, stream.id, 400, { code: 'SOCKBENCH_INVALID_VALUE', field: 'querystring.b', message: /^querystring\.b: .* is a stream run and .* an? rr run/ });
  await err('nope', nagle.id, 404, { code: 'SOCKBENCH_RUN_NOT_FOUND', field: 'querystring.a', message: /No benchmark nope/ });
  await err(nagle.id, '9b1c1f5e-0000-4000-8000-000000000000', 404, { code: 'SOCKBENCH_RUN_NOT_FOUND', field: 'querystring.b' });
  await err(nagle.id, failed.id, 409, { code: 'SOCKBENCH_RUN_NOT_DONE', field: 'querystring.b', message: /is failed; only finished runs/ });
  const missing = await app.inject(`/v1/benchmarks/compare?a=${nagle.id}`);
  t.match(missing.json(), { statusCode: 400, field: 'querystring.b' }, 'b is required');

  const running = (await post(app, { transport: 'tcp4', pattern: 'stream', durationMs: 10000, warmupMs: 0 }, '?wait=false')).json();
  const queued = (await post(app, { transport: 'tcp4', pattern: 'stream', durationMs: 10000, warmupMs: 0 }, '?wait=false')).json();
  t.same([running.status, queued.status], ['running', 'queued']);
  await err(running.id, nagle.id, 409, { code: 'SOCKBENCH_RUN_NOT_DONE', field: 'querystring.a', message: /is running/ });
  await err(nagle.id, queued.id, 409, { code: 'SOCKBENCH_RUN_NOT_DONE', field: 'querystring.b', message: /is queued/ });
  for (const r of [queued, running]) await app.inject({ method: 'POST', url: `/v1/benchmarks/${r.id}/cancel` });
  await err(nagle.id, running.id, 409, { code: 'SOCKBENCH_RUN_NOT_DONE', message: /is cancelled/ });
});

async function openStream(t: Test, url: string): Promise<EventStream> {
  const s = await EventStream.open(url);
  if (!(s instanceof EventStream)) throw new Error(`${url}: ${s.status} ${JSON.stringify(s.body)}`);
  t.teardown(() => s.destroy());
  return s;
}

/** `promise`, or a failure after `ms`: a stream the server never closes must fail the test, not hang it. */
function within<T>(promise: Promise<T>, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function until(check: () => boolean, ms = 3000): Promise<boolean> {
  const t0 = Date.now();
  while (!check() && Date.now() - t0 < ms) await sleep(10);
  return check();
}

const SAMPLE_FIELDS: Array<keyof IntervalSample> = ['startMs', 'endMs', 'bytes', 'bitsPerSecond', 'sent', 'received', 'transactions', 'transactionsPerSecond', 'latencyMicros', 'tcpInfo'];
const sampleOf = (x: Record<string, unknown>) => Object.fromEntries(SAMPLE_FIELDS.filter((f) => f in x).map((f) => [f, x[f]]));
function withoutPosition(data: Record<string, unknown>) {
  const { repeat: _r, stream: _s, index: _i, ...sample } = data;
  return sample;
}

t.test('events: state, intervals as they are measured, progress, end; then the server closes the stream', async (t) => {
  const dir = tempDataDir(t);
  const app = await build(t, { ...ENV, SOCKBENCH_DATA_DIR: dir });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  // A run queued behind another cannot start before its stream is open: no interval can be missed.
  const blocker = (await post(app, { transport: 'unix', pattern: 'stream', durationMs: 10000, warmupMs: 0 }, '?wait=false')).json();
  const run = (await post(app, { transport: 'tcp4', pattern: 'stream', durationMs: 600, warmupMs: 0, intervalMs: 100 }, '?wait=false')).json();
  t.equal(run.status, 'queued');
  const s = await openStream(t, `${base}/v1/benchmarks/${run.id}/events`);
  t.match(s.res.headers['content-type'], /^text\/event-stream/);
  t.equal(s.res.headers['cache-control'], 'no-cache');
  await s.next((e) => e.event === 'state');
  t.equal(openEventStreams(), 1);
  await app.inject({ method: 'POST', url: `/v1/benchmarks/${blocker.id}/cancel` });

  const end = await s.next((e) => e.event === 'end', 10000);
  const closedAt = await within(s.ended);
  t.type(closedAt, 'number', 'the server ended the response');
  t.ok((closedAt as number) - end.at < 1000, 'right after end');
  t.ok(s.res.complete, 'a complete response, not a broken connection');
  t.equal(s.events.at(-1), end, 'nothing after end');
  t.ok(await until(() => openEventStreams() === 0), 'the stream is no longer counted');

  const [state] = s.events;
  t.match(state, { event: 'state', data: { id: run.id, status: 'queued', queuePosition: 1, result: null } }, 'state first: the run as it was');
  t.match(end.data, { id: run.id, status: 'done', progress: { done: 1, total: 1 }, error: null });
  const final = (await app.inject(`/v1/benchmarks/${run.id}`)).json();
  t.same(end.data, final, 'end carries the final document');
  const intervals = s.events.filter((e) => e.event === 'interval');
  t.ok(intervals.length >= 4, `${intervals.length} intervals of 100 ms in 600 ms`);
  t.same(intervals.map((e) => e.data.index), intervals.map((_, i) => i), 'indexes 0..n-1, in order');
  t.ok(intervals.every((e) => e.data.repeat === 0 && e.data.stream === 0));
  t.equal(intervals.length, final.result.intervals.length, 'as many as the result has');
  intervals.forEach((e, i) => t.same(sampleOf(e.data), sampleOf(final.result.intervals[i]), `interval ${i} is the result's`));
  t.same(Object.keys(withoutPosition(intervals[0].data)).sort(), Object.keys(final.result.intervals[0]).sort(), 'no field besides repeat, stream and index');
  t.ok(intervals[0].data.bitsPerSecond > 0 && intervals[0].data.tcpInfo !== null);
  t.ok(end.at - intervals[0].at >= 150, `the first interval came ${Math.round(end.at - intervals[0].at)} ms before end: live, not replayed`);
  const progress = s.events.filter((e) => e.event === 'progress');
  t.same(progress.map((e) => e.data), [{ done: 1, total: 1 }]);
  t.ok(s.events.indexOf(progress[0]) > s.events.indexOf(intervals.at(-1)!), 'progress after the repeat\'s intervals');

  const again = await openStream(t, `${base}/v1/benchmarks/${run.id}/events`);
  t.type(await within(again.ended), 'number', 'a finished run: the server closes at once');
  t.same(again.events.map((e) => [e.event, e.data]), [['state', final], ['end', final]], 'state and end, the final document');

  const unknown = await EventStream.open(`${base}/v1/benchmarks/9b1c1f5e-0000-4000-8000-000000000000/events`);
  t.match(unknown, { status: 404, body: { code: 'SOCKBENCH_RUN_NOT_FOUND' } });
  t.equal(openEventStreams(), 0);
  await app.close();

  // From the store alone (a new process): the same two events.
  const next = await build(t, { ...ENV, SOCKBENCH_DATA_DIR: dir });
  const stored = await openStream(t, `${await next.listen({ host: '127.0.0.1', port: 0 })}/v1/benchmarks/${run.id}/events`);
  t.type(await within(stored.ended), 'number');
  t.same(stored.events.map((e) => [e.event, e.data]), [['state', final], ['end', final]]);
});

t.test('events: a client that leaves is forgotten and the run goes on; SOCKBENCH_MAX_EVENT_STREAMS', async (t) => {
  const app = await build(t, { ...ENV, SOCKBENCH_MAX_EVENT_STREAMS: '1' });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const run = (await post(app, { transport: 'tcp4', pattern: 'rr', durationMs: 600, warmupMs: 0, intervalMs: 100 }, '?wait=false')).json();
  const s = await openStream(t, `${base}/v1/benchmarks/${run.id}/events`);
  await s.next((e) => e.event === 'interval');
  t.equal(openEventStreams(), 1);

  const second = await EventStream.open(`${base}/v1/benchmarks/${run.id}/events`);
  t.match(second, { status: 429, body: { code: 'SOCKBENCH_TOO_MANY_STREAMS', message: /1 event streams are open; .*SOCKBENCH_MAX_EVENT_STREAMS/ } });

  s.destroy();
  t.equal(await within(s.ended), 'aborted');
  await until(() => openEventStreams() === 0 || !app.runs.registry.busy);
  t.equal(openEventStreams(), 0, 'the count is back to 0 after the client left');
  t.ok(app.runs.registry.busy, 'while the run was still going: the stream closed on the disconnect, not at the end');
  const finished = await app.runs.registry.waitFor(run.id);
  t.match(finished, { status: 'done', progress: { done: 1, total: 1 } }, 'and it finished');

  const long = (await post(app, { transport: 'tcp4', pattern: 'stream', durationMs: 10000, warmupMs: 0 }, '?wait=false')).json();
  const third = await openStream(t, `${base}/v1/benchmarks/${long.id}/events`);
  await third.next((e) => e.event === 'state');
  t.equal(openEventStreams(), 1, 'a slot is free again');
  await app.inject({ method: 'POST', url: `/v1/benchmarks/${long.id}/cancel` });
  const end = await third.next((e) => e.event === 'end');
  t.match(end.data, { id: long.id, status: 'cancelled' }, 'a cancelled run ends its stream too');
  t.type(await within(third.ended), 'number');
  t.ok(await until(() => openEventStreams() === 0));
});
