import t from 'tap';
import { build, openFds } from '../helpers/build.js';
import { busyWorkerCount, workerThreadCount } from '../../src/bench/worker-pool.js';

// Short real runs through the real app. Figures are asserted only where the kernel makes them
// certain by a wide margin; speed targets live in `npm run bench`, not here.
const ENV = { SOCKBENCH_MAX_DURATION_MS: '20000', SOCKBENCH_QUEUE_LIMIT: '1' };
const post = (app: Awaited<ReturnType<typeof build>>, payload: object, query = '') =>
  app.inject({ method: 'POST', url: `/v1/benchmarks${query}`, payload });
const short = { durationMs: 150, warmupMs: 0 };

interface Report { name: string; requested: unknown; before: unknown; effective: unknown; connected?: unknown; end?: unknown; ok: boolean }
const find = (reports: Report[], name: string) => reports.find((r) => r.name === name)!;

t.test('every transport and pattern runs and reports its figures', async (t) => {
  const app = await build(t, ENV);
  const cases: Array<[string, string]> = [
    ['tcp4', 'stream'], ['tcp6', 'stream'], ['unix', 'stream'], ['udp4', 'stream'], ['udp6', 'stream'], ['unix-dgram', 'stream'],
    ['tcp4', 'rr'], ['tcp6', 'rr'], ['unix', 'rr'], ['udp4', 'rr'], ['udp6', 'rr'], ['unix-dgram', 'rr'], ['tcp4', 'crr'], ['tcp6', 'crr'],
  ];
  for (const [transport, pattern] of cases) {
    const res = await post(app, { transport, pattern, ...short });
    t.equal(res.statusCode, 200, `${transport} ${pattern}: ${res.body.slice(0, 300)}`);
    const run = res.json();
    t.equal(run.status, 'done');
    t.match(res.headers.location, new RegExp(`^/v1/benchmarks/${run.id}$`));
    const r = run.result.summary;
    if (pattern === 'stream' && transport.startsWith('udp') || transport === 'unix-dgram' && pattern === 'stream') {
      t.ok(r.sent > 0 && r.received > 0 && r.received <= r.sent, `${transport} datagrams counted`);
      t.equal(r.lost, r.sent - r.received);
    } else if (pattern === 'stream') {
      t.equal(r.verified, true, `${transport}: the receiver counted exactly what the sender sent`);
      t.ok(r.bitsPerSecond > 1e6, `${transport}: ${r.bitsPerSecond} bit/s`);
    } else {
      t.ok(r.transactions > 0, `${transport} ${pattern}: ${r.transactions} transactions`);
      const l = r.latencyMicros;
      t.ok(l.min > 0 && l.min <= l.p50 && l.p50 <= l.p99 && l.p99 <= l.max, `${transport} ${pattern} percentiles ordered`);
    }
    t.ok(r.cpu.client.userMs + r.cpu.client.systemMs > 0, 'client CPU measured');
    t.equal(run.result.repeats.length, 1);
    t.equal(r.tcpInfo === null, !transport.startsWith('tcp'), 'TCP_INFO for TCP only');
  }
});

