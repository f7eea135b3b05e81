import t from 'tap';
import { LEVELS, OPTNAMES, setsockopt } from '../../native-bindings/index.js';
import { runBenchmark, type EngineLimits } from '../../src/bench/engine.js';
import { BenchAbortedError, BenchTimeoutError, BenchWorkerError } from '../../src/bench/errors.js';
import { busyWorkerCount } from '../../src/bench/worker-pool.js';
import type { BenchConfig, EngineOptions, RunResult } from '../../src/bench/types.js';
import type { Role } from '../../src/sockets/pair.js';
import { openFds } from '../helpers/build.js';

// How runs end when something goes wrong, and the rarer paths of a run that goes right.

const workerExecArgv = process.execArgv.filter((arg) => !/@tapjs[/\\](processinfo|mock)/.test(arg));
const run = (config: BenchConfig, options: EngineOptions = {}, limits: Partial<EngineLimits> = {}): Promise<RunResult> =>
  runBenchmark(config, { workerExecArgv, ...options }, limits);
const int = (v: number) => { const b = Buffer.alloc(4); b.writeInt32LE(v); return b; };

t.test('a side that stalls past the deadline is ended by force, with the figures it has', async (t) => {
  const before = await openFds();
  // TCP_CORK on the server holds each small response for 200 ms, long past this run's deadline.
  const r = await run({ transport: 'tcp4', pattern: 'rr', durationMs: 60 }, {
    hooks: { afterConnect: (role, fd) => { if (role === 'server') setsockopt(fd, LEVELS.IPPROTO_TCP, OPTNAMES.IPPROTO_TCP.TCP_CORK, int(1)); } },
  }, { endGraceMs: 1 });
  t.equal(r.forcedEnd, true);
  t.equal(r.rr!.transactions, 0);
  t.same(r.rr!.latencyMicros, { min: null, mean: null, p50: null, p90: null, p99: null, p999: null, max: null, stdev: null }, 'nothing measured is null, not NaN');
  t.equal(r.rr!.histogram, null);
  t.equal(busyWorkerCount(), 0);
  t.equal(await openFds(), before);
});

t.test("a libc error in a worker rejects the run naming the side, call and errno", async (t) => {
  const before = await openFds();
  const err = await run({ transport: 'tcp4', pattern: 'crr', durationMs: 300 }, {
    clientSocketOptions: [{ level: LEVELS.SOL_SOCKET, optname: 12345, value: int(1), phase: 'any' }],
  }).then(() => null, (e: unknown) => e);
  t.ok(err instanceof BenchWorkerError, 'BenchWorkerError');
  t.match(err, { side: 'client', syscall: 'setsockopt', code: 'ENOPROTOOPT', message: /client side failed/ });
  t.equal(busyWorkerCount(), 0);
  t.equal(await openFds(), before);
});

t.test('a nudged pair (TCP_DEFER_ACCEPT) still accounts every byte; atEnd sees both sockets', async (t) => {
  const atEnd: Role[] = [];
  const r = await run({ transport: 'tcp4', pattern: 'stream', durationMs: 150, warmupMs: 50 }, {
    hooks: {
      // The listener holds the connection until data arrives: the pair needs its nudge byte.
      beforeConnect: (role, fd) => { if (role === 'server') setsockopt(fd, LEVELS.IPPROTO_TCP, OPTNAMES.IPPROTO_TCP.TCP_DEFER_ACCEPT, int(5)); },
      atEnd: (role) => { atEnd.push(role); },
    },
  });
  t.equal(r.nudged, true);
  t.equal(r.stream!.verified, true, 'the nudge byte is not counted');
  t.same(atEnd, ['client', 'server']);
});

t.test('crr applies the raw client options on every connection', async (t) => {
  const r = await run({ transport: 'tcp4', pattern: 'crr', durationMs: 150, requestWrites: 2 }, {
    clientSocketOptions: [{ level: LEVELS.IPPROTO_TCP, optname: OPTNAMES.IPPROTO_TCP.TCP_NODELAY, value: int(1), phase: 'any' }],
  });
  t.ok(r.rr!.transactions > 0);
  // Two writes per request without TCP_NODELAY would wait for a delayed ACK (~40 ms) each time.
  t.ok(r.rr!.latencyMicros.p50! < 20_000, `p50 ${r.rr!.latencyMicros.p50} µs`);
  t.type(r.tcpInfo?.client?.rtt, 'number', 'TCP_INFO of the last connection');
});

t.test('cancel while the workers are still loading leaks nothing', async (t) => {
  const before = await openFds();
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 20);
  const err = await run({ transport: 'udp4', pattern: 'stream', durationMs: 5000 }, { signal: controller.signal }).then(() => null, (e: unknown) => e);
  t.ok(err instanceof BenchAbortedError, 'BenchAbortedError');
  t.equal(busyWorkerCount(), 0);
  t.equal(await openFds(), before);
});

t.test('start-up that takes too long is a timeout', async (t) => {
  const before = await openFds();
  await t.rejects(run({ transport: 'unix', pattern: 'rr', durationMs: 100 }, {}, { startupMs: 1 }), BenchTimeoutError);
  t.equal(busyWorkerCount(), 0);
  t.equal(await openFds(), before);
});
