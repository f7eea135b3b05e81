import t from 'tap';
import { readFileSync } from 'node:fs';
import { build, openFds } from '../helpers/build.js';
import { busyWorkerCount } from '../../src/bench/worker-pool.js';

// Congestion control and pacing as run parameters, through the real app on loopback: TCP's own
// pacing (lo has no fq) caps the stream at SO_MAX_PACING_RATE, each side gets its algorithm,
// and what a host lacks is a 400 that lists what it has. Margins are wide: the box is loaded.

const ENV = { SOCKBENCH_MAX_DURATION_MS: '20000', SOCKBENCH_QUEUE_LIMIT: '1' };
type App = Awaited<ReturnType<typeof build>>;
const post = (app: App, url: string, payload: object) => app.inject({ method: 'POST', url, payload });
const AVAILABLE = readFileSync('/proc/sys/net/ipv4/tcp_available_congestion_control', 'utf8').trim().split(/\s+/);
const DEFAULT_CC = readFileSync('/proc/sys/net/ipv4/tcp_congestion_control', 'utf8').trim();

t.test('pacingRateBitsPerSecond: 1 Gbit/s gives about 1 Gbit/s, as the socket and TCP_INFO say', async (t) => {
  const app = await build(t, ENV);
  const res = await post(app, '/v1/benchmarks', { transport: 'tcp4', pattern: 'stream', durationMs: 600, warmupMs: 200, pacingRateBitsPerSecond: 1e9 });
  t.equal(res.statusCode, 200, res.body.slice(0, 300));
  const run = res.json();
  const s = run.result.summary;
  t.equal(run.config.pacingRateBitsPerSecond, 1e9);
  t.ok(s.bitsPerSecond > 0.5e9 && s.bitsPerSecond < 1.1e9, `paced stream at ${s.bitsPerSecond} bit/s`);
  t.equal(s.verified, true, 'byte accounting still exact');
  t.equal(s.pacing.requestedBitsPerSecond, 1e9);
  t.equal(s.pacing.effectiveBitsPerSecond, 1e9, 'the sender\'s SO_MAX_PACING_RATE read back');
  t.equal(s.pacing.tcpInfoMaxPacingRateBitsPerSecond, 1e9, 'tcpi_max_pacing_rate');
  t.ok(s.pacing.tcpInfoPacingRateBitsPerSecond > 0 && s.pacing.tcpInfoPacingRateBitsPerSecond <= 1e9, `tcpi_pacing_rate ${s.pacing.tcpInfoPacingRateBitsPerSecond} is at most the cap`);
  const reached = s.bitsPerSecond / 1e9;
  t.equal(s.pacing.bounded, reached >= 0.85 && reached <= 1.15, `bounded says whether the stream went at the cap (${reached.toFixed(3)} of it)`);
  t.equal(s.pacing.bounded, run.result.explanation.some((f: { code: string }) => f.code === 'paced'), 'as the paced finding says');
  const option = run.result.sockets.client.find((o: { name: string }) => o.name === 'SO_MAX_PACING_RATE');
  t.match(option, { requested: 125_000_000, effective: 125_000_000, end: 125_000_000, ok: true }, 'set on the sender (the client), in bytes per second');
  t.notOk(run.result.sockets.server.some((o: { name: string }) => o.name === 'SO_MAX_PACING_RATE'), 'not on the receiver');
  t.match(s.senderQdisc, { device: 'lo', root: 'noqueue', pacedBy: 'tcp' }, 'lo has no qdisc: TCP paces by itself');
  const text = await app.inject({ method: 'GET', url: `/v1/benchmarks/${run.id}`, headers: { accept: 'text/plain' } });
  t.match(text.body, /pacing {2}asked 1\.000 Gbit\/s {2}socket 1\.000 Gbit\/s/);
  t.match(text.body, /sender qdisc {2}lo noqueue \(TCP paces internally\)/);

  // Beyond the u32 form's 0xffffffff B/s (34.4 Gbit/s): held exactly.
  const fast = (await post(app, '/v1/benchmarks', { transport: 'tcp6', pattern: 'stream', durationMs: 150, warmupMs: 0, pacingRateBitsPerSecond: 40e9 })).json();
  t.equal(fast.result.summary.pacing.effectiveBitsPerSecond, 40e9, 'a 40 Gbit/s cap reads back as set (64-bit SO_MAX_PACING_RATE)');
  t.equal(fast.result.summary.pacing.tcpInfoMaxPacingRateBitsPerSecond, 40e9);

  const free = (await post(app, '/v1/benchmarks', { transport: 'tcp4', pattern: 'stream', durationMs: 150, warmupMs: 0 })).json();
  t.match(free.result.summary.pacing, { requestedBitsPerSecond: null, effectiveBitsPerSecond: null, tcpInfoMaxPacingRateBitsPerSecond: null, bounded: false }, 'unpaced: no cap (~0)');
});

const OTHERS = AVAILABLE.filter((n) => n !== DEFAULT_CC);
const TWO_OTHERS = OTHERS.length >= 2 ? false : `needs two algorithms besides the default ${DEFAULT_CC}; this host has ${AVAILABLE.join(' ')}`;

