import t from 'tap';
import { build, openFds } from '../helpers/build.js';
import { busyWorkerCount } from '../../src/bench/worker-pool.js';

// The data paths and latency under load through the real app: the fields reach the answer
// (its schemas drop what they do not name), sweeps vary them, and bad values are 400s naming the field.
const ENV = { SOCKBENCH_MAX_DURATION_MS: '20000', SOCKBENCH_QUEUE_LIMIT: '1', SOCKBENCH_PEERS: 'http://127.0.0.1:9' };
type App = Awaited<ReturnType<typeof build>>;
const post = (app: App, url: string, payload: object) => app.inject({ method: 'POST', url, payload });
const short = { durationMs: 200, warmupMs: 50 };

t.test('zerocopy and sendfile figures come through the route, in the summary and each repeat', async (t) => {
  const app = await build(t, ENV);
  const zc = await post(app, '/v1/benchmarks', { transport: 'tcp4', pattern: 'stream', sendMode: 'zerocopy', ...short });
  t.equal(zc.statusCode, 200, zc.body.slice(0, 300));
  const run = zc.json();
  t.equal(run.config.sendMode, 'zerocopy');
  const z = run.result.summary.zerocopy;
  t.ok(z.sends > 0 && z.completed === z.sends && z.copied === z.sends && z.unconfirmed === 0, JSON.stringify(z));
  t.same(run.result.repeats[0].zerocopy, z);
  t.type(run.result.summary.cpuMsPerGigabyte.client, 'number');
  t.type(run.result.summary.cpuMsPerGigabyte.server, 'number');

  const sf = (await post(app, '/v1/benchmarks', { transport: 'tcp6', pattern: 'stream', sendMode: 'sendfile', ...short })).json();
  t.equal(sf.status, 'done');
  t.equal(sf.result.summary.verified, true);
  t.equal(sf.result.summary.sentBytesTotal, sf.result.summary.receivedBytesTotal);
});

t.test('gso and gro counts come through the route', async (t) => {
  const app = await build(t, ENV);
  const res = await post(app, '/v1/benchmarks', { transport: 'udp4', pattern: 'stream', gso: true, gro: true, messageSize: 1200, rateBitsPerSecond: 100e6, ...short });
  const r = res.json().result.summary;
  t.equal(r.gsoSegmentsPerSend, 54);
  t.ok(r.gro.coalesced > 0 && r.gro.segments >= r.gro.coalesced * 54, JSON.stringify(r.gro));
  t.same(Object.keys(r.gro.segmentSizes), ['1200']);
});

t.test('rr under background load: the percentiles and the background throughput', async (t) => {
  const before = await openFds();
  const app = await build(t, ENV);
  const res = await post(app, '/v1/benchmarks', { transport: 'tcp4', pattern: 'rr', durationMs: 300, warmupMs: 100, background: { streams: 2 } });
  t.equal(res.statusCode, 200, res.body.slice(0, 300));
  const run = res.json();
  const r = run.result.summary;
  t.ok(r.transactions > 0, `${r.transactions} round trips under load`);
  t.ok(r.latencyMicros.p99 >= r.latencyMicros.p50, 'percentiles under load');
  const bg = r.background;
  t.match(bg, { streams: 2, direction: 'forward', messageSize: 131072, coveredWindow: true });
  t.ok(bg.bitsPerSecond > 1e6, `background ${bg.bitsPerSecond} bit/s`);
  t.ok(bg.seconds >= 0.4 && bg.seconds < 5, `the background ran through warm-up and window and ended with it (${bg.seconds} s)`);
  t.type(bg.cpuMsPerGigabyte.client, 'number');
  t.same(run.result.repeats[0].background, bg);
  t.equal(run.config.background.streams, 2);
  const long = (await post(app, '/v1/benchmarks?wait=false', { transport: 'tcp4', pattern: 'rr', durationMs: 5000, warmupMs: 0, background: { streams: 2 } })).json();
  await new Promise((r) => setTimeout(r, 300));
  t.equal((await app.inject({ method: 'POST', url: `/v1/benchmarks/${long.id}/cancel` })).json().status, 'cancelled');
  await app.close();
  t.equal(busyWorkerCount(), 0);
  t.equal(await openFds(), before, 'the background streams closed everything');
});