t.test('effective options per side match getsockopt, at all three points; buffers always reported', async (t) => {
  const app = await build(t, ENV);
  const res = await post(app, { transport: 'tcp4', pattern: 'stream', ...short, repeats: 3, options: { both: { SO_SNDBUF: 65536 }, server: { SO_RCVBUF: 65536 }, client: [{ name: 'TCP_NODELAY', value: true }] } });
  const run = res.json();
  t.equal(run.status, 'done');
  const { client, server } = run.result.sockets as { client: Report[]; server: Report[] };
  t.match(find(client, 'SO_SNDBUF'), { requested: 65536, before: 16384, effective: 131072, connected: 131072, end: 131072 }, 'locked: never autotuned');
  t.match(find(server, 'SO_SNDBUF'), { requested: 65536, effective: 131072, connected: 131072, end: 131072 });
  t.match(find(server, 'SO_RCVBUF'), { requested: 65536, effective: 131072, connected: 131072, end: 131072 });
  const unset = find(client, 'SO_RCVBUF');
  t.equal(unset.requested, null, 'SO_RCVBUF reported although not set');
  t.equal(unset.before, 131072);
  t.match(find(client, 'TCP_NODELAY'), { requested: true, effective: true, end: true });
  t.equal(run.result.repeats.length, 3);
  const r = run.result.summary;
  t.ok(r.min.bitsPerSecond <= r.bitsPerSecond && r.bitsPerSecond <= r.max.bitsPerSecond, 'median between min and max');
  t.equal(run.progress.done, 3);
  t.equal(run.result.summary.tcpInfo.server.rcv_wscale, 1, 'SO_RCVBUF before listen() fixed the window scale (docs/kernel-facts.md §4)');
});

t.test('crr: the listener carries the server options, the client worker sets its own on every connection', async (t) => {
  const app = await build(t, ENV);
  const run = (await post(app, { transport: 'tcp4', pattern: 'crr', ...short, options: { both: { SO_LINGER: { onoff: 1, linger: 0 } } } })).json();
  t.equal(run.status, 'done', JSON.stringify(run.error));
  t.ok(run.result.summary.transactions > 0);
  t.match(find(run.result.sockets.server, 'SO_LINGER'), { effective: { onoff: 1, linger: 0 }, ok: true });
  t.match(find(run.result.sockets.client, 'SO_LINGER'), { requested: { onoff: 1, linger: 0 }, effective: null, note: /client worker on each of its connections/ });
});

t.test('streams: parallel pairs add up, each accounted; one failing stream fails the run and leaks nothing', async (t) => {
  const app = await build(t, ENV);
  const three = (await post(app, { transport: 'tcp4', pattern: 'stream', ...short, streams: 3 })).json();
  t.equal(three.status, 'done');
  t.equal(three.config.streams, 3);
  const r = three.result.summary;
  t.equal(r.verified, true, 'every stream verified');
  t.ok(r.sendCalls >= 3 && r.recvCalls >= 3);
  t.equal(r.sentBytesTotal, r.receivedBytesTotal, 'the sum over streams balances');
  t.ok(r.sentBytesTotal >= r.bytes && r.bytes > 0, 'the measured window is part of the totals');
  const rr = (await post(app, { transport: 'unix', pattern: 'rr', ...short, streams: 2 })).json();
  const l = rr.result.summary.latencyMicros;
  t.ok(rr.result.summary.transactions > 0 && l.min <= l.p50 && l.p50 <= l.p99 && l.p99 <= l.max, 'latency from the union of both streams');
  const udp = (await post(app, { transport: 'udp4', pattern: 'stream', durationMs: 400, warmupMs: 0, streams: 2, rateBitsPerSecond: 20e6 })).json().result.summary;
  const bits = udp.sent * 1472 * 8;
  t.ok(bits > 0.5 * 2 * 20e6 * 0.4 && bits < 1.5 * 2 * 20e6 * 0.4, `two paced streams send twice the rate: ${bits} bits in 0.4 s`);
  t.ok(Math.abs(udp.lossRatio - udp.lost / udp.sent) < 1e-6, 'loss ratio of the summed streams');
  const fds = await openFds();
  const failing = await post(app, { transport: 'tcp4', pattern: 'stream', ...short, streams: 4, options: { client: { SO_BINDTOIFINDEX: 9999 } } });
  t.equal(failing.statusCode, 422);
  t.match(failing.json().error, { code: 'SOCKBENCH_PAIR_SETUP_FAILED' });
  const cancelled = (await post(app, { transport: 'tcp4', pattern: 'stream', durationMs: 5000, warmupMs: 0, streams: 4 }, '?wait=false')).json();
  await new Promise((r) => setTimeout(r, 200));
  t.equal((await app.inject({ method: 'POST', url: `/v1/benchmarks/${cancelled.id}/cancel` })).json().status, 'cancelled');
  t.equal(busyWorkerCount(), 0);
  t.equal(await openFds(), fds);
});