t.test('congestion: per side, and the same for both, effective on each side', { skip: TWO_OTHERS }, async (t) => {
  const app = await build(t, ENV);
  const [a, b] = OTHERS;
  const per = (await post(app, '/v1/benchmarks', { transport: 'tcp4', pattern: 'stream', durationMs: 150, warmupMs: 0, congestion: { client: a, server: b } })).json();
  t.equal(per.status, 'done', JSON.stringify(per.error));
  t.same(per.result.summary.congestion, { client: a, server: b }, 'read back from each data socket at the end');
  t.match(per.result.sockets.client.find((o: { name: string }) => o.name === 'TCP_CONGESTION'), { requested: a, before: DEFAULT_CC, effective: a, end: a });
  t.match(per.result.sockets.server.find((o: { name: string }) => o.name === 'TCP_CONGESTION'), { requested: b, effective: b, end: b }, 'the listener\'s choice, inherited by the accepted socket');
  const text = await app.inject({ method: 'GET', url: `/v1/benchmarks/${per.id}`, headers: { accept: 'text/plain' } });
  t.match(text.body, new RegExp(`congestion {2}client ${a} {2}server ${b}`));

  const one = (await post(app, '/v1/benchmarks', { transport: 'tcp6', pattern: 'rr', durationMs: 100, warmupMs: 0, congestion: a })).json();
  t.same(one.result.summary.congestion, { client: a, server: a });
  const half = (await post(app, '/v1/benchmarks', { transport: 'tcp4', pattern: 'rr', durationMs: 100, warmupMs: 0, congestion: { server: b } })).json();
  t.same(half.result.summary.congestion, { client: DEFAULT_CC, server: b }, 'a side left out keeps the host default');
});

t.test('a sweep over congestion "*" runs every available algorithm', async (t) => {
  const app = await build(t, ENV);
  const res = await post(app, '/v1/sweeps', { base: { transport: 'tcp4', pattern: 'stream', durationMs: 100, warmupMs: 0 }, vary: { congestion: ['*'] } });
  t.equal(res.statusCode, 200, res.body.slice(0, 300));
  const sweep = res.json();
  t.same(sweep.result.points.map((p: { params: { congestion: string } }) => p.params.congestion), AVAILABLE);
  for (const p of sweep.result.points) {
    t.equal(p.status, 'done');
    t.same(p.effective.client.TCP_CONGESTION, p.params.congestion, `${p.params.congestion}: effective on the client`);
    t.same(p.effective.server.TCP_CONGESTION, p.params.congestion, `${p.params.congestion}: effective on the server`);
  }
});

t.test('what a host lacks, and bad values, are 400s naming the field', async (t) => {
  const app = await build(t, ENV);
  const base = { transport: 'tcp4', pattern: 'stream', durationMs: 100 };
  const missing = await post(app, '/v1/benchmarks', { ...base, congestion: 'vegas' });
  t.equal(missing.statusCode, 400);
  t.match(missing.json(), { code: 'SOCKBENCH_CONGESTION_UNAVAILABLE', field: 'body.congestion', suggestions: AVAILABLE });
  t.match(missing.json().message, new RegExp(`no congestion control "vegas"; use one of ${AVAILABLE.join(', ')}`), 'the message lists what the host has');
  const side = (await post(app, '/v1/benchmarks', { ...base, congestion: { client: AVAILABLE[0], server: 'vegas' } })).json();
  t.match(side, { code: 'SOCKBENCH_CONGESTION_UNAVAILABLE', field: 'body.congestion.server' });
  const sweep = (await post(app, '/v1/sweeps', { base, vary: { congestion: [AVAILABLE[0], 'vegas'] } })).json();
  t.match(sweep, { code: 'SOCKBENCH_CONGESTION_UNAVAILABLE', message: /point 1 \(congestion="vegas"\)/ });

  const cases: Array<[object, string]> = [
    [{ congestion: 'BBR!' }, 'congestion'],
    [{ congestion: 'x'.repeat(16) }, 'congestion'],
    [{ congestion: { client: 3 } }, 'congestion.client'],
    [{ congestion: { clinet: 'bbr' } }, 'congestion'],
    [{ congestion: ['bbr'] }, 'congestion'],
    [{ transport: 'udp4', congestion: 'bbr' }, 'congestion'],
    [{ congestion: AVAILABLE[0], options: { both: { TCP_CONGESTION: AVAILABLE[0] } } }, 'congestion'],
    [{ pacingRateBitsPerSecond: 4 }, 'pacingRateBitsPerSecond'],
    [{ pacingRateBitsPerSecond: 2 ** 60 }, 'pacingRateBitsPerSecond'],
    [{ pacingRateBitsPerSecond: 1.5e6 + 0.5 }, 'pacingRateBitsPerSecond'],
    [{ pattern: 'rr', pacingRateBitsPerSecond: 1e6 }, 'pacingRateBitsPerSecond'],
    [{ transport: 'udp4', pacingRateBitsPerSecond: 1e6 }, 'pacingRateBitsPerSecond'],
    [{ pacingRateBitsPerSecond: 1e6, options: { client: { SO_MAX_PACING_RATE: 1000 } } }, 'pacingRateBitsPerSecond'],
  ];
  for (const [body, field] of cases) {
    const res = await post(app, '/v1/benchmarks', { ...base, ...body });
    t.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
    t.equal(res.json().field, `body.${field}`, `${JSON.stringify(body)}: ${res.json().message}`);
  }
});

t.test('a cancelled paced run closes every descriptor and thread', async (t) => {
  const before = await openFds();
  const app = await build(t, ENV);
  const run = (await post(app, '/v1/benchmarks?wait=false', { transport: 'tcp4', pattern: 'stream', durationMs: 5000, warmupMs: 0, pacingRateBitsPerSecond: 50e6, congestion: AVAILABLE[0] })).json();
  await new Promise((r) => setTimeout(r, 300));
  t.equal((await app.inject({ method: 'POST', url: `/v1/benchmarks/${run.id}/cancel` })).json().status, 'cancelled');
  await app.close();
  t.equal(busyWorkerCount(), 0);
  t.equal(await openFds(), before);
});
