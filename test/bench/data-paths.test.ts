import t from 'tap';
import { LEVELS, OPTNAMES, setsockopt } from '../../native-bindings/index.js';
import { runBenchmark } from '../../src/bench/engine.js';
import { BenchConfigError } from '../../src/bench/errors.js';
import { resolveBenchConfig, zerocopyRing } from '../../src/bench/config.js';
import { busyWorkerCount } from '../../src/bench/worker-pool.js';
import type { BenchConfig, EngineOptions, RunResult } from '../../src/bench/types.js';
import { openFds } from '../helpers/build.js';

// The data paths of a stream (sendMode, gso, gro) and rr with several requests in flight,
// through the real engine on loopback. Short runs; margins are wide: other work shares the CPUs.
const SHORT = { durationMs: 200, warmupMs: 50 };
const workerExecArgv = process.execArgv.filter((arg) => !/@tapjs[/\\](processinfo|mock)/.test(arg));

function run(config: BenchConfig, options: EngineOptions = {}): Promise<RunResult> {
  return runBenchmark(config, { workerExecArgv, ...options });
}

for (const transport of ['tcp4', 'tcp6'] as const) {
  t.test(`${transport} zerocopy: every send's completion counted, loopback copies them all`, async (t) => {
    const r = await run({ transport, pattern: 'stream', sendMode: 'zerocopy', messageSize: 65536, ...SHORT });
    const s = r.stream!;
    t.ok(s.verified, 'the receiver counted exactly what was sent');
    const z = s.zerocopy!;
    t.ok(z.sends > 0, `${z.sends} zerocopy sends`);
    t.equal(z.completed, z.sends, 'every send completed by the end');
    t.equal(z.unconfirmed, 0);
    t.equal(z.copied, z.completed, 'loopback copies every zerocopy send (SO_EE_CODE_ZEROCOPY_COPIED)');
    t.ok(z.notifications > 0 && z.notifications <= z.completed, `${z.notifications} notifications for ${z.completed} sends`);
    t.equal(z.ringBuffers, zerocopyRing(65536));
    t.equal(z.sends * 65536, s.sentBytesTotal, 'each send took its whole buffer');
    t.type(s.cpuMsPerGigabyte.client, 'number');
    t.type(s.cpuMsPerGigabyte.server, 'number');
  });
}

t.test('udp4 zerocopy: datagrams from the ring carry their own sequence numbers; every send completes', async (t) => {
  const r = await run({ transport: 'udp4', pattern: 'stream', sendMode: 'zerocopy', messageSize: 8192, rateBitsPerSecond: 200e6, ...SHORT });
  const d = r.datagram!;
  t.ok(d.sent > 0 && d.received > 0 && d.received <= d.sent, `${d.received} of ${d.sent} received`);
  t.equal(d.reordered, 0, 'sequence numbers in order: no buffer was rewritten while the kernel held it');
  const z = r.datagram!.zerocopy!;
  t.ok(z.sends > 0);
  t.equal(z.completed, z.sends);
  t.equal(z.unconfirmed, 0);
});

t.test('zerocopy with a ring of four large buffers waits for completions and still accounts for every byte', async (t) => {
  const r = await run({ transport: 'tcp4', pattern: 'stream', sendMode: 'zerocopy', messageSize: 16 * 1024 * 1024, ...SHORT });
  const z = r.stream!.zerocopy!;
  t.equal(z.ringBuffers, 4, '64 MiB of ring in 16 MiB buffers');
  t.equal(z.completed, z.sends);
  t.ok(r.stream!.verified);
});

for (const transport of ['tcp4', 'unix'] as const) {
  t.test(`${transport} sendfile from a memfd: byte accounting exact`, async (t) => {
    const size = 100_003;
    const r = await run({ transport, pattern: 'stream', sendMode: 'sendfile', messageSize: size, ...SHORT });
    const s = r.stream!;
    t.ok(s.verified, 'drained to end of file');
    t.equal(s.receivedBytesTotal, s.sentBytesTotal, 'received exactly what sendfile sent');
    t.ok(s.sentBytesTotal > size, `${s.sentBytesTotal} bytes sent`);
    t.equal(s.zerocopy, null);
    t.type(s.cpuMsPerGigabyte.client, 'number');
  });
}