t.test('known kernel effects, with generous margins', async (t) => {
  const app = await build(t, ENV);
  // Nagle + delayed ACK: a request in two writes waits for the ACK of the first (~40 ms on Linux).
  const nagle = (await post(app, { transport: 'tcp4', pattern: 'rr', durationMs: 400, warmupMs: 0, requestWrites: 2 })).json();
  const nodelay = (await post(app, { transport: 'tcp4', pattern: 'rr', durationMs: 400, warmupMs: 0, requestWrites: 2, options: { client: { TCP_NODELAY: true } } })).json();
  const slow = nagle.result.summary.latencyMicros.p50;
  const fast = nodelay.result.summary.latencyMicros.p50;
  t.ok(slow > 10000, `Nagle p50 ${slow} µs > 10 ms`);
  t.ok(fast < slow / 20, `TCP_NODELAY p50 ${fast} µs is far lower`);
  // A 2304-byte UDP receive buffer cannot keep up with an unpaced sender on loopback.
  const tiny = (await post(app, { transport: 'udp4', pattern: 'stream', durationMs: 300, warmupMs: 0, options: { server: { SO_RCVBUF: 1 } } })).json();
  t.equal(find(tiny.result.sockets.server, 'SO_RCVBUF').effective, 2304);
  t.ok(tiny.result.summary.lossRatio > 0.05, `loss ${tiny.result.summary.lossRatio} with SO_RCVBUF 2304`);
  // A paced UDP sender sends about rate × time.
  const paced = (await post(app, { transport: 'udp4', pattern: 'stream', durationMs: 500, warmupMs: 0, rateBitsPerSecond: 50e6 })).json();
  const sentBits = paced.result.summary.sent * 1472 * 8;
  t.ok(sentBits > 0.5 * 50e6 * 0.5 && sentBits < 1.5 * 50e6 * 0.5, `paced at 50 Mbit/s: sent ${sentBits} bits in 0.5 s`);
});

t.test('limits answer 400 naming the field', async (t) => {
  const app = await build(t, ENV);
  const bad = async (payload: object, field: string, message: RegExp) => {
    const res = await post(app, payload);
    t.equal(res.statusCode, 400, res.body);
    t.match(res.json(), { field, message });
  };
  await bad({ transport: 'tcp4', pattern: 'stream', durationMs: 30000 }, 'body.durationMs', /more than the limit of 20000 ms \(SOCKBENCH_MAX_DURATION_MS\)/);
  await bad({ transport: 'tcp4', pattern: 'stream', repeats: 21 }, 'body.repeats', /must be <= 20/);
  await bad({ transport: 'udp4', pattern: 'crr' }, 'body.pattern', /crr needs a TCP transport/);
  await bad({ transport: 'udp4', pattern: 'stream', messageSize: 70000 }, 'body.messageSize', /messageSize must be an integer from 8 to 65507/);
  await bad({ transport: 'tcp4', pattern: 'stream', messageSize: 17 * 2 ** 20 }, 'body.messageSize', /must be <= 16777216/);
  await bad({ transport: 'tcp4', pattern: 'bulk' }, 'body.pattern', /must be one of: stream, rr, crr/);
  await bad({ transport: 'tcp4', pattern: 'stream', streams: 17 }, 'body.streams', /must be <= 16/);
  await bad({ transport: 'tcp4', pattern: 'stream', stream: 2 }, 'body', /unknown property "stream"/);
  await bad({ transport: 'tcp4', pattern: 'stream', options: { client: { SO_NOPE: 1 } } }, 'body.options.client.SO_NOPE', /unknown option "SO_NOPE"/);
  await bad({ transport: 'tcp4', pattern: 'rr', rateBitsPerSecond: 1000 }, 'body.rateBitsPerSecond', /paces a stream/);
});

