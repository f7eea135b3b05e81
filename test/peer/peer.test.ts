import t, { type Test } from 'tap';
import { connect as tcpConnect, type Socket } from 'node:net';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import type { FastifyInstance } from 'fastify';
import { build, openFds } from '../helpers/build.js';
import { busyWorkerCount } from '../../src/bench/worker-pool.js';
import { threadAffinity } from '../../native-bindings/index.js';
import { EventStream } from '../helpers/sse.js';

// Peer benchmarks between two real instances in this process, over real listening ports on
// loopback: instance A runs the client side, instance B (its peer) the server side. The same
// flows between two network namespaces are in test/netns/peer.test.ts.

const TOKEN = 'peer-test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
const json = { 'content-type': 'application/json', ...auth };

async function listening(app: FastifyInstance, host = '127.0.0.1'): Promise<string> {
  await app.listen({ host, port: 0 });
  const { port } = app.server.address() as { port: number };
  return host.includes(':') ? `http://[${host}]:${port}` : `http://${host}:${port}`;
}

/** B listening, and A allowed to use it (by its IPv4 and IPv6 loopback URLs). */
async function pair(t: Test, envA: Record<string, string> = {}, envB: Record<string, string> = {}) {
  const b = await build(t, { SOCKBENCH_TOKEN: TOKEN, SOCKBENCH_DATA_PORTS: '5301-5332', SOCKBENCH_MAX_EVENT_LOOP_DELAY_MS: '0', ...envB });
  const bUrl = await listening(b, '::');
  const port = new URL(bUrl).port;
  const peer4 = `http://127.0.0.1:${port}`;
  const peer6 = `http://[::1]:${port}`;
  const a = await build(t, { SOCKBENCH_TOKEN: TOKEN, SOCKBENCH_PEERS: `${peer4},${peer6}`, SOCKBENCH_MAX_EVENT_LOOP_DELAY_MS: '0', ...envA });
  return { a, b, peer4, peer6 };
}

async function settledFds(expected: number): Promise<number> {
  let fds = await openFds();
  for (let i = 0; i < 50 && fds !== expected; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    fds = await openFds();
  }
  return fds;
}

const bench = (a: FastifyInstance, body: Record<string, unknown>, query = '') =>
  a.inject({ method: 'POST', url: `/v1/benchmarks${query}`, headers: json, payload: body });

t.test('tcp4 and udp4, stream and rr, across two instances: one answer with both sides', async (t) => {
  const { a, peer4 } = await pair(t);
  const fdsBefore = await openFds();

  const stream = await bench(a, {
    transport: 'tcp4', pattern: 'stream', durationMs: 300, warmupMs: 50, peer: peer4,
    options: { client: { SO_SNDBUF: 65536 }, server: { SO_RCVBUF: 65536 } },
  });
  t.equal(stream.statusCode, 200, stream.body.slice(0, 300));
  const s = stream.json();
  t.equal(s.status, 'done');
  t.ok(s.result.summary.bitsPerSecond > 0, `receiver-side throughput from the peer: ${s.result.summary.bitsPerSecond}`);
  t.equal(s.result.summary.verified, true, 'what the peer received equals what this side sent');
  const server = s.result.sockets.server.find((o: { name: string }) => o.name === 'SO_RCVBUF');
  const client = s.result.sockets.client.find((o: { name: string }) => o.name === 'SO_SNDBUF');
  t.equal(server.effective, 131072, 'the peer applied the server-side option (doubled by its kernel)');
  t.equal(client.effective, 131072, 'this side applied the client-side option');
  t.ok(s.result.summary.tcpInfo.server && s.result.summary.tcpInfo.client, 'TCP_INFO of both sides');
  t.ok(s.result.summary.cpu.server && s.result.summary.cpu.client, 'CPU of both sides');
  t.equal(s.result.peer.url, peer4);
  t.ok(s.result.peer.host.kernel, 'the peer\'s host facts');

  const rr = (await bench(a, { transport: 'tcp4', pattern: 'rr', durationMs: 300, warmupMs: 50, peer: peer4 })).json();
  t.equal(rr.status, 'done');
  t.ok(rr.result.summary.transactions > 100, `${rr.result.summary.transactions} transactions`);
  t.ok(rr.result.summary.latencyMicros.p50 > 0);

  const udp = (await bench(a, { transport: 'udp4', pattern: 'stream', durationMs: 300, warmupMs: 50, peer: peer4, rateBitsPerSecond: 50e6 })).json();
  t.equal(udp.status, 'done', JSON.stringify(udp.error));
  const d = udp.result.summary;
  t.ok(d.sent > 100, `${d.sent} datagrams sent in the window`);
  t.ok(d.received > 0.9 * d.sent && d.received <= d.sent, `the peer counted ${d.received} of them in the same window (in-band boundary)`);

  const udpRr = (await bench(a, { transport: 'udp4', pattern: 'rr', durationMs: 300, warmupMs: 50, peer: peer4 })).json();
  t.equal(udpRr.status, 'done', JSON.stringify(udpRr.error));
  t.ok(udpRr.result.summary.transactions > 100);

  t.equal(busyWorkerCount(), 0, 'no worker left busy on either side');
  // The peer closes its end of each HTTP exchange when it sees this side's FIN: let that arrive.
  t.equal(await settledFds(fdsBefore), fdsBefore, 'every descriptor of both sides is closed');
});

