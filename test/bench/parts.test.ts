import t from 'tap';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { isDatagram, isTcp, patternApplies, resolveBenchConfig } from '../../src/bench/config.js';
import { Control, PHASE, STOP } from '../../src/bench/control.js';
import { BenchWorkerError } from '../../src/bench/errors.js';
import { LatencyRecorder } from '../../src/bench/histogram.js';
import { LiveIntervals } from '../../src/bench/live-intervals.js';
import type { SideInterval, SideReport } from '../../src/bench/protocol.js';
import { assembleResult, mergeIntervals, ratio } from '../../src/bench/results.js';
import { sideWorkerUrl } from '../../src/bench/worker-pool.js';
import { requestPieces } from '../../src/bench/workers/io.js';

// The engine's parts that need no thread: config, histogram, shared control, result assembly.

t.test('config defaults per pattern and transport', async (t) => {
  t.match(resolveBenchConfig({ transport: 'tcp4', pattern: 'stream', durationMs: 100 }), {
    messageSize: 131072, responseSize: 0, requestWrites: 1, warmupMs: 0, rateBitsPerSecond: 0, intervalMs: null,
  });
  t.match(resolveBenchConfig({ transport: 'udp6', pattern: 'stream', durationMs: 100 }), { messageSize: 1472 });
  t.match(resolveBenchConfig({ transport: 'unix', pattern: 'rr', durationMs: 100, messageSize: 100 }), { messageSize: 100, responseSize: 100 });
  t.match(resolveBenchConfig({ transport: 'tcp6', pattern: 'crr', durationMs: 100, responseSize: 1, requestWrites: 64, intervalMs: 0 }), {
    messageSize: 64, responseSize: 1, requestWrites: 64, intervalMs: null,
  });
  t.equal(patternApplies('unix', 'crr'), false);
  t.equal(isDatagram('unix-dgram'), true);
  t.equal(isTcp('udp4'), false);
});

t.test('config refusals name the field and say what is allowed', async (t) => {
  const refuse = (config: object, field: string, message: RegExp) =>
    t.throws(() => resolveBenchConfig(config as never), { name: 'BenchConfigError', field, message });
  refuse({ transport: 'sctp', pattern: 'rr', durationMs: 1 }, 'transport', /one of tcp4/);
  refuse({ transport: 'tcp4', pattern: 'bulk', durationMs: 1 }, 'pattern', /one of stream, rr, crr/);
  refuse({ transport: 'unix', pattern: 'crr', durationMs: 1 }, 'pattern', /needs a TCP transport/);
  refuse({ transport: 'tcp4', pattern: 'rr', durationMs: 1.5 }, 'durationMs', /integer from 1/);
  refuse({ transport: 'udp4', pattern: 'stream', durationMs: 1, messageSize: 4 }, 'messageSize', /from 8 to 65507/);
  refuse({ transport: 'udp6', pattern: 'rr', durationMs: 1, responseSize: 65528 }, 'responseSize', /to 65527/);
  refuse({ transport: 'tcp4', pattern: 'rr', durationMs: 1, messageSize: 2, requestWrites: 3 }, 'requestWrites', /from 1 to 2/);
  refuse({ transport: 'tcp4', pattern: 'stream', durationMs: 1, requestWrites: 2 }, 'requestWrites', /from 1 to 1/);
  refuse({ transport: 'udp4', pattern: 'stream', durationMs: 1, rateBitsPerSecond: -1 }, 'rateBitsPerSecond', />= 0/);
  refuse({ transport: 'udp4', pattern: 'stream', durationMs: 100, intervalMs: 5 }, 'intervalMs', /from 10 to 100/);
});

t.test('latency recorder: exact extremes, ordered percentiles, HdrHistogram encoding', async (t) => {
  const rec = new LatencyRecorder();
  t.same(rec.summary(), { min: null, mean: null, p50: null, p90: null, p99: null, p999: null, max: null, stdev: null });
  t.equal(rec.encode(), null);
  for (let i = 1; i <= 1000; i++) rec.record(i * 1000); // 1 µs .. 1000 µs
  rec.record(0.2); // sub-ns values count as 1 ns
  rec.record(5e9); // 5 s: past 2^32 ns
  const s = rec.summary();
  t.equal(s.min, 0.001);
  t.equal(s.max, 5_000_000);
  t.ok(Math.abs(s.p50! - 500) / 500 < 0.002, `p50 ${s.p50}`);
  t.ok(Math.abs(s.p99! - 990) / 990 < 0.002, `p99 ${s.p99}`);
  t.ok(s.min! <= s.p50! && s.p50! <= s.p90! && s.p90! <= s.p99! && s.p99! <= s.p999! && s.p999! <= s.max!);
  t.ok(s.stdev! > 0);
  const decoded = decodeFromCompressedBase64(rec.encode()!);
  t.equal(decoded.totalCount, 1002);
  t.ok(Math.abs(decoded.getValueAtPercentile(50) - 500_000) / 500_000 < 0.002, 'the encoded histogram holds the same values');
  rec.reset();
  t.equal(rec.count, 0);
  rec.record(42_000);
  t.match(rec.summary(), { min: 42, p50: 42, max: 42, stdev: 0 });
  rec.reset();
  for (const us of [10, 20, 30]) rec.record(us * 1000);
  t.match(rec.summary(), { mean: 20, stdev: 8.165 }, 'population standard deviation');
});