t.test('inFlight through the route', async (t) => {
  const app = await build(t, ENV);
  const r = (await post(app, '/v1/benchmarks', { transport: 'unix', pattern: 'rr', inFlight: 8, ...short })).json().result.summary;
  t.equal(r.inFlight, 8);
  t.ok(r.transactions > 0);
});

t.test('a sweep varies sendMode and compares CPU per gigabyte', async (t) => {
  const app = await build(t, ENV);
  const res = await post(app, '/v1/sweeps', { base: { transport: 'tcp4', pattern: 'stream', durationMs: 150, warmupMs: 0 }, vary: { sendMode: ['copy', 'zerocopy', 'sendfile'] } });
  t.equal(res.statusCode, 200, res.body.slice(0, 300));
  const sweep = res.json();
  t.equal(sweep.status, 'done');
  t.same(sweep.result.points.map((p: { params: object }) => p.params), [{ sendMode: 'copy' }, { sendMode: 'zerocopy' }, { sendMode: 'sendfile' }]);
  for (const p of sweep.result.points) {
    t.equal(p.status, 'done');
    t.type(p.metrics.clientCpuMsPerGigabyte, 'number', `${p.params.sendMode}: client CPU per GB`);
    t.type(p.metrics.serverCpuMsPerGigabyte, 'number');
  }
  t.type(sweep.result.best.clientCpuMsPerGigabyte.index, 'number');
});

t.test('bad values are 400s that name the field', async (t) => {
  const app = await build(t, ENV);
  const cases: Array<[object, string]> = [
    [{ transport: 'tcp4', pattern: 'stream', sendMode: 'splice' }, 'sendMode'],
    [{ transport: 'unix', pattern: 'stream', sendMode: 'zerocopy' }, 'sendMode'],
    [{ transport: 'tcp4', pattern: 'stream', gso: true }, 'gso'],
    [{ transport: 'udp4', pattern: 'rr', gro: true }, 'gro'],
    [{ transport: 'tcp4', pattern: 'rr', inFlight: 1000 }, 'inFlight'],
    [{ transport: 'tcp4', pattern: 'rr', inFlight: 200, messageSize: 1000 }, 'inFlight'],
    [{ transport: 'tcp4', pattern: 'stream', inFlight: 4 }, 'inFlight'],
    [{ transport: 'tcp4', pattern: 'stream', background: {} }, 'background'],
    [{ transport: 'tcp4', pattern: 'rr', background: { streams: 99 } }, 'background.streams'],
    [{ transport: 'tcp4', pattern: 'rr', background: { direction: 'up' } }, 'background.direction'],
    [{ transport: 'tcp4', pattern: 'rr', background: { messageSize: 0 } }, 'background.messageSize'],
    [{ transport: 'tcp4', pattern: 'rr', streams: 12, background: { streams: 5 } }, 'background.streams'],
    [{ transport: 'udp4', pattern: 'rr', background: {}, peer: 'http://127.0.0.1:9' }, 'background'],
  ];
  for (const [body, field] of cases) {
    const res = await post(app, '/v1/benchmarks', { ...body, ...short });
    t.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
    const err = res.json();
    t.match(err.code, /^SOCKBENCH_/);
    t.ok(err.field === `body.${field}` || String(err.message).includes(field), `${JSON.stringify(body)} names ${field}: ${err.message} (${err.field})`);
  }
  const sweep = await post(app, '/v1/sweeps', { base: { transport: 'unix', pattern: 'stream', durationMs: 100 }, vary: { sendMode: ['copy', 'zerocopy'] } });
  t.equal(sweep.statusCode, 400);
  t.match(sweep.json().message, /point 1 \(sendMode="zerocopy"\).*AF_UNIX refuses SO_ZEROCOPY/);
});