t.test('intervals across hosts: the client cuts them, the peer follows on its own clock', async (t) => {
  const { a, peer4 } = await pair(t);
  const res = (await bench(a, { transport: 'tcp4', pattern: 'stream', durationMs: 500, warmupMs: 100, intervalMs: 100, peer: peer4 })).json();
  t.equal(res.status, 'done', JSON.stringify(res.error));
  const intervals = res.result.intervals as Array<{ bytes: number | null; startMs: number }>;
  t.ok(intervals.length >= 4 && intervals.length <= 6, `${intervals.length} intervals of 100 ms in 500 ms`);
  t.ok(intervals.filter((i) => typeof i.bytes === 'number' && i.bytes > 0).length >= intervals.length - 1, 'the peer counted bytes in (nearly) every interval');
});

t.test('intervals across hosts, live: rr samples stream over SSE as the client closes them; a stream\'s come with the result', async (t) => {
  const { a, peer4 } = await pair(t);
  const base = await listening(a);
  const sse = async (id: string) => {
    const s = await EventStream.open(`${base}/v1/benchmarks/${id}/events`, auth);
    if (!(s instanceof EventStream)) throw new Error(JSON.stringify(s));
    t.teardown(() => s.destroy());
    return s;
  };
  const post = async (body: Record<string, unknown>) => (await a.inject({ method: 'POST', url: '/v1/benchmarks?wait=false', headers: json, payload: body })).json();
  for (const pattern of ['rr', 'stream']) {
    // Queued behind a local run until its event stream is open: no interval can be missed.
    const blocker = await post({ transport: 'unix', pattern: 'stream', durationMs: 10000, warmupMs: 0 });
    const run = await post({ transport: 'tcp4', pattern, durationMs: 600, warmupMs: 0, intervalMs: 100, peer: peer4 });
    t.equal(run.status, 'queued');
    const s = await sse(run.id);
    await s.next((e) => e.event === 'state');
    await a.inject({ method: 'POST', url: `/v1/benchmarks/${blocker.id}/cancel`, headers: auth });
    const end = await s.next((e) => e.event === 'end', 10000);
    t.equal(end.data.status, 'done', JSON.stringify(end.data.error));
    const final = end.data.result.intervals as Array<Record<string, unknown>>;
    const live = s.events.filter((e) => e.event === 'interval');
    t.ok(final.length >= 2, `${pattern}: ${final.length} intervals in the result`);
    if (pattern === 'rr') {
      t.equal(live.length, final.length, 'every rr interval was sent live');
      live.forEach((e, i) => {
        const { repeat, stream, index, ...sample } = e.data;
        t.same([repeat, stream, index], [0, 0, i]);
        t.same(sample, final[i], `rr interval ${i} is the result's`);
      });
      t.ok(end.at - live[0].at >= 150, `the first came ${Math.round(end.at - live[0].at)} ms before end: live`);
    } else {
      t.equal(live.length, 0, 'a stream\'s intervals are counted by the peer\'s receiver: none live');
      t.ok(final.filter((i) => typeof i.bytes === 'number').length >= final.length - 1, 'they are in the result, with the peer\'s bytes');
    }
  }
});

t.test('tcp6 through the peer\'s IPv6 URL, with repeats', async (t) => {
  const { a, peer6, peer4 } = await pair(t);
  const res = (await bench(a, { transport: 'tcp6', pattern: 'stream', durationMs: 200, warmupMs: 0, repeats: 2, peer: peer6 })).json();
  t.equal(res.status, 'done', JSON.stringify(res.error));
  t.equal(res.result.repeats.length, 2);
  const wrongFamily = await bench(a, { transport: 'tcp6', pattern: 'stream', durationMs: 200, peer: peer4 });
  t.equal(wrongFamily.statusCode, 400);
  t.match(wrongFamily.json(), { code: 'SOCKBENCH_INVALID_VALUE', field: 'body.peer', message: /IPv4 address and tcp6 needs IPv6/ });
});

