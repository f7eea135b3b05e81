import t from 'tap';
import { build, openFds } from '../helpers/build.js';
import { busyWorkerCount } from '../../src/bench/worker-pool.js';

// direction through the real app on loopback: the server's socket sends (reverse), or both do at
// once on one connection (bidirectional); each direction's bytes are counted exactly by its
// receiver, and the per-side figures belong to the side whose socket did the work.

const ENV = { SOCKBENCH_MAX_DURATION_MS: '20000', SOCKBENCH_QUEUE_LIMIT: '1' };
type App = Awaited<ReturnType<typeof build>>;
const post = (app: App, url: string, payload: object) => app.inject({ method: 'POST', url, payload });
const short = { pattern: 'stream', durationMs: 250, warmupMs: 50 };
const option = (sockets: Array<{ name: string }>, name: string) => sockets.find((o) => o.name === name) as Record<string, unknown> | undefined;

t.test('reverse: the server sends, the client receives, on tcp4 and unix', async (t) => {
  const app = await build(t, ENV);
  for (const transport of ['tcp4', 'unix']) {
    const run = (await post(app, '/v1/benchmarks', { transport, ...short, direction: 'reverse' })).json();
    t.equal(run.status, 'done', `${transport}: ${JSON.stringify(run.error)}`);
    const s = run.result.summary;
    t.equal(run.config.direction, 'reverse');
    t.equal(s.sentBy, 'server');
    t.same(Object.keys(s.directions), ['reverse']);
    t.equal(s.verified, true, `${transport}: the client counted exactly what the server sent`);
    t.equal(s.sentBytesTotal, s.receivedBytesTotal);
    t.equal(s.directions.reverse.bytes, s.bytes);
    if (transport === 'tcp4') {
      // Read from the sockets themselves: the server's sent and the client's received.
      t.ok(s.tcpInfo.server.bytes_acked > 0.9 * s.sentBytesTotal, `server socket sent: bytes_acked ${s.tcpInfo.server.bytes_acked}`);
      t.ok(s.tcpInfo.client.bytes_received >= s.receivedBytesTotal, `client socket received: bytes_received ${s.tcpInfo.client.bytes_received}`);
      t.ok(s.tcpInfo.client.bytes_acked < 1000, 'the client socket sent nothing but its FIN');
    }
  }
  // Pacing caps the sender, which is the server now.
  const paced = (await post(app, '/v1/benchmarks', { transport: 'tcp4', ...short, direction: 'reverse', pacingRateBitsPerSecond: 500e6 })).json();
  t.match(option(paced.result.sockets.server, 'SO_MAX_PACING_RATE'), { requested: 62_500_000, effective: 62_500_000 });
  t.notOk(option(paced.result.sockets.client, 'SO_MAX_PACING_RATE'), 'not on the receiver');
  const bps = paced.result.summary.bitsPerSecond;
  t.ok(bps > 0.25e9 && bps < 0.55e9, `reverse paced to 500 Mbit/s: ${bps}`);
  t.equal(paced.result.summary.pacing.tcpInfoMaxPacingRateBitsPerSecond, 500e6, 'the server socket\'s tcpi_max_pacing_rate');
  const text = await app.inject({ method: 'GET', url: `/v1/benchmarks/${paced.id}`, headers: { accept: 'text/plain' } });
  t.match(text.body, /reverse {2}sent by server {2}/);
});

t.test('bidirectional: both at once on one connection, each direction exact, and their sum', async (t) => {
  const app = await build(t, ENV);
  const run = (await post(app, '/v1/benchmarks', { transport: 'tcp6', ...short, direction: 'bidirectional', streams: 2 })).json();
  t.equal(run.status, 'done', JSON.stringify(run.error));
  const s = run.result.summary;
  t.equal(s.sentBy, 'both');
  const { forward, reverse } = s.directions;
  t.same([forward.sentBy, reverse.sentBy], ['client', 'server']);
  for (const [name, d] of [['forward', forward], ['reverse', reverse]] as const) {
    t.equal(d.verified, true, `${name}: exact`);
    t.equal(d.sentBytesTotal, d.receivedBytesTotal, `${name}: ${d.sentBytesTotal} bytes each way`);
    t.ok(d.bytes > 0 && d.cpu.client !== null && d.cpu.server !== null, `${name}: ${d.bitsPerSecond} bit/s, CPU of both of its threads`);
  }
  t.equal(s.bytes, forward.bytes + reverse.bytes);
  t.equal(s.sentBytesTotal, forward.sentBytesTotal + reverse.sentBytesTotal);
  t.equal(s.bitsPerSecond, forward.bitsPerSecond + reverse.bitsPerSecond);
  const cpu = (u: { userMs: number; systemMs: number }) => u.userMs + u.systemMs;
  t.ok(Math.abs(cpu(s.cpu.client) - cpu(forward.cpu.client) - cpu(reverse.cpu.client)) < 0.01, 'a side\'s CPU is its two threads\'');
  t.ok(s.tcpInfo.client.bytes_received > 0 && s.tcpInfo.server.bytes_received > 0, 'both sockets received');
});

t.test('direction: 400s that name it, and a cancelled run releases everything', async (t) => {
  const app = await build(t, ENV);
  for (const body of [
    { transport: 'udp4', pattern: 'stream', direction: 'reverse' },
    { transport: 'tcp4', pattern: 'rr', direction: 'bidirectional' },
    { transport: 'tcp4', pattern: 'stream', direction: 'sideways' },
  ]) {
    const res = await post(app, '/v1/benchmarks', { ...body, durationMs: 100 });
    t.equal(res.statusCode, 400, res.body);
    t.equal(res.json().field, 'body.direction', res.json().message);
  }
  await app.close();

  const before = await openFds();
  const again = await build(t, ENV);
  for (const direction of ['reverse', 'bidirectional']) {
    const run = (await post(again, '/v1/benchmarks?wait=false', { transport: 'tcp4', pattern: 'stream', durationMs: 5000, warmupMs: 0, direction })).json();
    await new Promise((r) => setTimeout(r, 300));
    t.equal((await again.inject({ method: 'POST', url: `/v1/benchmarks/${run.id}/cancel` })).json().status, 'cancelled', direction);
  }
  await again.close();
  t.equal(busyWorkerCount(), 0);
  t.equal(await openFds(), before, 'every descriptor closed');
});