for (const transport of ['udp4', 'udp6'] as const) {
  t.test(`${transport} gso: one send carries many datagrams, each counted by sequence number`, async (t) => {
    const r = await run({ transport, pattern: 'stream', gso: true, messageSize: 1400, rateBitsPerSecond: 200e6, ...SHORT });
    const d = r.datagram!;
    t.equal(d.gsoSegmentsPerSend, 46, '46 datagrams of 1400 bytes fit in one UDP payload');
    t.equal(d.sent, d.sendCalls * 46, 'datagrams sent = sends × segments');
    t.ok(d.received > 0 && d.received <= d.sent, `${d.received} of ${d.sent} received`);
    t.ok(d.recvCalls >= d.received, 'without gro every datagram is a read of its own');
    t.equal(d.gro, null);
  });

  t.test(`${transport} gso + gro: the receiver reads the sends whole and counts their segments and sizes`, async (t) => {
    const r = await run({ transport, pattern: 'stream', gso: true, gro: true, messageSize: 1000, rateBitsPerSecond: 200e6, ...SHORT });
    const d = r.datagram!;
    const g = d.gro!;
    t.equal(d.gsoSegmentsPerSend, 64, 'at most 64 segments per send');
    t.ok(g.coalesced > 0, `${g.coalesced} coalesced reads`);
    t.ok(g.segments >= 64 * g.coalesced, `${g.segments} segments in ${g.receives} reads`);
    t.same(Object.keys(g.segmentSizes), ['1000'], 'every segment had gso_size 1000');
    t.equal(g.segmentSizes['1000'], g.segments);
    t.ok(d.recvCalls * 10 < d.received, `${d.recvCalls} reads for ${d.received} datagrams`);
    t.equal(d.lost, d.sent - d.received);
  });
}

t.test('gro alone on loopback: no sender GSO, so no coalescing, and every datagram is a segment', async (t) => {
  const r = await run({ transport: 'udp4', pattern: 'stream', gro: true, messageSize: 1472, rateBitsPerSecond: 50e6, ...SHORT });
  const g = r.datagram!.gro!;
  t.ok(g.segments > 0);
  t.equal(g.coalesced, 0, 'loopback does not coalesce separate sends');
  t.equal(g.segmentSizes['1472'], g.segments);
});

t.test('inFlight keeps several requests outstanding and raises transactions per second', async (t) => {
  // Each request in two writes (Nagle on): a lone request waits for the delayed ACK, about 40 ms
  // per transaction. With 16 in flight the waits are shared, so the gain is set by the kernel's
  // timers, not by how much CPU this busy host leaves the test (it is about 35x here).
  const base = { transport: 'tcp4' as const, pattern: 'rr' as const, durationMs: 500, warmupMs: 100, requestWrites: 2 };
  const one = await run(base);
  const many = await run({ ...base, inFlight: 16 });
  t.equal(one.rr!.inFlight, 1);
  t.equal(many.rr!.inFlight, 16);
  t.ok(many.rr!.transactionsPerSecond! > one.rr!.transactionsPerSecond! * 5,
    `16 in flight: ${many.rr!.transactionsPerSecond} transactions/s, one: ${one.rr!.transactionsPerSecond}`);
  t.ok(one.rr!.latencyMicros.p50! > 10_000, `a lone request waits for the delayed ACK (p50 ${one.rr!.latencyMicros.p50} µs)`);
});

t.test('inFlight over unix and udp4 answers every request', async (t) => {
  for (const transport of ['unix', 'udp4'] as const) {
    const r = await run({ transport, pattern: 'rr', inFlight: 4, ...SHORT });
    t.ok(r.rr!.transactions > 0, `${transport}: ${r.rr!.transactions} transactions`);
    t.notOk(r.forcedEnd, `${transport}: ended on time`);
  }
});

