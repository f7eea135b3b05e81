import t from 'tap';
import { readFileSync } from 'node:fs';
import { build, openFds } from '../helpers/build.js';
import { bdpBytes } from '../../src/advice/bdp.js';

// POST /v1/advice through the real app: the current values come from this host's /proc/sys (read
// again here to compare), and {"run": id} uses real short benchmarks run through the same app.

type App = Awaited<ReturnType<typeof build>>;
const advise = (app: App, payload: unknown, query = '', headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: `/v1/advice${query}`, payload: payload as object, headers });
const bench = (app: App, payload: object, query = '') => app.inject({ method: 'POST', url: `/v1/benchmarks${query}`, payload });
const procSys = (name: string) => readFileSync(`/proc/sys/${name.replaceAll('.', '/')}`, 'utf8').trim();

interface Row { name: string; current: unknown; needed: unknown; set: unknown; verdict: string; reason: string; source: string }

t.test('a path as given: figures, one row per setting with the host\'s current values, never applied', async (t) => {
  const app = await build(t);
  const res = await advise(app, { bandwidthBitsPerSecond: 10e9, rttMs: 80, buffers: { SO_RCVBUF: 4096 } });
  t.equal(res.statusCode, 200, res.body.slice(0, 300));
  const a = res.json();
  t.equal(a.bdpBytes, 100_000_000, '1e10 x 0.08 / 8');
  t.equal(a.path.source, 'request');
  t.equal(a.applied, false);
  const rows = a.settings as Row[];
  const row = (name: string) => rows.find((r) => r.name === name)!;
  t.equal(row('net.core.rmem_max').current, Number(procSys('net.core.rmem_max')), 'current rmem_max is this host\'s');
  t.same(row('net.ipv4.tcp_rmem').current, procSys('net.ipv4.tcp_rmem').split(/\s+/).map(Number), 'current tcp_rmem is this host\'s');
  t.equal(row('net.ipv4.tcp_congestion_control').current, procSys('net.ipv4.tcp_congestion_control'));
  t.equal(row('net.core.default_qdisc').current, procSys('net.core.default_qdisc'));
  for (const r of rows) {
    t.ok(['ok', 'too-small', 'unusual'].includes(r.verdict), `${r.name}: ${r.verdict}`);
    t.ok(r.reason.length > 20 && r.source.length > 5, `${r.name} says why and where from`);
    if (r.verdict === 'ok') t.equal(r.set, null, `${r.name}: a setting that is ok is left as it is`);
  }
  if (Number(procSys('net.core.rmem_max')) < 100_000_000) {
    t.equal(row('net.core.rmem_max').verdict, 'too-small');
    t.match(a.sysctlFile.content, /^net\.core\.rmem_max = 134217728$/m);
    t.ok(a.commands.includes('sysctl -w net.core.rmem_max=134217728'));
  }
  t.equal(procSys('net.core.rmem_max'), String(row('net.core.rmem_max').current), 'and nothing was changed');
  const [rcv] = a.buffers;
  t.match(rcv, { option: 'SO_RCVBUF', requested: 4096, storedBytes: 8192, autotuning: 'off', enough: false });
  t.match(a.window.derivation, new RegExp(`Kernel ${procSys('kernel.osrelease').replace(/[.+]/g, '\\$&')}`), 'the derivation names this kernel');
  // The share is read from a socket, as the probe reads it for anyone: the accepted end of a fresh pair.
  const probe = (await app.inject({ method: 'POST', url: '/v1/sockopts', payload: { transport: 'tcp4', side: 'server', get: [{ name: 'SO_RCVBUF' }, { name: 'TCP_WINDOW_CLAMP' }] } })).json();
  const [rcvbuf, clamp] = (probe.get as Array<{ value: number }>).map((g) => g.value);
  t.same(a.window.measured, { rcvbufBytes: rcvbuf, windowClampBytes: clamp }, `measured ${clamp} of ${rcvbuf}`);
  t.equal(a.window.share, clamp / rcvbuf);
  t.match(a.window.derivation, new RegExp(`^Measured now: .* at ${clamp} bytes of its ${rcvbuf}-byte SO_RCVBUF`));
});

