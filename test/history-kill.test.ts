import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { tempDataDir } from './helpers/data-dir.js';
import { DB_FILE } from '../src/runs/store.js';

// The history survives kill -9 of the real server process (issue 4): what was committed is there
// unchanged, and the run the process was in the middle of is marked failed when the next one starts.

interface Server {
  child: ChildProcess;
  url: string;
  logs: Array<Record<string, unknown>>;
}

function serverProcess(t: Test, dir: string): ChildProcess {
  const child = spawn(process.execPath, [...process.execArgv, 'src/server.ts'], {
    env: { ...process.env, SOCKBENCH_PORT: '0', SOCKBENCH_HOST: '127.0.0.1', LOG_LEVEL: 'info', SOCKBENCH_DATA_DIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  return child;
}

/** Starts src/server.ts on `dir` and resolves once it listens, with its JSON log so far (and to come). */
function startServer(t: Test, dir: string): Promise<Server> {
  const child = serverProcess(t, dir);
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += String(d); });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(String(entry.msg));
      if (m) resolve({ child, url: m[1], logs });
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before listening: ${stderr}`)));
  });
}

async function call(server: Server, method: string, path: string, body?: object): Promise<{ status: number; json: any }> {
  const res = await fetch(`${server.url}${path}`, {
    method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, json: res.status === 204 ? null : await res.json() };
}

t.test('kill -9 mid-run: finished runs and snapshots survive unchanged, the interrupted runs are failed', async (t) => {
  const dir = tempDataDir(t);
  const first = await startServer(t, dir);
  const done = await call(first, 'POST', '/v1/benchmarks', { transport: 'tcp4', pattern: 'rr', durationMs: 200, warmupMs: 0 });
  t.equal(done.status, 200);
  t.equal(done.json.status, 'done');
  const snapshot = await call(first, 'POST', '/v1/defaults/snapshots', { label: 'before the kill' });
  t.equal(snapshot.status, 201);

  const long = await call(first, 'POST', '/v1/benchmarks?wait=false', { transport: 'tcp4', pattern: 'stream', durationMs: 20000, warmupMs: 0 });
  t.equal(long.status, 202);
  const queued = await call(first, 'POST', '/v1/benchmarks?wait=false', { transport: 'unix', pattern: 'rr', durationMs: 200, warmupMs: 0 });
  t.match(queued.json, { status: 'queued', queuePosition: 1 });
  let running = long.json;
  for (let i = 0; i < 100 && running.status !== 'running'; i++) {
    await new Promise((r) => setTimeout(r, 20));
    running = (await call(first, 'GET', `/v1/benchmarks/${long.json.id}`)).json;
  }
  t.equal(running.status, 'running');
  await new Promise((r) => setTimeout(r, 300)); // into the transfer: the workers are in send() and recv()

  const exited = once(first.child, 'exit');
  first.child.kill('SIGKILL');
  const [code, signal] = await exited;
  t.same([code, signal], [null, 'SIGKILL'], 'killed, no chance to clean up');
  t.ok(existsSync(join(dir, `${DB_FILE}-wal`)), 'the write-ahead log is left behind (WAL mode), to be recovered');

  const second = await startServer(t, dir);
  t.ok(second.logs.some((l) => l.level === 40 && l.runs === 2 && /marked failed/.test(String(l.msg))),
    'a warning says how many runs were left unfinished');
  const doneAgain = await call(second, 'GET', `/v1/benchmarks/${done.json.id}`);
  t.equal(doneAgain.status, 200);
  t.same(doneAgain.json, done.json, 'the finished run is unchanged');
  const snapshotAgain = await call(second, 'GET', `/v1/defaults/snapshots/${snapshot.json.id}`);
  t.equal(snapshotAgain.status, 200);
  t.same(snapshotAgain.json, snapshot.json, 'the snapshot is unchanged');

  const killed = (await call(second, 'GET', `/v1/benchmarks/${long.json.id}`)).json;
  t.match(killed, {
    status: 'failed', startedAt: running.startedAt, progress: { done: 0, total: 1 }, result: null,
    error: { code: 'SOCKBENCH_RUN_INTERRUPTED', message: /service stopped .* while this run was queued or running; run it again/ },
  });
  t.same(killed.config, running.config);
  t.ok(Date.parse(killed.finishedAt) >= Date.parse(running.startedAt), 'finished when the next process found it');
  t.match((await call(second, 'GET', `/v1/benchmarks/${queued.json.id}`)).json, { status: 'failed', startedAt: null, error: { code: 'SOCKBENCH_RUN_INTERRUPTED' } },
    'the queued run too');
  const failed = (await call(second, 'GET', '/v1/benchmarks?status=failed')).json;
  t.same(failed.runs.map((r: any) => [r.id, r.error]).sort(), [[long.json.id, 'SOCKBENCH_RUN_INTERRUPTED'], [queued.json.id, 'SOCKBENCH_RUN_INTERRUPTED']].sort());
  t.equal((await call(second, 'GET', '/v1/benchmarks?status=running')).json.total, 0, 'nothing claims to be running');

  const fresh = await call(second, 'POST', '/v1/benchmarks', { transport: 'tcp4', pattern: 'rr', durationMs: 150, warmupMs: 0 });
  t.equal(fresh.status, 200, 'a new run works: the killed process left no lock behind');
  t.equal(fresh.json.status, 'done');
  t.same((await call(second, 'GET', '/v1/benchmarks')).json.runs.map((r: any) => r.id), [fresh.json.id, queued.json.id, long.json.id, done.json.id]);

  const stopped = once(second.child, 'exit');
  second.child.kill('SIGTERM');
  t.equal((await stopped)[0], 0);
});

t.test('a sockbench.db that is not a database: exit 2, one line naming the file, the file untouched', async (t) => {
  const dir = tempDataDir(t);
  const file = join(dir, DB_FILE);
  const garbage = 'not a database, just some bytes\n'.repeat(200);
  writeFileSync(file, garbage);
  const child = serverProcess(t, dir);
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d) => { stderr += String(d); });
  child.stdout!.on('data', (d) => { stdout += String(d); });
  const [code] = await once(child, 'exit');
  t.equal(code, 2);
  t.equal(stderr.split('\n').filter(Boolean).length, 1, `one line: ${stderr}`);
  t.match(stderr, new RegExp(`^sockbench: cannot use the database ${file}: it is not a readable SQLite database .*; move the file away .*SOCKBENCH_DATA_DIR.*\n$`));
  t.notMatch(stderr, /\n\s+at /, 'no stack trace');
  t.equal(stdout, '', 'nothing else');
  t.equal(readFileSync(file, 'utf8'), garbage, 'the file is left as it was');
});
