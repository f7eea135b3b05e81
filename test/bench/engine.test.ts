import t, { type Test } from 'tap';
import { LEVELS, OPTNAMES, setsockopt } from '../../native-bindings/index.js';
import { TRANSPORTS } from '../../src/options/types.js';
import { patternApplies, isDatagram } from '../../src/bench/config.js';
import { runBenchmark } from '../../src/bench/engine.js';
import { BenchAbortedError, BenchConfigError } from '../../src/bench/errors.js';
import { liveWorkerCount } from '../../src/bench/side-worker.js';
import { PATTERNS, type LatencySummary, type RunResult } from '../../src/bench/types.js';
import { openFds } from '../helpers/build.js';

// Short runs: each costs ~1 s of worker start-up under the TypeScript loader plus its duration.
const SHORT = { durationMs: 150, warmupMs: 50 };

const int = (v: number) => { const b = Buffer.alloc(4); b.writeInt32LE(v); return b; };

/** Every number anywhere in the result is finite: no NaN or Infinity leaks into JSON. */
function allFinite(value: unknown, path = 'result'): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [path];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => allFinite(v, `${path}.${k}`));
}

function latencyOrdered(t: Test, l: LatencySummary, what: string): void {
  for (const key of ['min', 'mean', 'p50', 'p90', 'p99', 'p999', 'max', 'stdev'] as const) {
    t.type(l[key], 'number', `${what}: ${key} is a number`);
  }
  t.ok(l.min! > 0, `${what}: min > 0`);
  t.ok(l.min! <= l.p50! && l.p50! <= l.p90! && l.p90! <= l.p99! && l.p99! <= l.p999! && l.p999! <= l.max!,
    `${what}: min <= p50 <= p90 <= p99 <= p999 <= max (${JSON.stringify(l)})`);
}

function checkResult(t: Test, r: RunResult): void {
  const what = `${r.transport} ${r.pattern}`;
  t.same(allFinite(r), [], `${what}: every figure is finite`);
  t.ok(r.cpu.client && r.cpu.server, `${what}: cpu for both sides`);
  t.equal(r.forcedEnd, false, `${what}: ended at its deadline`);
  if (r.pattern === 'stream' && !isDatagram(r.transport)) {
    const s = r.stream!;
    t.ok(s.bytes > 0 && s.bitsPerSecond! > 0 && s.sendCalls > 0 && s.recvCalls > 0, `${what}: bytes moved`);
    t.equal(s.receivedBytesTotal, s.sentBytesTotal, `${what}: the receiver counted what the sender sent`);
    t.equal(s.verified, true, `${what}: verified`);
    t.ok(s.bytes <= s.receivedBytesTotal, `${what}: warm-up excluded from the window`);
  } else if (r.pattern === 'stream') {
    const d = r.datagram!;
    t.ok(d.sent > 0 && d.received > 0, `${what}: datagrams moved`);
    t.equal(d.lost, d.sent - d.received);
    t.ok(d.lossRatio! >= 0 && d.lossRatio! <= 1, `${what}: loss ratio in [0, 1]`);
  } else {
    const rr = r.rr!;
    t.ok(rr.transactions > 0 && rr.transactionsPerSecond! > 0, `${what}: transactions done`);
    latencyOrdered(t, rr.latencyMicros, what);
    t.type(rr.histogram, 'string');
  }
  if (r.transport === 'tcp4' || r.transport === 'tcp6') {
    t.type(r.tcpInfo?.client?.rtt, 'number', `${what}: client TCP_INFO`);
    t.type(r.tcpInfo?.server?.rtt, 'number', `${what}: server TCP_INFO`);
  } else {
    t.equal(r.tcpInfo, null);
  }
}

t.test('every transport and pattern that applies runs and reports consistent figures', async (t) => {
  for (const transport of TRANSPORTS) {
    for (const pattern of PATTERNS) {
      if (!patternApplies(transport, pattern)) continue;
      const r = await runBenchmark({ transport, pattern, ...SHORT });
      checkResult(t, r);
    }
  }
  t.equal(liveWorkerCount(), 0, 'no worker left');
});

t.test('intervals sample the measured window', async (t) => {
  const r = await runBenchmark({ transport: 'tcp4', pattern: 'rr', durationMs: 300, warmupMs: 50, intervalMs: 100 });
  const intervals = r.intervals!;
  t.ok(intervals.length >= 3 && intervals.length <= 4, `3 full intervals (and maybe a sliver), got ${intervals.length}`);
  t.equal(intervals.reduce((n, i) => n + i.transactions!, 0), r.rr!.transactions, 'intervals add up to the window');
  t.ok(intervals.every((i) => i.tcpInfo && typeof i.tcpInfo.rtt === 'number'), 'client TCP_INFO per interval');
  t.ok(Math.abs(intervals[0].endMs - 100) < 5, `first interval ends at ~100 ms, got ${intervals[0].endMs}`);
  latencyOrdered(t, intervals[0].latencyMicros!, 'first interval');

  const s = await runBenchmark({ transport: 'unix', pattern: 'stream', durationMs: 200, warmupMs: 0, intervalMs: 50 });
  t.ok(s.intervals!.length >= 4, 'stream intervals');
  t.ok(s.intervals!.some((i) => (i.bytes ?? 0) > 0 && (i.bitsPerSecond ?? 0) > 0), 'receiver bytes per interval');
});

