import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { RunStore, DB_FILE } from '../../src/runs/store.js';
import { tempDataDir } from '../helpers/data-dir.js';

const run = (id: string, createdAt: string, extra: Partial<{ status: string; finishedAt: string | null; transport: string; pattern: string; kind: string }> = {}) => ({
  id, kind: 'benchmark', status: 'done', transport: 'tcp4', pattern: 'stream', createdAt, finishedAt: createdAt, document: { id, createdAt }, ...extra,
});

t.test('runs: stored whole, listed newest first with filters and paging, deleted', async (t) => {
  const store = new RunStore(tempDataDir(t), { maxRuns: 100, maxAgeDays: 0 });
  t.teardown(() => store.close());
  store.putRun(run('a', '2026-01-01T00:00:00.000Z'));
  store.putRun(run('b', '2026-01-02T00:00:00.000Z', { transport: 'udp4' }));
  store.putRun(run('c', '2026-01-03T00:00:00.000Z', { status: 'failed', pattern: 'rr' }));
  store.putRun(run('s', '2026-01-04T00:00:00.000Z', { kind: 'sweep' }));
  t.same(store.getRun('benchmark', 'a'), { id: 'a', createdAt: '2026-01-01T00:00:00.000Z' });
  t.equal(store.getRun('sweep', 'a'), undefined, 'kinds are separate');
  const ids = (f: object) => store.listRuns({ kind: 'benchmark', limit: 10, offset: 0, ...f }).documents.map((d: any) => d.id);
  t.same(ids({}), ['c', 'b', 'a']);
  t.same(ids({ transport: 'udp4' }), ['b']);
  t.same(ids({ status: 'failed' }), ['c']);
  t.same(ids({ pattern: 'stream' }), ['b', 'a']);
  t.same(ids({ since: '2026-01-02T00:00:00.000Z' }), ['c', 'b']);
  t.same(ids({ limit: 1, offset: 1 }), ['b']);
  t.equal(store.listRuns({ kind: 'benchmark', limit: 1, offset: 0 }).total, 3, 'total counts every match, not the page');
  // An update keeps one row.
  store.putRun({ ...run('a', '2026-01-01T00:00:00.000Z'), status: 'failed', document: { id: 'a', v: 2 } });
  t.same(store.getRun('benchmark', 'a'), { id: 'a', v: 2 });
  t.same(ids({ status: 'failed' }), ['c', 'a']);
  t.ok(store.deleteRun('benchmark', 'a'));
  t.notOk(store.deleteRun('benchmark', 'a'));
});

t.test('retention: by count and by age, finished runs only', async (t) => {
  const store = new RunStore(tempDataDir(t), { maxRuns: 2, maxAgeDays: 30 });
  t.teardown(() => store.close());
  const now = Date.now();
  const daysAgo = (d: number) => new Date(now - d * 86_400_000).toISOString();
  store.putRun(run('live', daysAgo(400), { status: 'running', finishedAt: null }));
  store.putRun(run('old', daysAgo(31)));
  t.same(store.listRuns({ kind: 'benchmark', limit: 10, offset: 0 }).documents.map((d: any) => d.id), ['live'], 'older than 30 days: deleted as it is stored');
  for (const [id, d] of [['x', 3], ['y', 2], ['z', 1]] as const) store.putRun(run(id, daysAgo(d)));
  const ids = store.listRuns({ kind: 'benchmark', limit: 10, offset: 0 }).documents.map((d: any) => d.id);
  t.same(ids, ['z', 'y', 'live'], 'the two newest finished runs, and the unfinished one whatever its age');
  for (let i = 0; i < 4; i++) {
    store.putSnapshot({ id: `s${i}`, createdAt: daysAgo(10 - i), label: null, hostname: 'h', state: 'fresh', document: { i } });
  }
  t.same(store.listSnapshots(10, 0).snapshots.map((s) => s.id), ['s3', 's2']);
  store.prune(now + 25 * 86_400_000);
  t.same(store.listSnapshots(10, 0).snapshots.map((s) => s.id), [], '30 days on, past their age: gone');
});