t.test('control: phases, stop levels, boundary, published fds', async (t) => {
  const main = Control.create();
  const worker = new Control(main.buffer);
  t.equal(worker.phase, PHASE.INIT);
  t.equal(worker.boundary(), Infinity);
  main.publishBoundary(2 ** 40 + 7);
  t.equal(worker.boundary(), 2 ** 40 + 7, 'boundaries past 2^32 survive');
  main.requestStop(STOP.ABORT);
  main.requestStop(STOP.END);
  t.equal(worker.stop, STOP.ABORT, 'a stop never goes down a level');
  worker.waitForGo();
  const t0 = performance.now();
  worker.sleep(1000);
  t.ok(performance.now() - t0 < 100, 'sleep returns at once once stopped');

  const fresh = Control.create();
  const shut: number[] = [];
  fresh.shutdownPublished('client', (fd) => shut.push(fd));
  t.same(shut, [], 'nothing published: nothing shut down');
  fresh.publishFd('server', 42);
  fresh.shutdownPublished('server', (fd) => shut.push(fd));
  t.same(shut, [42]);
  new Control(fresh.buffer).retractFd('server', 42);
  fresh.publishFd('client', 7);
  new Control(fresh.buffer).retractFd('client', 7);
  fresh.shutdownPublished('client', (fd) => shut.push(fd));
  t.same(shut, [42], 'a retracted fd is never shut down');
});

t.test('request pieces split as evenly as they come', async (t) => {
  t.same(requestPieces(Buffer.alloc(10), 10, 3).map((b) => b.length), [4, 3, 3]);
  t.same(requestPieces(Buffer.alloc(64), 64, 1).map((b) => b.length), [64]);
});

t.test('the worker entry resolves next to the engine, with its extension', async (t) => {
  t.match(sideWorkerUrl().pathname, /\/src\/bench\/workers\/side\.ts$/);
});

t.test('worker errors keep their libc details', async (t) => {
  const err = new BenchWorkerError('server', { name: 'SysError', message: 'recv: ECONNRESET', syscall: 'recv', code: 'ECONNRESET', errno: 104 });
  t.match(err, { side: 'server', syscall: 'recv', code: 'ECONNRESET', errno: 104, message: 'The server side failed: recv: ECONNRESET' });
  t.equal(new BenchWorkerError('client', { name: 'Error', message: 'x' }).syscall, undefined);
});

const report = (over: Partial<SideReport>): SideReport => ({
  role: 'client', cpu: null, totalBytes: 0, windowNs: null, windowBytes: 0, windowCalls: 0, eof: false,
  datagrams: 0, reordered: 0, transactions: 0, latency: null, histogram: null, intervals: [], tcpInfo: null, ...over,
});
const facts = { nudged: false, forcedEnd: false, tcpInfo: null };

t.test('ratio and results never hold NaN or Infinity', async (t) => {
  t.equal(ratio(1, 0), null);
  t.equal(ratio(1, null), null);
  t.equal(ratio(1, Number.MIN_VALUE), null);
  t.equal(ratio(3, 2), 1.5);
  const config = resolveBenchConfig({ transport: 'udp4', pattern: 'stream', durationMs: 100 });
  const empty = assembleResult(config, report({}), report({ role: 'server' }), facts);
  t.match(empty.datagram, { sent: 0, received: 0, lost: 0, lossRatio: null, seconds: null, bitsPerSecond: null });
  t.same(empty.cpu, { client: null, server: null });
  t.equal(empty.tcpInfo, null);
  const stream = assembleResult(resolveBenchConfig({ transport: 'tcp4', pattern: 'stream', durationMs: 100 }),
    report({ totalBytes: 10, windowBytes: 5, windowNs: 1e9, cpu: { userMs: 1.23456, systemMs: 2, waitMs: 0.1234 } }),
    report({ role: 'server', totalBytes: 10, windowBytes: 5, windowNs: 0, eof: true }), { ...facts, tcpInfo: { client: null, server: null } });
  t.match(stream.stream, { bytes: 5, seconds: null, bitsPerSecond: null, senderBitsPerSecond: 40, verified: true });
  t.same(stream.cpu.client, { userMs: 1.235, systemMs: 2, waitMs: 0.123 });
  t.same(stream.tcpInfo, { client: null, server: null });
  const forced = assembleResult(resolveBenchConfig({ transport: 'unix', pattern: 'stream', durationMs: 100 }),
    report({ totalBytes: 10 }), report({ role: 'server', totalBytes: 10, eof: true }), { ...facts, forcedEnd: true });
  t.equal(forced.stream!.verified, false, 'a forced end is never verified');
  t.equal(forced.tcpInfo, null);
});