t.test('queue: one at a time, bounded, 429 with Retry-After; cancel at every stage', async (t) => {
  const app = await build(t, ENV);
  const long = { transport: 'tcp4', pattern: 'stream', durationMs: 10000, warmupMs: 0 };
  const first = await post(app, long, '?wait=false');
  t.equal(first.statusCode, 202);
  t.match(first.json(), { status: 'running' });
  const second = await post(app, long, '?wait=false');
  t.match(second.json(), { status: 'queued', queuePosition: 1 });
  const third = await post(app, long, '?wait=false');
  t.equal(third.statusCode, 429);
  t.match(third.json(), { code: 'SOCKBENCH_QUEUE_FULL' });
  t.ok(Number(third.headers['retry-after']) >= 10, `Retry-After ${third.headers['retry-after']}`);

  const queued = await app.inject({ method: 'POST', url: `/v1/benchmarks/${second.json().id}/cancel` });
  t.match(queued.json(), { status: 'cancelled', startedAt: null });
  const t0 = Date.now();
  const running = await app.inject({ method: 'POST', url: `/v1/benchmarks/${first.json().id}/cancel` });
  t.match(running.json(), { status: 'cancelled' });
  t.ok(Date.now() - t0 < 3000, `a running benchmark stops promptly (${Date.now() - t0} ms)`);
  const done = await post(app, { transport: 'unix', pattern: 'rr', ...short });
  t.equal(done.json().status, 'done', 'the queue is free again');
  const gone = await app.inject({ method: 'DELETE', url: `/v1/benchmarks/${done.json().id}` });
  t.equal(gone.statusCode, 204);
  t.equal((await app.inject(`/v1/benchmarks/${done.json().id}`)).statusCode, 404);
  t.match((await app.inject('/v1/benchmarks/nope')).json(), { code: 'SOCKBENCH_RUN_NOT_FOUND' });
});

t.test('GET shows progress; text/plain gives a summary', async (t) => {
  const app = await build(t, ENV);
  const started = (await post(app, { transport: 'tcp4', pattern: 'stream', durationMs: 200, warmupMs: 0, repeats: 2 }, '?wait=false')).json();
  const polled = (await app.inject(`/v1/benchmarks/${started.id}`)).json();
  t.match(polled, { id: started.id, progress: { total: 2 } });
  t.ok(['queued', 'running'].includes(polled.status));
  await app.runs.registry.waitFor(started.id);
  const text = await app.inject({ url: `/v1/benchmarks/${started.id}`, headers: { accept: 'text/plain' } });
  t.match(text.body, new RegExp(`^${started.id}  done  tcp4 stream  200 ms x 2`));
  t.match(text.body, /\nthroughput \d+\.\d+ Gbit\/s \(min .* max .*\) +\d+ bytes +verified true\n/);
  t.match(text.body, /\nSIDE +OPTION +REQUESTED +BEFORE +EFFECTIVE +CONNECTED +END +OK\n/);
});

t.test('a failing run answers 422 with the reason, and frees the queue', async (t) => {
  const app = await build(t, ENV);
  // SO_BINDTOIFINDEX accepts any index without checking; connect() then fails with ENODEV.
  const res = await post(app, { transport: 'tcp4', pattern: 'stream', ...short, options: { client: { SO_BINDTOIFINDEX: 9999 } } });
  t.equal(res.statusCode, 422);
  t.match(res.json(), { status: 'failed', error: { code: 'SOCKBENCH_PAIR_SETUP_FAILED', message: /connect failed with ENODEV/ } });
  t.equal((await post(app, { transport: 'udp4', pattern: 'rr', ...short })).json().status, 'done');
});

