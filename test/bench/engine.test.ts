import t, { type Test } from 'tap';
import { bind, LEVELS, OPTNAMES, setsockopt } from '../../native-bindings/index.js';
import { TRANSPORTS } from '../../src/options/types.js';
import { patternApplies, isDatagram } from '../../src/bench/config.js';
import { runBenchmark } from '../../src/bench/engine.js';
import { BenchAbortedError, BenchConfigError } from '../../src/bench/errors.js';
import { busyWorkerCount } from '../../src/bench/worker-pool.js';
import { PATTERNS, type BenchConfig, type EngineOptions, type LatencySummary, type RunResult } from '../../src/bench/types.js';
import { openFds } from '../helpers/build.js';

// Short runs: each costs ~1 s of worker start-up under the TypeScript loader plus its duration.
const SHORT = { durationMs: 150, warmupMs: 50 };
// The workers need the TypeScript loader; tap's own hooks would only double their start-up time.
const workerExecArgv = process.execArgv.filter((arg) => !/@tapjs[/\\](processinfo|mock)/.test(arg));

function run(config: BenchConfig, options: EngineOptions = {}): Promise<RunResult> {
  return runBenchmark(config, { workerExecArgv, ...options });
}

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

/** Extra settings (and checks) for some combinations, so that each run proves more than one thing. */
const SPECIAL: Record<string, { config: Partial<BenchConfig>; check(t: Test, r: RunResult): void }> = {
  'udp4 stream': {
    // A paced UDP stream sends about rate x time.
    config: { durationMs: 400, warmupMs: 100, messageSize: 1000, rateBitsPerSecond: 50_000_000 },
    check(t, r) {
      const d = r.datagram!;
      const expected = (50_000_000 * d.seconds!) / (1000 * 8);
      t.ok(Math.abs(d.sent - expected) / expected < 0.25, `paced: sent ${d.sent} datagrams, expected about ${expected.toFixed(0)}`);
      t.ok(Math.abs(d.bitsPerSecond! - 50_000_000) / 50_000_000 < 0.3, `paced: received ${d.bitsPerSecond} bit/s`);
      // Little loss at a modest rate; not none: a receiver starved for ~35 ms by a loaded machine
      // overflows the 212992-byte default buffer at 50 Mbit/s.
      t.ok(d.lossRatio! < 0.05, `loss ratio ${d.lossRatio} at 50 Mbit/s`);
      t.equal(d.received + d.lost, d.sent);
    },
  },
  'tcp4 rr': {
    config: { durationMs: 300, warmupMs: 50, intervalMs: 100 },
    check(t, r) {
      const intervals = r.intervals!;
      // 3 full intervals and maybe a sliver; a late edge on a loaded machine can merge two.
      t.ok(intervals.length >= 2 && intervals.length <= 4, `about 3 intervals, got ${intervals.length}`);
      t.equal(intervals.reduce((n, i) => n + i.transactions!, 0), r.rr!.transactions, 'intervals add up to the window');
      t.ok(intervals.every((i) => i.tcpInfo && typeof i.tcpInfo.rtt === 'number'), 'client TCP_INFO per interval');
      // The client closes an interval at its first transaction past the edge: never early, late only by a
      // scheduling hiccup, which a loaded 2-core machine can stretch to tens of ms.
      t.ok(intervals[0].endMs >= 100 && intervals[0].endMs < 200, `first interval ends just after 100 ms, got ${intervals[0].endMs}`);
      latencyOrdered(t, intervals[0].latencyMicros!, 'first interval');
    },
  },
  'unix stream': {
    config: { durationMs: 200, warmupMs: 0, intervalMs: 50 },
    check(t, r) {
      t.ok(r.intervals!.length >= 4, 'stream intervals');
      // A receiver starved for a whole 50 ms interval is possible on a loaded 2-core machine, twice is not.
      const moving = r.intervals!.filter((i) => (i.bytes ?? 0) > 0 && (i.bitsPerSecond ?? 0) > 0).length;
      t.ok(moving >= r.intervals!.length - 1, `receiver bytes in ${moving} of ${r.intervals!.length} intervals`);
    },
  },
  'tcp6 crr': {
    config: { intervalMs: 50 },
    check(t, r) {
      t.ok(r.intervals!.length >= 3, 'crr intervals');
      t.ok(r.intervals!.every((i) => i.latencyMicros !== undefined && i.transactions! >= 0), 'latency per interval');
    },
  },
  'udp6 stream': {
    config: { intervalMs: 50 },
    check(t, r) {
      t.ok(r.intervals!.some((i) => (i.sent ?? 0) > 0 && (i.received ?? 0) > 0), 'datagrams per interval');
    },
  },
};