t.test('{"run": id}: a finished tcp4 stream\'s measured rtt and throughput', async (t) => {
  const app = await build(t);
  const run = (await bench(app, { transport: 'tcp4', pattern: 'stream', durationMs: 300, warmupMs: 0 })).json();
  t.equal(run.status, 'done');
  const stored = (await app.inject({ url: `/v1/benchmarks/${run.id}` })).json();
  const rttMicros = stored.result.summary.tcpInfo.client.rtt as number;
  const bps = stored.result.summary.bitsPerSecond as number;
  t.ok(rttMicros > 0 && bps > 0, `measured rtt ${rttMicros} µs, ${bps} bit/s`);

  const res = await advise(app, { run: run.id });
  t.equal(res.statusCode, 200, res.body.slice(0, 300));
  const a = res.json();
  t.same(a.path.run, { id: run.id, transport: 'tcp4', pattern: 'stream', peer: null, bitsPerSecond: bps, rttMicros });
  t.equal(a.path.source, 'run');
  t.equal(a.path.rttMs, rttMicros / 1000);
  t.equal(a.path.bandwidthBitsPerSecond, bps);
  t.equal(a.bdpBytes, bdpBytes(bps, rttMicros), 'the run\'s throughput times its rtt');

  const planned = (await advise(app, { run: run.id, bandwidthBitsPerSecond: 1e9 })).json();
  t.equal(planned.path.bandwidthBitsPerSecond, 1e9, 'bandwidthBitsPerSecond overrides the measured rate');
  t.equal(planned.path.run.bitsPerSecond, bps, 'the measured one is still reported');

  const text = await advise(app, { run: run.id }, '', { accept: 'text/plain' });
  t.match(text.headers['content-type'], /^text\/plain/);
  t.match(text.body, new RegExp(`measured by run ${run.id} \\(tcp4 stream, loopback\\): rtt ${rttMicros} µs`));
});

t.test('runs that cannot describe a path: not finished, no rtt, no throughput (400), unknown (404)', async (t) => {
  const app = await build(t, { SOCKBENCH_MAX_DURATION_MS: '20000' });
  const refused = async (payload: unknown, status: number, code: string, field: string, message: RegExp) => {
    const res = await advise(app, payload);
    t.equal(res.statusCode, status, res.body);
    t.match(res.json(), { statusCode: status, code, error: status === 400 ? 'Bad Request' : 'Not Found', field, message });
  };
  const udp = (await bench(app, { transport: 'udp4', pattern: 'stream', durationMs: 200, warmupMs: 0 })).json();
  await refused({ run: udp.id }, 400, 'SOCKBENCH_INVALID_VALUE', 'body.run', /udp4 stream\) has no TCP_INFO rtt/);
  const rr = (await bench(app, { transport: 'tcp4', pattern: 'rr', durationMs: 200, warmupMs: 0 })).json();
  await refused({ run: rr.id }, 400, 'SOCKBENCH_INVALID_VALUE', 'body.bandwidthBitsPerSecond', /measured no throughput; give bandwidthBitsPerSecond/);
  const rrPlanned = await advise(app, { run: rr.id, bandwidthBitsPerSecond: 1e9 });
  t.equal(rrPlanned.statusCode, 200, 'an rr run\'s rtt with a given rate');
  t.ok(rrPlanned.json().path.rttMs > 0);

  const running = (await bench(app, { transport: 'tcp4', pattern: 'stream', durationMs: 10000, warmupMs: 0 }, '?wait=false')).json();
  await refused({ run: running.id }, 400, 'SOCKBENCH_INVALID_VALUE', 'body.run', /is (queued|running); only a finished run/);
  const cancelled = await app.inject({ method: 'POST', url: `/v1/benchmarks/${running.id}/cancel` });
  t.equal(cancelled.json().status, 'cancelled');
  await refused({ run: running.id }, 400, 'SOCKBENCH_INVALID_VALUE', 'body.run', /is cancelled/);
  await refused({ run: 'no-such-run' }, 404, 'SOCKBENCH_RUN_NOT_FOUND', 'body.run', /no benchmark no-such-run/);
  await refused({ run: udp.id, rttMs: 5 }, 400, 'SOCKBENCH_INVALID_VALUE', 'body.rttMs', /rttMs or run, not both/);
});