t.test('closing the app (SIGTERM) cancels the waiting run and answers its client', async (t) => {
  const app = await build(t, ENV);
  const pending = post(app, { transport: 'tcp4', pattern: 'stream', durationMs: 10000, warmupMs: 0 });
  while (!app.runs.registry.busy) await new Promise((r) => setTimeout(r, 10));
  const t0 = Date.now();
  await app.close();
  const res = await pending;
  t.equal(res.statusCode, 409);
  t.equal(res.json().status, 'cancelled');
  // well before the 10 s run would have ended; the margin is for side workers still loading from source on a busy machine
  t.ok(Date.now() - t0 < 7000, 'closed well before the run would have ended');
  t.equal(busyWorkerCount(), 0);
  t.equal(workerThreadCount(), 0, 'closing the app ends the idle workers it kept too');
});

t.test('a client that disconnects cancels its run', async (t) => {
  const app = await build(t, ENV);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const abort = new AbortController();
  const request = fetch(`${url}/v1/benchmarks`, {
    method: 'POST', signal: abort.signal, headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ transport: 'tcp4', pattern: 'stream', durationMs: 10000, warmupMs: 0 }),
  }).catch((err: Error) => err);
  while (!app.runs.registry.busy) await new Promise((r) => setTimeout(r, 10));
  abort.abort();
  t.match(await request, { name: 'AbortError' });
  const t0 = Date.now();
  while (app.runs.registry.busy && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
  t.notOk(app.runs.registry.busy, 'the run ended soon after the client left');
});

t.test('many runs of mixed kinds, cancelled and failing ones included, leak no descriptor and no worker', async (t) => {
  const app = await build(t, ENV);
  await post(app, { transport: 'tcp4', pattern: 'rr', durationMs: 20, warmupMs: 0 });
  const fds = await openFds();
  const kinds = [
    { transport: 'tcp4', pattern: 'stream' }, { transport: 'udp6', pattern: 'stream' }, { transport: 'unix', pattern: 'rr' },
    { transport: 'tcp6', pattern: 'crr' }, { transport: 'unix-dgram', pattern: 'rr' },
    { transport: 'tcp4', pattern: 'stream', options: { client: { SO_BINDTOIFINDEX: 9999 } } },
    // The data paths: a zerocopy ring, a sendfile memfd, GSO/GRO, requests in flight, background streams.
    { transport: 'tcp4', pattern: 'stream', sendMode: 'zerocopy' }, { transport: 'tcp6', pattern: 'stream', sendMode: 'sendfile' },
    { transport: 'udp4', pattern: 'stream', gso: true, gro: true }, { transport: 'tcp4', pattern: 'rr', inFlight: 8 },
    { transport: 'tcp4', pattern: 'rr', background: { streams: 1 } },
  ];
  const statuses: Record<string, number> = {};
  for (let i = 0; i < 200; i++) {
    const kind = kinds[i % kinds.length];
    if (i % 10 === 9) {
      const run = (await post(app, { ...kind, durationMs: 5000, warmupMs: 0 }, '?wait=false')).json();
      await new Promise((r) => setTimeout(r, i % 20 === 9 ? 0 : 30));
      await app.inject({ method: 'POST', url: `/v1/benchmarks/${run.id}/cancel` });
      statuses.cancelled = (statuses.cancelled ?? 0) + 1;
      continue;
    }
    const run = (await post(app, { ...kind, durationMs: 20, warmupMs: 0 })).json();
    statuses[run.status] = (statuses[run.status] ?? 0) + 1;
  }
  // 180 runs to the end, 16 of them the failing kind.
  t.ok(statuses.done >= 150 && statuses.failed >= 14 && statuses.cancelled === 20, JSON.stringify(statuses));
  t.equal(busyWorkerCount(), 0, 'no worker is still busy');
  t.equal(await openFds(), fds, 'every descriptor closed');
});