t.test('affinity across hosts: the client side is pinned here, the server side on the peer, which checks its own CPUs', async (t) => {
  const { a, peer4 } = await pair(t);
  const cpus = threadAffinity();
  const [first, last] = [cpus[0], cpus[cpus.length - 1]];
  const res = (await bench(a, { transport: 'tcp4', pattern: 'rr', durationMs: 150, warmupMs: 0, peer: peer4, affinity: { client: first, server: last } })).json();
  t.equal(res.status, 'done', JSON.stringify(res.error));
  t.same(res.result.summary.cpus, { client: [first], server: [last] }, 'each side reports the mask its own kernel holds');
  // The server CPU is the peer's to judge: this host does not refuse it, the peer does.
  const offline = Math.max(...cpus) + 1;
  const far = await bench(a, { transport: 'tcp4', pattern: 'rr', durationMs: 150, peer: peer4, affinity: { server: offline } });
  t.equal(far.statusCode, 422, far.body.slice(0, 300));
  t.match(far.json().error, { code: 'SOCKBENCH_PEER_REJECTED', message: new RegExp(`body.affinity.server: CPU ${offline} is not one this service may run on`) });
  const near = await bench(a, { transport: 'tcp4', pattern: 'rr', durationMs: 150, peer: peer4, affinity: { client: offline } });
  t.match(near.json(), { code: 'SOCKBENCH_INVALID_VALUE', field: 'body.affinity.client' });
});

t.test('what a peer run refuses before anything starts', async (t) => {
  const { a, peer4 } = await pair(t);
  const refused = async (body: Record<string, unknown>, status: number, code: string, field?: string) => {
    const res = await bench(a, { durationMs: 100, peer: peer4, ...body });
    t.equal(res.statusCode, status, `${JSON.stringify(body)}: ${res.body.slice(0, 200)}`);
    t.match(res.json(), { code, ...(field ? { field } : {}) });
  };
  await refused({ transport: 'tcp4', pattern: 'stream', peer: 'http://10.9.9.9:8080' }, 403, 'SOCKBENCH_PEER_NOT_ALLOWED', 'body.peer');
  await refused({ transport: 'tcp4', pattern: 'stream', peer: 'file:///etc/passwd' }, 403, 'SOCKBENCH_PEER_NOT_ALLOWED', 'body.peer');
  await refused({ transport: 'unix', pattern: 'stream' }, 400, 'SOCKBENCH_INVALID_VALUE', 'body.transport');
  await refused({ transport: 'udp4', pattern: 'crr' }, 400, 'SOCKBENCH_INVALID_VALUE', 'body.pattern');
  await refused({ transport: 'udp4', pattern: 'stream', streams: 2 }, 400, 'SOCKBENCH_INVALID_VALUE', 'body.streams');
  await refused({ transport: 'tcp4', pattern: 'crr', streams: 2 }, 400, 'SOCKBENCH_INVALID_VALUE', 'body.streams');
  await refused({ transport: 'udp4', pattern: 'stream', messageSize: 8 }, 400, 'SOCKBENCH_INVALID_VALUE', 'body.messageSize');
});

t.test('an unreachable peer is a 502 with a stable code; a busy one a 409 with Retry-After', async (t) => {
  // Nothing listens there (fetch refuses the well-known low ports outright).
  const closed = 'http://127.0.0.1:59999';
  const a = await build(t, { SOCKBENCH_PEERS: closed, SOCKBENCH_MAX_EVENT_LOOP_DELAY_MS: '0' });
  const res = await bench(a, { transport: 'tcp4', pattern: 'stream', durationMs: 100, peer: closed });
  t.equal(res.statusCode, 502);
  t.match(res.json(), { status: 'failed', error: { code: 'SOCKBENCH_PEER_UNREACHABLE', message: /did not answer .*ECONNREFUSED/ } });

  const { a: a2, b, peer4 } = await pair(t);
  const local = await b.inject({ method: 'POST', url: '/v1/benchmarks?wait=false', headers: json, payload: { transport: 'unix', pattern: 'rr', durationMs: 1500, warmupMs: 0 } });
  t.equal(local.statusCode, 202);
  const busy = await bench(a2, { transport: 'tcp4', pattern: 'rr', durationMs: 100, peer: peer4 });
  t.equal(busy.statusCode, 409);
  t.match(busy.json(), { status: 'failed', error: { code: 'SOCKBENCH_PEER_BUSY', message: /busy/ } });
  t.ok(Number(busy.headers['retry-after']) >= 1, `Retry-After: ${busy.headers['retry-after']}`);
});

t.test('a peer with another token refuses the session; the answer says to align SOCKBENCH_TOKEN', async (t) => {
  const { a, peer4 } = await pair(t, { SOCKBENCH_TOKEN: 'another-token-0123456789' });
  const res = await a.inject({ method: 'POST', url: '/v1/benchmarks', headers: { ...json, authorization: 'Bearer another-token-0123456789' }, payload: { transport: 'tcp4', pattern: 'rr', durationMs: 100, peer: peer4 } });
  t.equal(res.statusCode, 502);
  t.match(res.json(), { error: { code: 'SOCKBENCH_PEER_FAILED', message: /same SOCKBENCH_TOKEN/ } });
});

