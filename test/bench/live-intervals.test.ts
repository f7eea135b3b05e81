import t, { type Test } from 'tap';
import { runBenchmark } from '../../src/bench/engine.js';
import { BenchAbortedError } from '../../src/bench/errors.js';
import { busyWorkerCount } from '../../src/bench/worker-pool.js';
import type { BenchConfig, EngineOptions, IntervalSample, RunResult } from '../../src/bench/types.js';
import { openFds } from '../helpers/build.js';

// Interval samples delivered while the run goes (EngineOptions.onInterval), on real runs.

const workerExecArgv = process.execArgv.filter((arg) => !/@tapjs[/\\](processinfo|mock)/.test(arg));
const run = (config: BenchConfig, options: EngineOptions = {}): Promise<RunResult> => runBenchmark(config, { workerExecArgv, ...options });

interface Delivery {
  index: number;
  sample: IntervalSample;
  atMs: number;
}

async function liveRun(t: Test, config: BenchConfig): Promise<void> {
  const what = `${config.transport} ${config.pattern}`;
  const before = await openFds();
  const deliveries: Delivery[] = [];
  const r = await run(config, { onInterval: (sample, index) => { deliveries.push({ index, sample, atMs: performance.now() }); } });
  const endedAtMs = performance.now();
  const intervals = r.intervals!;
  const expected = Math.floor(config.durationMs / config.intervalMs!);
  // One per intervalMs, and the sliver closed at the deadline; a late edge on a loaded machine can merge two.
  t.ok(intervals.length >= expected - 1 && intervals.length <= expected + 1, `${what}: about ${expected} intervals, got ${intervals.length}`);
  t.same(deliveries.map((d) => d.index), intervals.map((_, i) => i), `${what}: indexes 0..n-1 in order, the last one included`);
  t.same(deliveries.map((d) => d.sample), intervals, `${what}: the same samples as the result`);
  const lead = endedAtMs - deliveries[0].atMs;
  t.ok(lead >= 200, `${what}: the first sample arrived ${lead.toFixed(0)} ms before the run ended`);
  t.equal(busyWorkerCount(), 0, `${what}: no worker left`);
  t.equal(await openFds(), before, `${what}: every descriptor is closed`);
}

t.test('a stream delivers each interval while it runs, as the result reports it', async (t) => {
  await liveRun(t, { transport: 'tcp4', pattern: 'stream', durationMs: 600, warmupMs: 0, intervalMs: 100 });
});

t.test('so does rr, with latency and TCP_INFO per interval', async (t) => {
  await liveRun(t, { transport: 'tcp4', pattern: 'rr', durationMs: 500, warmupMs: 50, intervalMs: 100 });
});

t.test('a consumer that throws gets every sample and does not break the run', async (t) => {
  let calls = 0;
  const r = await run({ transport: 'udp4', pattern: 'stream', durationMs: 300, intervalMs: 50, rateBitsPerSecond: 50_000_000 }, {
    onInterval: () => { calls++; throw new Error('the event stream is closed'); },
  });
  t.ok(r.intervals!.length >= 4, `${r.intervals!.length} intervals`);
  t.equal(calls, r.intervals!.length, 'called once per interval');
  t.ok(r.datagram!.received > 0, 'the run completed');
  t.equal(busyWorkerCount(), 0);
});

t.test('no sample is delivered after an abort, and nothing leaks', async (t) => {
  const before = await openFds();
  const controller = new AbortController();
  const indexes: number[] = [];
  const err = await run({ transport: 'tcp4', pattern: 'stream', durationMs: 20_000, intervalMs: 50 }, {
    signal: controller.signal,
    onInterval: (_sample, index) => {
      indexes.push(index);
      if (index === 2) controller.abort(new Error('enough'));
    },
  }).then(() => null, (e: unknown) => e);
  t.ok(err instanceof BenchAbortedError, 'rejects with BenchAbortedError');
  // Both workers have exited by now: any interval they posted after the abort has arrived and been dropped.
  t.same(indexes, [0, 1, 2], 'the samples up to the abort, none after');
  t.equal(busyWorkerCount(), 0);
  t.equal(await openFds(), before);
});