t.test('intervals merge by index; a server that missed an edge leaves nulls', async (t) => {
  const interval = (index: number, over: Partial<SideInterval> = {}): SideInterval => ({
    index, startNs: index * 1e8, endNs: (index + 1) * 1e8, bytes: 1000, calls: 1, datagrams: 0, transactions: 0, ...over,
  });
  const udp = resolveBenchConfig({ transport: 'udp4', pattern: 'stream', durationMs: 300, intervalMs: 100 });
  const merged = mergeIntervals(udp, [interval(0, { datagrams: 5 }), interval(1, { datagrams: 6 })], [interval(1, { datagrams: 6, startNs: 0 })]);
  t.same(merged[0], { startMs: 0, endMs: 100, bytes: null, bitsPerSecond: null, sent: 5, received: null });
  t.same(merged[1], { startMs: 100, endMs: 200, bytes: 1000, bitsPerSecond: 40000, sent: 6, received: 6 });
  const rr = resolveBenchConfig({ transport: 'tcp4', pattern: 'rr', durationMs: 300, intervalMs: 100 });
  const [sample] = mergeIntervals(rr, [interval(0, { transactions: 10, tcpInfo: null })], []);
  t.same(sample, { startMs: 0, endMs: 100, transactions: 10, transactionsPerSecond: 100, tcpInfo: null });
});

t.test('live intervals: each merged as in the result, in order, once both sides have closed it', async (t) => {
  const interval = (index: number, over: Partial<SideInterval> = {}): SideInterval => ({
    index, startNs: index * 1e8, endNs: (index + 1) * 1e8, bytes: 1000 * (index + 1), calls: 1, datagrams: index, transactions: 0, ...over,
  });
  const udp = resolveBenchConfig({ transport: 'udp4', pattern: 'stream', durationMs: 500, intervalMs: 100 });
  const client = [0, 1, 2, 3, 4].map((i) => interval(i));
  // The server missed the edge of 2 (it merged 2 and 3 into 3) and ended one index past the client.
  const server = [interval(0), interval(1), interval(3, { startNs: 2e8 }), interval(5)];
  const delivered: [number, unknown][] = [];
  const live = new LiveIntervals(udp, (sample, index) => { delivered.push([index, sample]); });
  live.fromServer(server[0]);
  t.same(delivered, [], 'nothing before the client has closed the interval');
  live.fromClient(client[0]);
  live.fromClient(client[1]);
  t.same(delivered.map(([i]) => i), [0], 'the client alone is not enough');
  live.fromServer(server[1]);
  live.fromClient(client[2]);
  live.fromClient(client[3]);
  t.same(delivered.map(([i]) => i), [0, 1]);
  live.fromServer(server[2]);
  t.same(delivered.map(([i]) => i), [0, 1, 2, 3], 'a later server index settles the one it skipped');
  live.fromClient(client[4]);
  live.fromServer(server[3]);
  t.same(delivered.map(([i]) => i), [0, 1, 2, 3, 4]);
  t.same(delivered.map(([, s]) => s), mergeIntervals(udp, client, server), 'the same samples as the result');

  const rr = resolveBenchConfig({ transport: 'tcp4', pattern: 'rr', durationMs: 300, intervalMs: 100 });
  const seen: number[] = [];
  const failing = new LiveIntervals(rr, (_sample, index) => { seen.push(index); throw new Error('consumer gone'); });
  failing.fromClient(interval(0, { transactions: 5 }));
  failing.fromClient(interval(1, { transactions: 5 }));
  t.same(seen, [], 'waits for the server');
  failing.end();
  t.same(seen, [0, 1], 'the end settles what the server never reported; a throwing consumer gets every sample');
  failing.close();
  failing.fromClient(interval(2));
  failing.end();
  t.same(seen, [0, 1], 'nothing after close');
});