/** A session opened on B directly, as A would. */
async function session(b: FastifyInstance, body: Record<string, unknown>) {
  const res = await b.inject({ method: 'POST', url: '/v1/peer/sessions', headers: json, payload: body });
  return { res, created: res.json() as { id: string; port: number; key: string } };
}

/** A raw TCP connection to a data port; the peer resets the ones it refuses, which is no test failure. */
function dial(port: number): Socket {
  return tcpConnect(port, '127.0.0.1').on('error', () => undefined);
}

async function closedByPeer(socket: Socket): Promise<number> {
  const t0 = Date.now();
  // Not events.once: it would reject on the reset's 'error', which comes before 'close'.
  await new Promise((resolve) => socket.once('close', resolve));
  return Date.now() - t0;
}

t.test('data connections: a wrong key, no key or a replayed key are closed and counted', async (t) => {
  const { b } = await pair(t);
  const { res, created } = await session(b, { transport: 'tcp4', pattern: 'stream', durationMs: 200, warmupMs: 0 });
  t.equal(res.statusCode, 201, res.body);
  t.ok(created.port >= 5301 && created.port <= 5332, `port ${created.port} from SOCKBENCH_DATA_PORTS`);
  t.match(res.headers.location, `/v1/peer/sessions/${created.id}`);

  const wrong = dial(created.port);
  wrong.write(Buffer.alloc(32, 7));
  t.ok(await closedByPeer(wrong) < 1000, 'a wrong key is closed at once');

  const silent = dial(created.port);
  const silentMs = await closedByPeer(silent);
  t.ok(silentMs >= 1500 && silentMs < 5000, `a connection that sends nothing is closed after ${silentMs} ms`);

  const good = dial(created.port);
  await once(good, 'connect');
  good.write(Buffer.from(created.key, 'hex'));
  await new Promise((resolve) => setTimeout(resolve, 100)); // the session has taken it by now
  const replay = dial(created.port);
  await once(replay, 'connect');
  replay.write(Buffer.from(created.key, 'hex'));
  t.ok(await closedByPeer(replay) < 2000, 'the same key again, once the session has its connection: closed');
  good.end();
  const end = await b.inject({ method: 'POST', url: `/v1/peer/sessions/${created.id}/finish`, headers: auth });
  t.equal(end.statusCode, 200);
  t.equal(end.json().status, 'done', 'the session with the right key ran');
  good.destroy();

  const metrics = (await b.inject({ method: 'GET', url: '/metrics', headers: auth })).body;
  t.match(metrics, /sockbench_peer_rejected_connections_total\{reason="wrong-key"\} 1/);
  t.match(metrics, /sockbench_peer_rejected_connections_total\{reason="no-key"\} 1/);
  t.match(metrics, /sockbench_peer_rejected_connections_total\{reason="replayed"\} 1/);
});

t.test('streams: one key, a data connection per stream; one more with the key is a replay, refused and counted', async (t) => {
  const { b } = await pair(t);
  const { res, created } = await session(b, { transport: 'tcp4', pattern: 'stream', durationMs: 200, warmupMs: 0, streams: 3 });
  t.equal(res.statusCode, 201, res.body);
  const key = Buffer.from(created.key, 'hex');
  const wrong = dial(created.port);
  wrong.write(Buffer.alloc(32, 5));
  t.ok(await closedByPeer(wrong) < 1000, 'a wrong key is closed');
  const good = [dial(created.port), dial(created.port), dial(created.port)];
  await Promise.all(good.map((s) => once(s, 'connect')));
  // Read while connected: a closed socket has no local port any more.
  const ports = good.map((s) => s.localPort!);
  good.forEach((s, i) => s.write(Buffer.concat([key, Buffer.alloc(1000 * (i + 1), i)])));
  await new Promise((resolve) => setTimeout(resolve, 100)); // the session has all three by now
  const replay = dial(created.port);
  await once(replay, 'connect');
  replay.write(key);
  t.ok(await closedByPeer(replay) < 2000, 'a fourth connection with the key, once the session has its three: closed');
  for (const s of good) s.end();
  const end = await b.inject({ method: 'POST', url: `/v1/peer/sessions/${created.id}/finish`, headers: auth });
  const outcome = end.json();
  t.equal(outcome.status, 'done', JSON.stringify(outcome.error));
  t.same(outcome.result.streams.map((x: { clientPort: number }) => x.clientPort).sort(), [...ports].sort(), 'a stream per connection, known by the client\'s port');
  for (const [i, port] of ports.entries()) {
    const mine = outcome.result.streams.find((x: { clientPort: number }) => x.clientPort === port);
    t.equal(mine.report.totalBytes, 1000 * (i + 1), `stream ${i}: the server counted what that connection sent after the key`);
  }
  for (const s of good) s.destroy();
  const metrics = (await b.inject({ method: 'GET', url: '/metrics', headers: auth })).body;
  t.match(metrics, /sockbench_peer_rejected_connections_total\{reason="wrong-key"\} 1/);
  t.match(metrics, /sockbench_peer_rejected_connections_total\{reason="replayed"\} 1/);
});