t.test('every transport and pattern that applies runs and reports consistent figures', async (t) => {
  for (const transport of TRANSPORTS) {
    for (const pattern of PATTERNS) {
      if (!patternApplies(transport, pattern)) continue;
      const special = SPECIAL[`${transport} ${pattern}`];
      const r = await run({ transport, pattern, ...SHORT, ...special?.config });
      checkResult(t, r);
      special?.check(t, r);
    }
  }
  t.equal(busyWorkerCount(), 0, 'no worker left');
});

t.test('cancel mid-run ends promptly and leaves no descriptor or worker behind', async (t) => {
  for (const [transport, pattern] of [['tcp4', 'stream'], ['udp4', 'rr'], ['tcp4', 'crr']] as const) {
    const before = await openFds();
    const controller = new AbortController();
    let abortedAt = 0;
    const running = run({ transport, pattern, durationMs: 20_000 }, {
      signal: controller.signal,
      onStarted: () => setTimeout(() => { abortedAt = performance.now(); controller.abort(new Error('enough')); }, 150),
    });
    const err = await running.then(() => null, (e: unknown) => e);
    const took = performance.now() - abortedAt;
    t.ok(err instanceof BenchAbortedError, `${transport} ${pattern}: rejects with BenchAbortedError`);
    t.equal((err as Error).name, 'AbortError');
    t.ok(took < 1000, `${transport} ${pattern}: settled ${took.toFixed(0)} ms after the abort`);
    t.equal(busyWorkerCount(), 0, 'no worker is still busy');
    t.equal(await openFds(), before, 'every descriptor is closed');
  }
});

t.test('an already aborted signal rejects before anything starts', async (t) => {
  await t.rejects(run({ transport: 'tcp4', pattern: 'rr', durationMs: 100 }, { signal: AbortSignal.abort() }), { name: 'AbortError' });
  t.equal(busyWorkerCount(), 0);
});

t.test('a failing hook rejects the run and leaks nothing', async (t) => {
  const before = await openFds();
  await t.rejects(run({ transport: 'udp4', pattern: 'stream', durationMs: 100 }, {
    hooks: { beforeConnect: () => { throw new RangeError('from hook'); } },
  }), RangeError);
  // crr builds its listener itself: a refused bind is the same 422 error as connectedPair's.
  await t.rejects(run({ transport: 'tcp4', pattern: 'crr', durationMs: 100 }, {
    hooks: { beforeBind: (_role, fd) => bind(fd, { family: 'inet', address: '127.0.0.1', port: 0 }) },
  }), { statusCode: 422, code: 'SOCKBENCH_PAIR_SETUP_FAILED', message: /tcp4 loopback listener: bind failed with EINVAL/ });
  t.equal(busyWorkerCount(), 0);
  t.equal(await openFds(), before);
});

t.test('Nagle + delayed ACK: two small writes per request cost tens of ms unless the client sets TCP_NODELAY', async (t) => {
  const config = { transport: 'tcp4', pattern: 'rr', messageSize: 64, requestWrites: 2, durationMs: 400, warmupMs: 100 } as const;
  const nagle = await run(config);
  const nodelay = await run(config, {
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
  await t.rejects(run({ transport: 'udp4', pattern: 'crr', durationMs: 100 }), { name: 'BenchConfigError', field: 'pattern' });
  await t.rejects(run({ transport: 'udp4', pattern: 'stream', durationMs: 100, messageSize: 131072 }), { name: 'BenchConfigError', field: 'messageSize' });
  await t.rejects(run({ transport: 'tcp4', pattern: 'stream', durationMs: 100, messageSize: 16 * 1024 * 1024 + 1 }), { name: 'BenchConfigError', field: 'messageSize' });
  await t.rejects(run({ transport: 'tcp4', pattern: 'rr', durationMs: 100, rateBitsPerSecond: 1000 }), { name: 'BenchConfigError', field: 'rateBitsPerSecond' });
  await t.rejects(run({ transport: 'tcp4', pattern: 'rr', durationMs: 0 }), BenchConfigError);
  t.equal(busyWorkerCount(), 0, 'nothing was started');
});