t.test('leftovers of a killed process are marked once, at start', async (t) => {
  const dir = tempDataDir(t);
  const first = new RunStore(dir, { maxRuns: 10, maxAgeDays: 0 });
  first.putRun(run('r', '2026-01-01T00:00:00.000Z', { status: 'running', finishedAt: null }));
  first.putRun(run('q', '2026-01-01T00:00:01.000Z', { status: 'queued', finishedAt: null }));
  first.putRun(run('d', '2026-01-01T00:00:02.000Z'));
  first.close();
  const second = new RunStore(dir, { maxRuns: 10, maxAgeDays: 0 });
  t.teardown(() => second.close());
  const marked: string[] = [];
  const n = second.interruptLeftovers((doc: any) => {
    marked.push(doc.id);
    return run(doc.id, doc.createdAt, { status: 'failed' });
  });
  t.equal(n, 2);
  t.same(marked.sort(), ['q', 'r']);
  t.equal(second.interruptLeftovers(() => { throw new Error('nothing is left'); }), 0);
});

t.test('leftovers, once marked finished, count for retention', async (t) => {
  const dir = tempDataDir(t);
  const first = new RunStore(dir, { maxRuns: 10, maxAgeDays: 0 });
  first.putRun(run('d', '2026-01-01T00:00:00.000Z'));
  first.putRun(run('r', '2026-01-01T00:00:01.000Z', { status: 'running', finishedAt: null }));
  first.putRun(run('q', '2026-01-01T00:00:02.000Z', { status: 'queued', finishedAt: null }));
  first.close();
  const second = new RunStore(dir, { maxRuns: 2, maxAgeDays: 0 });
  t.teardown(() => second.close());
  t.equal(second.interruptLeftovers((doc: any) => run(doc.id, doc.createdAt, { status: 'failed' })), 2);
  t.same(second.listRuns({ kind: 'benchmark', limit: 10, offset: 0 }).documents.map((d: any) => d.id), ['q', 'r'], 'the oldest finished run made room');
});

t.test('a database that cannot be used: one clear error naming the file and the fix', async (t) => {
  const corrupt = tempDataDir(t);
  writeFileSync(join(corrupt, DB_FILE), 'this is not sqlite '.repeat(100));
  t.throws(() => new RunStore(corrupt, { maxRuns: 1, maxAgeDays: 0 }), {
    name: 'StoreOpenError',
    message: new RegExp(`${join(corrupt, DB_FILE)}: it is not a readable SQLite database .*move the file away`),
  });

  const newer = tempDataDir(t);
  const db = new Database(join(newer, DB_FILE));
  db.pragma('user_version = 99');
  db.close();
  t.throws(() => new RunStore(newer, { maxRuns: 1, maxAgeDays: 0 }), { message: /schema version 99 is newer/ });

  // A data directory that is a file (or anything mkdir cannot make).
  const file = join(tempDataDir(t), 'a-file');
  writeFileSync(file, '');
  t.throws(() => new RunStore(file, { maxRuns: 1, maxAgeDays: 0 }), {
    name: 'StoreOpenError', message: new RegExp(`cannot use the database ${file}/sockbench\\.db: .*EEXIST.*SOCKBENCH_DATA_DIR`),
  });
});

t.test('a history written before the figures moved to result.summary reads in the new shape', async (t) => {
  const dir = tempDataDir(t);
  new RunStore(dir, { maxRuns: 10, maxAgeDays: 0 }).close();
  // Back to the first schema version, with a benchmark as that version stored it.
  const db = new Database(join(dir, DB_FILE));
  db.pragma('user_version = 1');
  const old = { id: 'old', status: 'done', result: { host: { hostname: 'h' }, result: { bitsPerSecond: 123, limitedBy: null }, repeats: [] } };
  db.prepare(`INSERT INTO runs (id, kind, status, created_at, finished_at, document) VALUES ('old', 'benchmark', 'done', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z', ?)`)
    .run(JSON.stringify(old));
  db.prepare(`INSERT INTO runs (id, kind, status, created_at, finished_at, document) VALUES ('sw', 'sweep', 'done', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z', ?)`)
    .run(JSON.stringify({ id: 'sw', result: { result: 'left alone' } }));
  db.close();
  const store = new RunStore(dir, { maxRuns: 10, maxAgeDays: 0 });
  t.teardown(() => store.close());
  t.same(store.getRun('benchmark', 'old'), { id: 'old', status: 'done', result: { host: { hostname: 'h' }, summary: { bitsPerSecond: 123, limitedBy: null }, repeats: [] } });
  t.same(store.getRun('sweep', 'sw'), { id: 'sw', result: { result: 'left alone' } }, 'only benchmarks had the old shape');
});