t.test('silent connections do not hold up the one with the key: each is checked side by side', async (t) => {
  const { b } = await pair(t);
  const { created } = await session(b, { transport: 'tcp4', pattern: 'rr', durationMs: 200, warmupMs: 0 });
  const silent = [dial(created.port), dial(created.port), dial(created.port)];
  await Promise.all(silent.map((s) => once(s, 'connect')));
  await new Promise((resolve) => setTimeout(resolve, 50)); // the session has accepted them and is waiting on them
  const t0 = Date.now();
  const good = dial(created.port);
  await once(good, 'connect');
  good.write(Buffer.from(created.key, 'hex'));
  // The session takes the good connection within a poll or two, and only then closes the silent ones.
  await Promise.all(silent.map(closedByPeer));
  t.ok(Date.now() - t0 < 1000, `the silent ones were closed ${Date.now() - t0} ms after the key arrived (taken then), not after their own 2 s`);
  // The good connection is the session's: one request of 64 bytes gets its 64-byte answer.
  good.write(Buffer.alloc(64, 1));
  const [answer] = await once(good, 'data') as [Buffer];
  t.equal(answer.length, 64, 'the session answers on the connection that had the key');
  good.end();
  const end = (await b.inject({ method: 'POST', url: `/v1/peer/sessions/${created.id}/finish`, headers: auth })).json();
  t.equal(end.status, 'done');
  good.destroy();
  const metrics = (await b.inject({ method: 'GET', url: '/metrics', headers: auth })).body;
  t.match(metrics, /sockbench_peer_rejected_connections_total\{reason="no-key"\} 3/);

  // At most 64 connections are heard at once: a flood evicts its own oldest, long before their 2 s are up.
  const flood = (await session(b, { transport: 'tcp4', pattern: 'rr', durationMs: 200, warmupMs: 0 })).created;
  const t1 = Date.now();
  const conns: Socket[] = [];
  const closedAt: Array<Promise<number>> = [];
  for (let i = 0; i < 66; i++) {
    const c = dial(flood.port);
    conns.push(c);
    closedAt.push(new Promise((resolve) => c.once('close', () => resolve(Date.now() - t1))));
    // The listen backlog is small; connected ones are taken off it every 5 ms.
    if (i % 3 === 2) await new Promise((resolve) => setTimeout(resolve, 15));
  }
  const firstTwo = await Promise.all(closedAt.slice(0, 2));
  t.ok(Math.max(...firstTwo) < 1500, `the two oldest of 66 silent connections closed after ${firstTwo.join(', ')} ms`);
  for (const c of conns) c.destroy();
  await b.inject({ method: 'DELETE', url: `/v1/peer/sessions/${flood.id}`, headers: auth });
});

t.test('a UDP session connects to the datagram that carries the key and acknowledges it', async (t) => {
  const { b } = await pair(t);
  const { created } = await session(b, { transport: 'udp4', pattern: 'stream', durationMs: 200, warmupMs: 0, messageSize: 64 });
  const sock = createSocket('udp4');
  t.teardown(() => sock.close());
  sock.connect(created.port, '127.0.0.1');
  await once(sock, 'connect');
  sock.send(Buffer.alloc(32, 1));
  sock.send(Buffer.from(created.key, 'hex'));
  const [ack] = await once(sock, 'message') as [Buffer];
  t.equal(ack.toString(), 'sockbench-peer-ack');
  const end = (await b.inject({ method: 'POST', url: `/v1/peer/sessions/${created.id}/finish`, headers: auth })).json();
  t.equal(end.status, 'done', 'ended by finish: the receiver drained and stopped');
  const metrics = (await b.inject({ method: 'GET', url: '/metrics', headers: auth })).body;
  t.match(metrics, /sockbench_peer_rejected_connections_total\{reason="wrong-key"\} 1/);
});

