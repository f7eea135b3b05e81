import { Writable } from 'node:stream';
import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { failOnContractViolation, tempDataDir } from '../helpers/build.js';

// The app's own log stream, captured: a failed run is logged once, with its id, the side, the
// call and the stack, and every line a run logs carries its id.

interface Line { level: number; msg: string; runId?: string; kind?: string; err?: { stack?: string; message?: string }; side?: string | null; syscall?: string | null; errno?: string | null; code?: string; point?: number }

async function appWithLog(t: Test) {
  const lines: Line[] = [];
  let partial = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      partial += String(chunk);
      const parts = partial.split('\n');
      partial = parts.pop()!;
      for (const p of parts) if (p) lines.push(JSON.parse(p) as Line);
      done();
    },
  });
  const app = await buildApp({ config: loadConfig({ SOCKBENCH_DATA_DIR: tempDataDir(t) }), logger: { level: 'info', stream }, checkResponses: failOnContractViolation(t) });
  t.teardown(() => app.close());
  return { app, lines };
}

t.test('a run the kernel fails mid-way is logged once with its id, side, call and stack', async (t) => {
  const { app, lines } = await appWithLog(t);
  // crr: the client worker sets its options on every connection it opens; the kernel refuses an MSS below 88.
  const res = await app.inject({ method: 'POST', url: '/v1/benchmarks', payload: { transport: 'tcp4', pattern: 'crr', durationMs: 100, warmupMs: 0, options: { client: { TCP_MAXSEG: 50 } } } });
  t.equal(res.statusCode, 422, res.body.slice(0, 300));
  const run = res.json();
  t.match(run, { status: 'failed', error: { code: 'SOCKBENCH_RUN_FAILED', message: /client side failed.*EINVAL/ } });
  const failed = lines.filter((l) => l.msg === 'run failed');
  t.equal(failed.length, 1, 'logged once');
  t.match(failed[0], { level: 50, runId: run.id, kind: 'benchmark', side: 'client', syscall: 'setsockopt', errno: 'EINVAL', code: 'SOCKBENCH_RUN_FAILED' });
  t.match(failed[0].err?.stack, /^BenchWorkerError: The client side failed[^]*\n\s+at .*src\/bench\/workers\//, 'the stack is the worker\'s, where the call failed');
  const own = lines.filter((l) => l.runId !== undefined);
  t.same(own.map((l) => l.msg), ['run started', 'run failed', 'run ended'], 'the run\'s lines, in order');
  t.ok(own.every((l) => l.runId === run.id), 'each carries the run id');
  t.notOk(lines.some((l) => l.runId === undefined && /run /.test(l.msg)), 'no run line without its id');
});

t.test('an unreachable peer: the failed run is logged once, with its id', async (t) => {
  const lines: Line[] = [];
  const stream = new Writable({ write(chunk, _e, done) { for (const p of String(chunk).split('\n')) if (p) lines.push(JSON.parse(p) as Line); done(); } });
  // Nothing listens on port 9 (discard) of loopback here.
  const app = await buildApp({ config: loadConfig({ SOCKBENCH_DATA_DIR: tempDataDir(t), SOCKBENCH_PEERS: 'http://127.0.0.1:9', SOCKBENCH_PEER_TIMEOUT_MS: '500' }), logger: { level: 'info', stream }, checkResponses: failOnContractViolation(t) });
  t.teardown(() => app.close());
  const res = await app.inject({ method: 'POST', url: '/v1/benchmarks', payload: { transport: 'tcp4', pattern: 'rr', durationMs: 100, peer: 'http://127.0.0.1:9' } });
  t.equal(res.statusCode, 502, res.body.slice(0, 300));
  const run = res.json();
  const failed = lines.filter((l) => l.msg === 'run failed');
  t.equal(failed.length, 1);
  t.match(failed[0], { runId: run.id, code: 'SOCKBENCH_PEER_UNREACHABLE', err: { message: /127\.0\.0\.1:9 did not answer POST \/v1\/peer\/sessions/, stack: /\n\s+at / } });
});

t.test('a failed sweep point is logged with the sweep id and the point', async (t) => {
  const { app, lines } = await appWithLog(t);
  const res = await app.inject({ method: 'POST', url: '/v1/sweeps', payload: { base: { transport: 'tcp4', pattern: 'crr', durationMs: 50, warmupMs: 0 }, vary: { 'client.TCP_MAXSEG': [536, 50] } } });
  t.equal(res.statusCode, 200, res.body.slice(0, 300));
  const sweep = res.json();
  t.same(sweep.result.points.map((p: { status: string }) => p.status), ['done', 'failed']);
  const failed = lines.filter((l) => l.msg === 'sweep point failed');
  t.equal(failed.length, 1);
  t.match(failed[0], { runId: sweep.id, kind: 'sweep', point: 1, side: 'client', syscall: 'setsockopt', errno: 'EINVAL' });
});