t.test('a paced UDP stream sends about rate x time', async (t) => {
  const rateBitsPerSecond = 50_000_000;
  const messageSize = 1000;
  const r = await runBenchmark({ transport: 'udp4', pattern: 'stream', durationMs: 400, warmupMs: 100, messageSize, rateBitsPerSecond });
  const d = r.datagram!;
  const expected = (rateBitsPerSecond * d.seconds!) / (messageSize * 8);
  t.ok(Math.abs(d.sent - expected) / expected < 0.25, `sent ${d.sent} datagrams, expected about ${expected.toFixed(0)}`);
  t.ok(Math.abs(d.bitsPerSecond! - rateBitsPerSecond) / rateBitsPerSecond < 0.3, `received ${d.bitsPerSecond} bit/s`);
  t.equal(d.lost, 0, 'no loss at a modest rate on loopback');
});

t.test('cancel mid-run ends promptly and leaves no descriptor or worker behind', async (t) => {
  for (const [transport, pattern] of [['tcp4', 'stream'], ['udp4', 'rr'], ['tcp4', 'crr']] as const) {
    const before = await openFds();
    const controller = new AbortController();
    let abortedAt = 0;
    const run = runBenchmark({ transport, pattern, durationMs: 20_000 }, {
      signal: controller.signal,
      onStarted: () => setTimeout(() => { abortedAt = performance.now(); controller.abort(new Error('enough')); }, 150),
    });
    const err = await run.then(() => null, (e: unknown) => e);
    const took = performance.now() - abortedAt;
    t.ok(err instanceof BenchAbortedError, `${transport} ${pattern}: rejects with BenchAbortedError`);
    t.equal((err as Error).name, 'AbortError');
    t.ok(took < 1000, `${transport} ${pattern}: settled ${took.toFixed(0)} ms after the abort`);
    t.equal(liveWorkerCount(), 0, 'every worker has exited');
    t.equal(await openFds(), before, 'every descriptor is closed');
  }
});

t.test('an already aborted signal rejects before anything starts', async (t) => {
  await t.rejects(runBenchmark({ transport: 'tcp4', pattern: 'rr', durationMs: 100 }, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  t.equal(liveWorkerCount(), 0);
});

t.test('a failing hook rejects the run and leaks nothing', async (t) => {
  const before = await openFds();
  await t.rejects(runBenchmark({ transport: 'udp4', pattern: 'stream', durationMs: 100 }, {
    hooks: { beforeConnect: () => { throw new RangeError('from hook'); } },
  }), RangeError);
  t.equal(liveWorkerCount(), 0);
  t.equal(await openFds(), before);
});

t.test('Nagle + delayed ACK: two small writes per request cost tens of ms unless the client sets TCP_NODELAY', async (t) => {
  const config = { transport: 'tcp4', pattern: 'rr', messageSize: 64, requestWrites: 2, durationMs: 400, warmupMs: 100 } as const;
  const nagle = await runBenchmark(config);
  const nodelay = await runBenchmark(config, {
    hooks: {
      afterConnect: (role, fd) => {
        if (role === 'client') setsockopt(fd, LEVELS.IPPROTO_TCP, OPTNAMES.IPPROTO_TCP.TCP_NODELAY, int(1));
      },
    },
  });
  const slow = nagle.rr!.latencyMicros.p50!;
  const fast = nodelay.rr!.latencyMicros.p50!;
  t.ok(slow > 10_000, `without TCP_NODELAY p50 is ${slow} µs (delayed ACK holds the second write)`);
  t.ok(fast < 5_000, `with TCP_NODELAY p50 is ${fast} µs`);
  t.ok(slow > 10 * fast, 'far higher');
});

t.test('configs that do not apply are refused naming the field', async (t) => {
  await t.rejects(runBenchmark({ transport: 'udp4', pattern: 'crr', durationMs: 100 }), { name: 'BenchConfigError', field: 'pattern' });
  await t.rejects(runBenchmark({ transport: 'udp4', pattern: 'stream', durationMs: 100, messageSize: 131072 }), { field: 'messageSize' });
  await t.rejects(runBenchmark({ transport: 'tcp4', pattern: 'stream', durationMs: 100, messageSize: 16 * 1024 * 1024 + 1 }), { field: 'messageSize' });
  await t.rejects(runBenchmark({ transport: 'tcp4', pattern: 'rr', durationMs: 100, rateBitsPerSecond: 1000 }), { field: 'rateBitsPerSecond' });
  await t.rejects(runBenchmark({ transport: 'tcp4', pattern: 'rr', durationMs: 0 }), BenchConfigError);
  t.equal(liveWorkerCount(), 0, 'nothing was started');
});