t.test('sessions end by themselves: no connection in time, cancelled, or unknown', async (t) => {
  const { b } = await pair(t, {}, { SOCKBENCH_PEER_TIMEOUT_MS: '300' });
  const { created } = await session(b, { transport: 'tcp4', pattern: 'rr', durationMs: 200 });
  const ended = (await b.inject({ method: 'POST', url: `/v1/peer/sessions/${created.id}/finish`, headers: auth })).json();
  t.match(ended, { status: 'failed', error: { code: 'SOCKBENCH_PEER_SESSION_ENDED', message: /client ended the session|within 300 ms/ } });

  const second = await session(b, { transport: 'tcp4', pattern: 'rr', durationMs: 200 });
  const cancelled = await b.inject({ method: 'DELETE', url: `/v1/peer/sessions/${second.created.id}`, headers: auth });
  t.equal(cancelled.json().status, 'cancelled');
  const again = await session(b, { transport: 'tcp4', pattern: 'rr', durationMs: 200 });
  t.equal(again.res.statusCode, 201, 'the data port and the run slot were freed');
  await b.inject({ method: 'DELETE', url: `/v1/peer/sessions/${again.created.id}`, headers: auth });

  const timedOut = await session(b, { transport: 'udp4', pattern: 'rr', durationMs: 200 });
  await new Promise((resolve) => setTimeout(resolve, 400));
  const view = (await b.inject({ method: 'GET', url: `/v1/peer/sessions/${timedOut.created.id}`, headers: auth })).json();
  t.match(view, { status: 'failed', error: { code: 'SOCKBENCH_PEER_SESSION_ENDED', message: /within 300 ms \(SOCKBENCH_PEER_TIMEOUT_MS\)/ } });

  for (const [method, url] of [['GET', '/v1/peer/sessions/nope'], ['POST', '/v1/peer/sessions/nope/finish'], ['DELETE', '/v1/peer/sessions/nope']] as const) {
    const res = await b.inject({ method, url, headers: auth });
    t.equal(res.statusCode, 404, `${method} ${url}`);
    t.equal(res.json().code, 'SOCKBENCH_RUN_NOT_FOUND');
  }
  const nested = await b.inject({ method: 'POST', url: '/v1/peer/sessions', headers: json, payload: { transport: 'tcp4', pattern: 'rr', peer: 'http://127.0.0.1:1' } });
  t.match(nested.json(), { statusCode: 400, field: 'body.peer' });
});

t.test('a busy host answers a session request with 409 and Retry-After; a full port range with 503', async (t) => {
  const { b } = await pair(t, {}, { SOCKBENCH_DATA_PORTS: '5333' });
  const first = await session(b, { transport: 'tcp4', pattern: 'rr', durationMs: 200 });
  t.equal(first.res.statusCode, 201);
  const busy = await session(b, { transport: 'tcp4', pattern: 'rr', durationMs: 200 });
  t.equal(busy.res.statusCode, 409);
  t.equal(busy.res.json().code, 'SOCKBENCH_PEER_BUSY');
  t.ok(Number(busy.res.headers['retry-after']) >= 1);
  await b.inject({ method: 'DELETE', url: `/v1/peer/sessions/${first.created.id}`, headers: auth });

  const { createServer } = await import('node:net');
  const holder = createServer();
  holder.listen(5333, '0.0.0.0');
  await once(holder, 'listening');
  t.teardown(() => holder.close());
  const full = await session(b, { transport: 'tcp4', pattern: 'rr', durationMs: 200 });
  t.equal(full.res.statusCode, 503);
  t.match(full.res.json(), { code: 'SOCKBENCH_PEER_NO_PORT', message: /SOCKBENCH_DATA_PORTS \(5333\)/ });
});