t.test('every bad number is a 400 naming its field', async (t) => {
  const app = await build(t);
  const cases: Array<[unknown, string, RegExp]> = [
    [{ bandwidthBitsPerSecond: 0, rttMs: 10 }, 'body.bandwidthBitsPerSecond', /must be > 0/],
    [{ bandwidthBitsPerSecond: -1e9, rttMs: 10 }, 'body.bandwidthBitsPerSecond', /must be > 0/],
    [{ bandwidthBitsPerSecond: 1e14, rttMs: 10 }, 'body.bandwidthBitsPerSecond', /must be <= 10000000000000/],
    [{ bandwidthBitsPerSecond: 1e9, rttMs: 0 }, 'body.rttMs', /must be > 0/],
    [{ bandwidthBitsPerSecond: 1e9, rttMs: -3 }, 'body.rttMs', /must be > 0/],
    [{ bandwidthBitsPerSecond: 1e9, rttMs: 10001 }, 'body.rttMs', /must be <= 10000/],
    [{ bandwidthBitsPerSecond: '10G', rttMs: 10 }, 'body.bandwidthBitsPerSecond', /must be number/],
    [{ bandwidthBitsPerSecond: 1e9, rttMs: 10, buffers: { SO_RCVBUF: 0 } }, 'body.buffers.SO_RCVBUF', /must be >= 1/],
    [{ bandwidthBitsPerSecond: 1e9, rttMs: 10, buffers: { SO_RCVBUFF: 4096 } }, 'body.buffers', /unknown property "SO_RCVBUFF"/],
    [{ bandwidthBitsPerSecond: 1e9 }, 'body.rttMs', /rttMs is required without run/],
    [{ rttMs: 10 }, 'body.bandwidthBitsPerSecond', /bandwidthBitsPerSecond is required without run/],
    [{}, 'body.bandwidthBitsPerSecond', /or \{"run"/],
  ];
  for (const [payload, field, message] of cases) {
    const res = await advise(app, payload);
    t.equal(res.statusCode, 400, JSON.stringify(payload));
    t.match(res.json(), { statusCode: 400, field, message }, JSON.stringify(payload));
    t.match(res.json().code, /^SOCKBENCH_(VALIDATION|INVALID_VALUE)$/);
  }
});

t.test('text: ?format=text and Accept: text/plain give the same report', async (t) => {
  const app = await build(t);
  const body = { bandwidthBitsPerSecond: 1e9, rttMs: 1 };
  const [byQuery, byAccept, json] = await Promise.all([
    advise(app, body, '?format=text'), advise(app, body, '', { accept: 'text/plain' }), advise(app, body, '?format=json'),
  ]);
  t.match(byQuery.headers['content-type'], /^text\/plain/);
  t.match(json.headers['content-type'], /^application\/json/);
  const strip = (s: string) => s.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'T');
  t.equal(strip(byQuery.body), strip(byAccept.body));
  t.match(byQuery.body, /^1 Gbit\/s x 1 ms, as given\n/);
  t.match(byQuery.body, /\nbandwidth-delay product  125000 bytes \(0\.1 MiB\)\n/);
  t.match(byQuery.body, /\nSETTING +CURRENT +NEEDED +SET +VERDICT\nnet\.core\.rmem_max +\d+ +125000 /);
  t.match(byQuery.body, /\n\/etc\/sysctl\.d\/90-sockbench\.conf \(not applied\):\n# \/etc\/sysctl\.d\/90-sockbench\.conf: sockbench advice for 1 Gbit\/s x 1 ms\n/);
  for (const row of json.json().settings as Row[]) t.match(byQuery.body, new RegExp(`\\n${row.name.replaceAll('.', '\\.')} +`), `the table has ${row.name}`);
});

t.test('measuring the window share leaves no descriptor behind', async (t) => {
  const app = await build(t);
  await advise(app, { bandwidthBitsPerSecond: 1e9, rttMs: 1 });
  const before = await openFds();
  for (let i = 0; i < 50; i++) t.equal((await advise(app, { bandwidthBitsPerSecond: 1e9, rttMs: 1 + i })).statusCode, 200);
  t.equal(await openFds(), before, '50 answers, each with its own loopback pair, and as many descriptors as before');
});

t.test('with SOCKBENCH_TOKEN set, the advice needs the token like every other route', async (t) => {
  const token = 'advice-test-token-0123456789';
  const app = await build(t, { SOCKBENCH_TOKEN: token });
  const body = { bandwidthBitsPerSecond: 1e9, rttMs: 1 };
  t.equal((await advise(app, body)).statusCode, 401);
  t.equal((await advise(app, body, '', { authorization: `Bearer ${token}` })).statusCode, 200);
});

t.test('the OpenAPI document describes the route and its answer', async (t) => {
  const app = await build(t);
  const doc = (await app.inject({ url: '/v1/openapi.json' })).json();
  const op = doc.paths['/v1/advice'].post;
  t.ok(op.responses['200'].content['application/json'].schema.properties.settings, 'settings in the 200 schema');
  t.ok(op.responses['400'] && op.responses['404'], '400 and 404 documented');
});
