import t from 'tap';
import { readdirSync } from 'node:fs';
import { runBenchmark } from '../../src/bench/engine.js';
import { BenchWorkerError } from '../../src/bench/errors.js';
import { busyWorkerCount, workerPool, workerThreadCount } from '../../src/bench/worker-pool.js';
import { LEVELS } from '../../native-bindings/index.js';
import type { BenchConfig } from '../../src/bench/types.js';

// Side workers are kept between runs (the cost of a thread and its module load is paid once);
// a kept worker must carry nothing from one run into the next.

const workerExecArgv = process.execArgv.filter((arg) => !/@tapjs[/\\](processinfo|mock)/.test(arg));
const run = (config: BenchConfig) => runBenchmark(config, { workerExecArgv });
const fds = (): number => readdirSync('/proc/self/fd').length;
const SHORT = { durationMs: 60, warmupMs: 0 } as const;

t.beforeEach(async () => {
  workerPool.configure({ maxIdle: 8, idleMs: 60_000 });
  await workerPool.drain();
});
t.teardown(() => workerPool.drain());

t.test('consecutive runs reuse the same two threads and leak nothing between them', async (t) => {
  const first = await run({ transport: 'tcp4', pattern: 'stream', ...SHORT });
  t.equal(workerThreadCount(), 2, 'two threads after the first run');
  t.equal(workerPool.idleCount, 2, 'both idle, kept for the next run');
  t.equal(busyWorkerCount(), 0);
  const afterFirst = fds();
  // Every pattern through the same threads: each job brings its own config, control and sockets.
  const rr = await run({ transport: 'udp4', pattern: 'rr', ...SHORT });
  const crr = await run({ transport: 'tcp4', pattern: 'crr', ...SHORT });
  const again = await run({ transport: 'tcp4', pattern: 'stream', ...SHORT });
  t.equal(workerThreadCount(), 2, 'no new thread was started');
  t.equal(fds(), afterFirst, 'the same descriptors as after the first run');
  t.ok(first.stream!.verified && again.stream!.verified, 'stream byte accounting holds in a reused worker');
  t.ok(rr.rr!.transactions > 0 && crr.rr!.transactions > 0, 'rr and crr measured in reused workers');
  t.equal(again.stream!.sentBytesTotal, again.stream!.receivedBytesTotal, 'no byte counted from the earlier stream run');
});

t.test('a side that failed with a libc error ended its job cleanly: its thread is reused', async (t) => {
  await run({ transport: 'tcp4', pattern: 'rr', ...SHORT });
  const err = await runBenchmark({ transport: 'tcp4', pattern: 'crr', durationMs: 200 }, {
    workerExecArgv, clientSocketOptions: [{ level: LEVELS.SOL_SOCKET, optname: 12345, value: Buffer.alloc(4), phase: 'any' }],
  }).then(() => null, (e: unknown) => e);
  t.ok(err instanceof BenchWorkerError, 'the run failed');
  t.equal(busyWorkerCount(), 0);
  const r = await run({ transport: 'tcp4', pattern: 'rr', ...SHORT });
  t.ok(r.rr!.transactions > 0, 'the next run works');
  t.equal(workerThreadCount(), 2, 'on the same two threads');
});

t.test('a cancelled run gives its threads back once they stopped', async (t) => {
  const controller = new AbortController();
  const err = await runBenchmark({ transport: 'tcp4', pattern: 'stream', durationMs: 20_000 }, {
    workerExecArgv, signal: controller.signal, onStarted: () => setTimeout(() => controller.abort(new Error('enough')), 50),
  }).then(() => null, (e: unknown) => e);
  t.match(err, { name: 'AbortError' });
  t.equal(busyWorkerCount(), 0);
  t.equal(workerPool.idleCount, 2, 'both stopped cleanly and are idle');
  const r = await run({ transport: 'tcp4', pattern: 'stream', ...SHORT });
  t.ok(r.stream!.verified, 'a stopped worker runs the next job correctly');
  t.equal(workerThreadCount(), 2);
});

t.test('idle threads are bounded, expire, and are all ended by drain', async (t) => {
  workerPool.configure({ maxIdle: 1 });
  await run({ transport: 'unix', pattern: 'rr', ...SHORT });
  t.equal(workerPool.idleCount, 1, 'one kept, the other ended');
  await t.resolveMatch(waitFor(() => workerThreadCount() === 1), true);

  workerPool.configure({ maxIdle: 0 });
  t.equal(workerPool.idleCount, 0, 'lowering the bound ends idle threads beyond it');
  await t.resolveMatch(waitFor(() => workerThreadCount() === 0), true, 'pooling off: every thread ends with its run');

  workerPool.configure({ maxIdle: 4, idleMs: 50 });
  await run({ transport: 'unix', pattern: 'rr', ...SHORT });
  t.equal(workerPool.idleCount, 2);
  await t.resolveMatch(waitFor(() => workerThreadCount() === 0), true, 'unused for idleMs: ended');

  workerPool.configure({ idleMs: 60_000 });
  await run({ transport: 'unix', pattern: 'rr', ...SHORT });
  t.equal(workerThreadCount(), 2);
  await workerPool.drain();
  t.equal(workerThreadCount(), 0, 'drain ends every idle thread and waits for it');
});

t.test('threads started with other execArgv are not mixed up', async (t) => {
  await run({ transport: 'unix', pattern: 'rr', ...SHORT });
  const other = workerPool.acquire(['--no-warnings', ...workerExecArgv]);
  t.equal(workerPool.idleCount, 2, 'the idle ones were started differently and stay idle');
  await other.loaded;
  workerPool.release(other);
  t.equal(workerPool.idleCount, 3);
});

t.test('a worker thread that dies mid-run fails the run and is never reused', async (t) => {
  const err = await runBenchmark({ transport: 'tcp4', pattern: 'stream', durationMs: 20_000 }, {
    workerExecArgv, onStarted: () => { void workerPool.busy[0]!.worker.terminate(); },
  }).then(() => null, (e: unknown) => e);
  t.ok(err instanceof BenchWorkerError, 'the run fails');
  t.match(err, { message: /exited/ });
  t.equal(busyWorkerCount(), 0);
  t.equal(workerThreadCount(), 1, 'only the surviving side is kept');
  const r = await run({ transport: 'tcp4', pattern: 'stream', ...SHORT });
  t.ok(r.stream!.verified, 'the next run works on a kept thread and a new one');
  t.equal(workerThreadCount(), 2);
});

t.test('a worker that does not end within the join grace is terminated, not kept', async (t) => {
  const controller = new AbortController();
  // A grace of 1 ms: the sides are still unwinding from the cancel when the engine joins them.
  const err = await runBenchmark({ transport: 'tcp4', pattern: 'stream', durationMs: 20_000 }, {
    workerExecArgv, signal: controller.signal, onStarted: () => setTimeout(() => controller.abort(new Error('enough')), 50),
  }, { joinGraceMs: 1 }).then(() => null, (e: unknown) => e);
  t.match(err, { name: 'AbortError' });
  t.equal(busyWorkerCount(), 0);
  await t.resolveMatch(waitFor(() => workerThreadCount() === workerPool.idleCount), true, 'terminated threads are gone; only cleanly ended ones remain');
  const r = await run({ transport: 'tcp4', pattern: 'stream', ...SHORT });
  t.ok(r.stream!.verified);
});

async function waitFor(check: () => boolean, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}