t.test('crr across instances: every connection opens with the key; one that does not is refused and counted', async (t) => {
  const { a, b, peer4 } = await pair(t);
  const fdsBefore = await openFds();
  const res = (await bench(a, { transport: 'tcp4', pattern: 'crr', durationMs: 300, warmupMs: 50, peer: peer4, options: { client: { TCP_NODELAY: true } } })).json();
  t.equal(res.status, 'done', JSON.stringify(res.error));
  const r = res.result.summary;
  t.ok(r.transactions > 20, `${r.transactions} connections, each a transaction`);
  t.ok(r.tcpInfo.client, 'TCP_INFO of the client\'s last connection');
  t.match(res.result.sockets.client, [{ name: 'TCP_NODELAY', note: /each of its connections/ }]);
  t.ok(res.result.sockets.server.some((o: { name: string }) => o.name === 'SO_RCVBUF'), 'the listener\'s options from the peer');
  t.equal(await settledFds(fdsBefore), fdsBefore, 'every descriptor of both sides is closed');

  const { created } = await session(b, { transport: 'tcp4', pattern: 'crr', durationMs: 200, warmupMs: 0 });
  const wrong = dial(created.port);
  wrong.write(Buffer.alloc(32, 9));
  t.ok(await closedByPeer(wrong) < 1000, 'a connection with a wrong key is closed');
  const right = dial(created.port);
  right.write(Buffer.concat([Buffer.from(created.key, 'hex'), Buffer.alloc(64)]));
  const [answer] = await once(right, 'data') as [Buffer];
  t.equal(answer.length, 64, 'one with the key gets its response');
  right.end();
  const end = (await b.inject({ method: 'POST', url: `/v1/peer/sessions/${created.id}/finish`, headers: auth })).json();
  t.equal(end.status, 'done', JSON.stringify(end.error));
  const metrics = (await b.inject({ method: 'GET', url: '/metrics', headers: auth })).body;
  t.match(metrics, /sockbench_peer_rejected_connections_total\{reason="wrong-key"\} 1/);

  // Silent connections do not hold up the ones with the key: the worker hears them side by side.
  const second = (await session(b, { transport: 'tcp4', pattern: 'crr', durationMs: 2000, warmupMs: 0 })).created;
  const silent = [dial(second.port), dial(second.port)];
  await Promise.all(silent.map((c) => once(c, 'connect')));
  await new Promise((resolve) => setTimeout(resolve, 50));
  const silentClosed = silent.map(closedByPeer);
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    const c = dial(second.port);
    c.write(Buffer.concat([Buffer.from(second.key, 'hex'), Buffer.alloc(64)]));
    const [reply] = await once(c, 'data') as [Buffer];
    t.equal(reply.length, 64);
    t.ok(Date.now() - t0 < 500, `transaction ${i} answered in ${Date.now() - t0} ms beside two silent connections`);
    c.end();
    await new Promise((resolve) => c.once('close', resolve));
  }
  const closedAfter = await Promise.all(silentClosed);
  t.ok(closedAfter.every((ms) => ms >= 1500), `the silent ones were closed after their own 2 s (${closedAfter.join(', ')} ms)`);
  const done = (await b.inject({ method: 'POST', url: `/v1/peer/sessions/${second.id}/finish`, headers: auth })).json();
  t.equal(done.status, 'done', JSON.stringify(done.error));
  t.match(done.result.report, { rejected: 0, silent: 2 }, 'the peer\'s side reports them as silent, not as wrong keys');
  const after = (await b.inject({ method: 'GET', url: '/metrics', headers: auth })).body;
  t.match(after, /sockbench_peer_rejected_connections_total\{reason="no-key"\} 2/);
});

/** A peer that misbehaves: a real HTTP server answering each route as `answer` says. */
async function fakePeer(t: Test, answer: (method: string, url: string) => { status: number; body: string }) {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const { status, body } = answer(req.method!, req.url!);
      res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const a = await build(t, { SOCKBENCH_PEERS: url, SOCKBENCH_PEER_TIMEOUT_MS: '300' });
  return { a, url };
}

t.test('a peer that answers wrongly fails the run with a code and a message that say what went wrong', async (t) => {
  const cases: Array<[string, Record<string, unknown>, (method: string, url: string) => { status: number; body: string }, number, string, RegExp]> = [
    ['refuses the settings', { transport: 'tcp4', pattern: 'rr' }, () => ({ status: 400, body: '{"message":"body.messageSize: too big"}' }), 422, 'SOCKBENCH_PEER_REJECTED', /refused the session: body.messageSize: too big/],
    ['fails', { transport: 'tcp4', pattern: 'rr' }, () => ({ status: 500, body: '{"code":"SOCKBENCH_INTERNAL","message":"oops"}' }), 502, 'SOCKBENCH_PEER_FAILED', /could not open a session \(500 SOCKBENCH_INTERNAL\): oops/],
    ['is not sockbench', { transport: 'tcp4', pattern: 'rr' }, () => ({ status: 200, body: '<html>' }), 502, 'SOCKBENCH_PEER_FAILED', /not JSON; is a sockbench listening there/],
    ['gives no key', { transport: 'tcp4', pattern: 'rr' }, () => ({ status: 201, body: '{"id":"x","port":5201}' }), 502, 'SOCKBENCH_PEER_FAILED', /without a 32-byte key and a port/],
    ['gives a port nobody listens on', { transport: 'tcp4', pattern: 'rr' }, () => ({ status: 201, body: JSON.stringify({ id: 'x', port: 59998, key: 'ab'.repeat(32) }) }), 502, 'SOCKBENCH_PEER_UNREACHABLE', /data connection to 127.0.0.1:59998 failed: ECONNREFUSED/],
    ['never acknowledges the UDP key', { transport: 'udp4', pattern: 'rr' }, () => ({ status: 201, body: JSON.stringify({ id: 'x', port: 59998, key: 'ab'.repeat(32) }) }), 502, 'SOCKBENCH_PEER_UNREACHABLE', /did not acknowledge the session key within 300 ms/],
  ];
  for (const [what, body, answer, status, code, message] of cases) {
    const calls: string[] = [];
    const { a, url } = await fakePeer(t, (method, path) => {
      calls.push(`${method} ${path}`);
      return method === 'POST' && path === '/v1/peer/sessions' ? answer(method, path) : { status: 200, body: '{}' };
    });
    const res = await a.inject({ method: 'POST', url: '/v1/benchmarks', payload: { ...body, durationMs: 100, peer: url } });
    t.equal(res.statusCode, status, `a peer that ${what}: ${status}`);
    t.match(res.json().error, { code, message }, what);
    if (status === 502 && code === 'SOCKBENCH_PEER_UNREACHABLE') {
      await new Promise((resolve) => setTimeout(resolve, 50));
      t.ok(calls.includes('DELETE /v1/peer/sessions/x'), `${what}: the session on the peer is cancelled`);
    }
  }
});