t.test('every new field has limits and names itself in errors', async (t) => {
  const bad: Array<[Partial<BenchConfig>, string, RegExp]> = [
    [{ sendMode: 'splice' as never }, 'sendMode', /copy, zerocopy, sendfile/],
    [{ sendMode: 'zerocopy', transport: 'unix' }, 'sendMode', /AF_UNIX refuses SO_ZEROCOPY/],
    [{ sendMode: 'zerocopy', transport: 'udp4', gso: true }, 'sendMode', /zerocopy with gso/],
    [{ sendMode: 'sendfile', transport: 'udp4' }, 'sendMode', /stream transport/],
    [{ sendMode: 'zerocopy', pattern: 'rr' }, 'sendMode', /pattern stream/],
    [{ gso: true }, 'gso', /udp4 and udp6 streams/],
    [{ gso: 'yes' as never, transport: 'udp4' }, 'gso', /true or false/],
    [{ gso: true, transport: 'udp4', messageSize: 40000 }, 'gso', /at most 32753/],
    [{ gro: true, transport: 'udp6', pattern: 'rr' }, 'gro', /udp4 and udp6 streams/],
    [{ inFlight: 2 }, 'inFlight', /pattern rr/],
    [{ inFlight: 0, pattern: 'rr' }, 'inFlight', /from 1 to 256/],
    [{ inFlight: 257, pattern: 'rr' }, 'inFlight', /from 1 to 256/],
    [{ inFlight: 100, pattern: 'rr', messageSize: 1024 }, 'inFlight', /at most 64/],
    [{ background: { streams: 1 } }, 'background', /pattern rr/],
    [{ background: { streams: 9 }, pattern: 'rr' }, 'background.streams', /from 1 to 8/],
    [{ background: { direction: 'sideways' as never }, pattern: 'rr' }, 'background.direction', /forward/],
    [{ background: { messageSize: 0 }, pattern: 'rr' }, 'background.messageSize', /from 1 to/],
  ];
  for (const [patch, field, message] of bad) {
    const config = { transport: 'tcp4', pattern: 'stream', durationMs: 100, ...patch } as BenchConfig;
    const err = t.throws(() => resolveBenchConfig(config), BenchConfigError, JSON.stringify(patch)) as unknown as BenchConfigError;
    t.equal(err.field, field, `${JSON.stringify(patch)} names ${field}`);
    t.match(err.message, message);
  }
  const ok = resolveBenchConfig({ transport: 'tcp4', pattern: 'rr', durationMs: 100, inFlight: 8, background: {} });
  t.same([ok.sendMode, ok.gso, ok.gro, ok.inFlight, ok.background], ['copy', false, false, 8, { streams: 1, direction: 'forward', messageSize: 131072 }]);
});

t.test('cancel closes every descriptor and thread in the new modes', async (t) => {
  const before = await openFds();
  const modes: BenchConfig[] = [
    { transport: 'tcp4', pattern: 'stream', sendMode: 'zerocopy', durationMs: 5000 },
    { transport: 'tcp4', pattern: 'stream', sendMode: 'sendfile', durationMs: 5000 },
    { transport: 'udp4', pattern: 'stream', gso: true, gro: true, durationMs: 5000 },
    { transport: 'tcp4', pattern: 'rr', inFlight: 8, durationMs: 5000 },
  ];
  for (const config of modes) {
    const ac = new AbortController();
    const running = run({ ...config, warmupMs: 0 }, { signal: ac.signal, onStarted: () => setTimeout(() => ac.abort(), 100) });
    await t.rejects(running, { name: 'AbortError' }, `${JSON.stringify(config)}: cancelled`);
  }
  t.equal(busyWorkerCount(), 0, 'every worker handed back');
  t.equal(await openFds(), before, 'no descriptor left open (sockets, memfd)');
});

t.test('a forced end (a side past the deadline) releases everything in the new modes', async (t) => {
  const before = await openFds();
  const cork = (role: string, fd: number) => { if (role === 'server') setsockopt(fd, LEVELS.IPPROTO_TCP, OPTNAMES.IPPROTO_TCP.TCP_CORK, Buffer.from([1, 0, 0, 0])); };
  // TCP_CORK on the server holds each small response for 200 ms, long past this deadline.
  const rr = await runBenchmark({ transport: 'tcp4', pattern: 'rr', inFlight: 4, durationMs: 60 }, { workerExecArgv, hooks: { afterConnect: cork } }, { endGraceMs: 1 });
  t.equal(rr.forcedEnd, true, 'inFlight: ended by force');
  // 16 MiB sends outlast a 1 ms grace: the end usually comes in the middle of one.
  for (const sendMode of ['zerocopy', 'sendfile'] as const) {
    const r = await runBenchmark({ transport: 'tcp4', pattern: 'stream', sendMode, messageSize: 16 * 1024 * 1024, durationMs: 100 }, { workerExecArgv }, { endGraceMs: 1 });
    t.ok(r.stream!.sentBytesTotal > 0, `${sendMode}: ${r.forcedEnd ? 'forced end' : 'ended in time'}`);
    if (sendMode === 'zerocopy') t.equal(r.stream!.zerocopy!.completed + r.stream!.zerocopy!.unconfirmed, r.stream!.zerocopy!.sends, 'every send completed or counted as unconfirmed');
  }
  t.equal(busyWorkerCount(), 0);
  t.equal(await openFds(), before);
});
