import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { threadAffinity } from '../../native-bindings/index.js';
import { runBenchmark } from '../../src/bench/engine.js';
import { workerPool, workerThreadCount } from '../../src/bench/worker-pool.js';
import { build } from '../helpers/build.js';

// `affinity` pins each side's thread to one CPU (iperf3 -A). What the kernel holds is read back
// independently here, from /proc/self/task/*/status, not from the engine's own report.

const workerExecArgv = process.execArgv.filter((arg) => !/@tapjs[/\\](processinfo|mock)/.test(arg));
const allowed = threadAffinity();
const first = allowed[0];
const last = allowed[allowed.length - 1];

/** Cpus_allowed_list of every thread of this process, as the kernel shows it. */
function threadMasks(): string[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const status = readFileSync(`/proc/self/task/${tid}/status`, 'utf8');
      return [/^Cpus_allowed_list:\s*(\S+)$/m.exec(status)![1]];
    } catch {
      return []; // the thread ended between the listing and the read
    }
  });
}

/** The kernel's list form (0-1, 0,2-3) as CPU numbers. */
function parseList(list: string): number[] {
  return list.split(',').flatMap((part) => {
    const [lo, hi] = part.split('-').map(Number);
    return Array.from({ length: (hi ?? lo) - lo + 1 }, (_, i) => lo + i);
  });
}

t.beforeEach(() => workerPool.drain());
t.teardown(() => workerPool.drain());

t.test('each side runs pinned where asked, and the pooled threads are unpinned afterwards', async (t) => {
  let during: string[] = [];
  const pinned = await runBenchmark(
    { transport: 'tcp4', pattern: 'stream', durationMs: 200, warmupMs: 0, affinity: { client: first, server: last } },
    { workerExecArgv, onStarted: () => setTimeout(() => { during = threadMasks(); }, 100) },
  );
  t.same(pinned.cpus, { client: [first], server: [last] }, 'the report shows the masks the kernel holds');
  t.same(pinned.config.affinity, { client: first, server: last });
  t.equal(pinned.stream!.verified, true, 'a pinned run measures like any other');
  // In the middle of the run the kernel itself shows the two side threads pinned.
  const singles = during.filter((mask) => mask === String(first) || mask === String(last));
  t.ok(singles.length >= (first === last ? 2 : 1), `pinned threads seen in /proc during the run: ${during.join(' ')}`);
  if (first !== last) t.ok(during.includes(String(first)) && during.includes(String(last)), 'one thread on each asked CPU');

  t.equal(workerThreadCount(), 2, 'the two threads are kept for the next run');
  const full = allowed.join(',');
  t.same(threadMasks().map((m) => parseList(m).join(',')).filter((m) => m !== full), [], 'no thread of the process stays pinned after the run');

  const free = await runBenchmark({ transport: 'tcp4', pattern: 'rr', durationMs: 100, warmupMs: 0 }, { workerExecArgv });
  t.equal(workerThreadCount(), 2, 'the next run borrowed the same threads');
  t.same(free.cpus, { client: allowed, server: allowed }, 'an unpinned run reports every CPU the process may use');
  t.same(free.config.affinity, { client: null, server: null });
});

t.test('one side pinned, the other placed by the scheduler; crr and datagrams too', async (t) => {
  const crr = await runBenchmark({ transport: 'tcp4', pattern: 'crr', durationMs: 100, warmupMs: 0, affinity: { server: last } }, { workerExecArgv });
  t.same(crr.cpus, { client: allowed, server: [last] });
  t.ok(crr.rr!.transactions > 0);
  const udp = await runBenchmark({ transport: 'udp4', pattern: 'stream', durationMs: 100, warmupMs: 0, affinity: { client: first } }, { workerExecArgv });
  t.same(udp.cpus, { client: [first], server: allowed });
  t.ok(udp.datagram!.sent > 0);
});

t.test('the engine refuses a CPU outside 0..1023 naming the field; an unusable one fails the run, not the thread', async (t) => {
  await t.rejects(runBenchmark({ transport: 'tcp4', pattern: 'rr', durationMs: 50, affinity: { client: 1024 } }, { workerExecArgv }),
    { name: 'BenchConfigError', field: 'affinity.client' });
  const offline = Math.max(...allowed) + 1;
  await t.rejects(runBenchmark({ transport: 'tcp4', pattern: 'rr', durationMs: 50, affinity: { client: offline } }, { workerExecArgv }),
    { name: 'BenchWorkerError', message: /sched_setaffinity: EINVAL/ });
  const r = await runBenchmark({ transport: 'tcp4', pattern: 'rr', durationMs: 50, warmupMs: 0 }, { workerExecArgv });
  t.same(r.cpus.client, allowed, 'the thread that failed to pin serves the next run unpinned');
});

t.test('the API: pinned results, text summary, and 400s that say which CPUs exist', async (t) => {
  const app = await build(t);
  const res = await app.inject({
    method: 'POST', url: '/v1/benchmarks', headers: { accept: 'text/plain' },
    payload: { transport: 'tcp4', pattern: 'rr', durationMs: 100, warmupMs: 0, affinity: { client: first, server: last } },
  });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.body, new RegExp(`sys [\\d.]+ on cpu ${first} .*sys [\\d.]+ on cpu ${last}`), 'the summary says where each side ran');
  const id = /^(\S+)/.exec(res.body)![1];
  const run = (await app.inject({ url: `/v1/benchmarks/${id}` })).json();
  const free = await app.inject({ method: 'POST', url: '/v1/benchmarks', headers: { accept: 'text/plain' }, payload: { transport: 'tcp4', pattern: 'rr', durationMs: 50, warmupMs: 0, affinity: { server: last } } });
  t.match(free.body, new RegExp(`client user [\\d.]+ +sys [\\d.]+ +server user [\\d.]+ +sys [\\d.]+ on cpu ${last}\n`), 'an unpinned side says nothing of CPUs');
  t.same(run.config.affinity, { client: first, server: last });
  t.same(run.result.summary.cpus, { client: [first], server: [last] });

  const offline = Math.max(...allowed) + 1;
  const unusable = await app.inject({ method: 'POST', url: '/v1/benchmarks', payload: { transport: 'tcp4', pattern: 'rr', affinity: { server: offline } } });
  t.equal(unusable.statusCode, 400);
  t.equal(unusable.json().code, 'SOCKBENCH_INVALID_VALUE');
  t.equal(unusable.json().field, 'body.affinity.server');
  t.match(unusable.json().message, `CPU ${offline} is not one this service may run on; use one of ${allowed.length > 1 ? `${first}-${last}` : first}`);

  for (const affinity of [{ client: -1 }, { client: 1024 }, { client: 0.5 }, { cpu: 0 }, 3]) {
    const bad = await app.inject({ method: 'POST', url: '/v1/benchmarks', payload: { transport: 'tcp4', pattern: 'rr', affinity } });
    t.equal(bad.statusCode, 400, `${JSON.stringify(affinity)}: ${bad.body}`);
    t.match(bad.json().message, /affinity/, 'the message names the field');
  }
});