t.test('a peer whose side did not finish fails the run, naming why', async (t) => {
  const { a, url } = await fakePeer(t, (method, path) => {
    if (path.endsWith('/finish')) return { status: 200, body: JSON.stringify({ status: 'failed', error: { code: 'SOCKBENCH_RUN_FAILED', message: 'server side failed: ECONNRESET' } }) };
    return { status: 201, body: JSON.stringify({ id: 'x', port: 59997, key: 'cd'.repeat(32) }) };
  });
  // A UDP peer "session" that is only a socket echoing the ack, so that the client side runs.
  const { createSocket: udp } = await import('node:dgram');
  const sock = udp('udp4');
  sock.bind(59997, '127.0.0.1');
  await once(sock, 'listening');
  t.teardown(() => sock.close());
  sock.on('message', (msg, from) => { if (msg.length === 32) sock.send(Buffer.from('sockbench-peer-ack'), from.port, from.address); });
  // rr: no response ever comes, so the client is ended by force past its deadline, then asks the peer to finish.
  const t0 = Date.now();
  const res = await a.inject({ method: 'POST', url: '/v1/benchmarks', payload: { transport: 'udp4', pattern: 'rr', durationMs: 100, warmupMs: 0, peer: url } });
  t.ok(Date.now() - t0 < 6000, `the stalled client side was ended by force after ${Date.now() - t0} ms`);
  t.equal(res.statusCode, 502);
  t.match(res.json().error, { code: 'SOCKBENCH_PEER_FAILED', message: /side of the run did not finish: server side failed: ECONNRESET/ });
});

t.test('a peer named by host name is reached at the address the name has for the transport', async (t) => {
  const b = await build(t, { SOCKBENCH_DATA_PORTS: '5341-5350' });
  const port = new URL(await listening(b, '127.0.0.1')).port;
  const byName = `http://localhost:${port}`;
  const a = await build(t, { SOCKBENCH_PEERS: byName });
  const res = (await a.inject({ method: 'POST', url: '/v1/benchmarks', payload: { transport: 'tcp4', pattern: 'rr', durationMs: 100, warmupMs: 0, peer: byName } })).json();
  t.equal(res.status, 'done', JSON.stringify(res.error));
  const none = await a.inject({ method: 'POST', url: '/v1/benchmarks', payload: { transport: 'tcp4', pattern: 'rr', durationMs: 100, peer: 'http://LOCALHOST:' + port + '/' } });
  t.equal(none.json().status, 'done', 'any spelling of the listed base URL is the same peer');
});

t.test('cancelling a peer run ends both sides at once', async (t) => {
  const { a, b, peer4 } = await pair(t);
  const started = await bench(a, { transport: 'tcp4', pattern: 'stream', durationMs: 20_000, warmupMs: 0, peer: peer4 }, '?wait=false');
  const id = started.json().id;
  let sessions: Array<{ id: string; status: string }> = [];
  for (let i = 0; i < 100 && !sessions.some((s) => s.status === 'running'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    sessions = b.runs.store.listRuns({ kind: 'peer', limit: 10, offset: 0 }).documents as typeof sessions;
    const live = b.runs.registry.get(sessions[0]?.id ?? '');
    if (live) sessions = [live];
  }
  const t0 = Date.now();
  const cancelled = (await a.inject({ method: 'POST', url: `/v1/benchmarks/${id}/cancel`, headers: auth })).json();
  t.equal(cancelled.status, 'cancelled');
  t.ok(Date.now() - t0 < 3000, `cancelled in ${Date.now() - t0} ms`);
  let far = b.runs.registry.get(sessions[0].id);
  for (let i = 0; i < 100 && far?.finishedAt === null; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    far = b.runs.registry.get(sessions[0].id);
  }
  t.not(far?.status, 'running', `the peer's session ended too (${far?.status})`);
  t.equal(busyWorkerCount(), 0);
});
