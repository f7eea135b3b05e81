import Database from 'better-sqlite3';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const DB_FILE = 'sockbench.db';

/** The schema, one step per version; PRAGMA user_version records how many have run. */
const MIGRATIONS = [
  `CREATE TABLE runs (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL,
     status TEXT NOT NULL,
     transport TEXT,
     pattern TEXT,
     created_at TEXT NOT NULL,
     finished_at TEXT,
     document TEXT NOT NULL
   );
   CREATE INDEX runs_by_created ON runs (kind, created_at DESC);
   CREATE TABLE snapshots (
     id TEXT PRIMARY KEY,
     created_at TEXT NOT NULL,
     label TEXT,
     hostname TEXT NOT NULL,
     state TEXT NOT NULL,
     document TEXT NOT NULL
   );
   CREATE INDEX snapshots_by_created ON snapshots (created_at DESC);`,
  // A benchmark's figures moved from `result.result` to `result.summary`: history written before keeps reading.
  `UPDATE runs SET document = json_set(json_remove(document, '$.result.result'), '$.result.summary', json(json_extract(document, '$.result.result')))
     WHERE kind = 'benchmark' AND json_type(document, '$.result.result') = 'object';`,
];

/** The data directory or its database cannot be used; the message names the file and the fix. */
export class StoreOpenError extends Error {
  constructor(readonly file: string, reason: string, fix: string) {
    super(`cannot use the database ${file}: ${reason}; ${fix}`);
    this.name = 'StoreOpenError';
  }
}

export interface StoredRun {
  id: string;
  kind: string;
  status: string;
  transport: string | null;
  pattern: string | null;
  createdAt: string;
  finishedAt: string | null;
  /** The run as the API shows it. */
  document: unknown;
}

export interface RunFilter {
  kind: string;
  transport?: string;
  pattern?: string;
  status?: string;
  /** ISO time: only runs created at or after it. */
  since?: string;
  limit: number;
  offset: number;
}

export interface StoredSnapshot {
  id: string;
  createdAt: string;
  label: string | null;
  hostname: string;
  state: string;
  document: unknown;
}

export interface Retention {
  /** Finished runs (and snapshots) kept, newest first. */
  maxRuns: number;
  /** Older ones are deleted; 0 keeps them whatever their age. */
  maxAgeDays: number;
}

function explainOpenFailure(file: string, err: unknown): StoreOpenError {
  const code = (err as { code?: string }).code ?? '';
  const message = (err as Error).message;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new StoreOpenError(file, `it is not a readable SQLite database (${message})`, 'move the file away (sockbench creates a new one) or set SOCKBENCH_DATA_DIR to another directory');
  }
  if (code.startsWith('SQLITE_READONLY') || code === 'SQLITE_CANTOPEN' || code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
    return new StoreOpenError(file, `it cannot be opened for writing (${code}: ${message})`, 'make the file and its directory writable by this user, or set SOCKBENCH_DATA_DIR to a writable directory');
  }
  return new StoreOpenError(file, `${code ? `${code}: ` : ''}${message}`, 'check the file, or set SOCKBENCH_DATA_DIR to another directory');
}

/**
 * Runs, sweeps and defaults snapshots in one SQLite file (WAL: readers never wait for the
 * writer, and a commit survives kill -9 of the service). Documents are stored whole as JSON;
 * the columns beside them exist for filtering and ordering.
 */
export class RunStore {
  readonly file: string;
  readonly #db: Database.Database;
  readonly #statements: ReturnType<RunStore['prepare']>;
  /** listRuns' statements by WHERE clause: a handful of filter combinations, each prepared once. */
  readonly #listStatements = new Map<string, { count: Database.Statement; page: Database.Statement }>();

  constructor(dataDir: string, private readonly retention: Retention) {
    const dir = resolve(dataDir);
    this.file = join(dir, DB_FILE);
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK);
      this.#db = new Database(this.file);
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = NORMAL');
      this.#db.pragma('busy_timeout = 5000');
      this.#migrate();
      this.#statements = this.prepare();
    } catch (err) {
      throw explainOpenFailure(this.file, err);
    }
    // Lowered retention settings apply at start, not only when the next run finishes.
    this.prune();
  }

  #migrate(): void {
    const version = this.#db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length) {
      throw Object.assign(new Error(`its schema version ${version} is newer than this sockbench knows (${MIGRATIONS.length})`), { code: 'SCHEMA_TOO_NEW' });
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.#db.transaction(() => {
        this.#db.exec(MIGRATIONS[v]);
        this.#db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  private prepare() {
    const db = this.#db;
    return {
      putRun: db.prepare(`INSERT INTO runs (id, kind, status, transport, pattern, created_at, finished_at, document)
        VALUES (@id, @kind, @status, @transport, @pattern, @createdAt, @finishedAt, @document)
        ON CONFLICT (id) DO UPDATE SET status = excluded.status, finished_at = excluded.finished_at, document = excluded.document`),
      getRun: db.prepare('SELECT document FROM runs WHERE id = ? AND kind = ?'),
      deleteRun: db.prepare('DELETE FROM runs WHERE id = ? AND kind = ?'),
      interrupt: db.prepare("SELECT id, document FROM runs WHERE status IN ('queued', 'running')"),
      pruneRunsByCount: db.prepare(`DELETE FROM runs WHERE finished_at IS NOT NULL AND id NOT IN (
        SELECT id FROM runs WHERE finished_at IS NOT NULL ORDER BY created_at DESC LIMIT ?)`),
      pruneRunsByAge: db.prepare('DELETE FROM runs WHERE finished_at IS NOT NULL AND created_at < ?'),
      putSnapshot: db.prepare(`INSERT INTO snapshots (id, created_at, label, hostname, state, document)
        VALUES (@id, @createdAt, @label, @hostname, @state, @document)`),
      getSnapshot: db.prepare('SELECT id, created_at AS createdAt, label, hostname, state, document FROM snapshots WHERE id = ?'),
      listSnapshots: db.prepare('SELECT id, created_at AS createdAt, label, hostname, state FROM snapshots ORDER BY created_at DESC LIMIT ? OFFSET ?'),
      countSnapshots: db.prepare('SELECT count(*) AS n FROM snapshots'),
      deleteSnapshot: db.prepare('DELETE FROM snapshots WHERE id = ?'),
      pruneSnapshotsByCount: db.prepare('DELETE FROM snapshots WHERE id NOT IN (SELECT id FROM snapshots ORDER BY created_at DESC LIMIT ?)'),
      pruneSnapshotsByAge: db.prepare('DELETE FROM snapshots WHERE created_at < ?'),
    };
  }

  /** Inserts or updates a run; a finished one triggers retention. */
  putRun(run: StoredRun): void {
    this.#writeRun(run);
    if (run.finishedAt !== null) this.prune();
  }

  #writeRun(run: StoredRun): void {
    this.#statements.putRun.run({ ...run, document: JSON.stringify(run.document) });
  }

  getRun(kind: string, id: string): unknown {
    const row = this.#statements.getRun.get(id, kind) as { document: string } | undefined;
    return row ? JSON.parse(row.document) : undefined;
  }

  deleteRun(kind: string, id: string): boolean {
    return this.#statements.deleteRun.run(id, kind).changes > 0;
  }

  /** A page of runs, newest first, and how many match in all. */
  listRuns(filter: RunFilter): { total: number; documents: unknown[] } {
    const where = ['kind = @kind'];
    for (const [column, key] of [['transport', 'transport'], ['pattern', 'pattern'], ['status', 'status']] as const) {
      if (filter[key] !== undefined) where.push(`${column} = @${key}`);
    }
    if (filter.since !== undefined) where.push('created_at >= @since');
    const clause = where.join(' AND ');
    let statements = this.#listStatements.get(clause);
    if (!statements) {
      statements = {
        count: this.#db.prepare(`SELECT count(*) AS n FROM runs WHERE ${clause}`),
        page: this.#db.prepare(`SELECT document FROM runs WHERE ${clause} ORDER BY created_at DESC, id LIMIT @limit OFFSET @offset`),
      };
      this.#listStatements.set(clause, statements);
    }
    const total = (statements.count.get(filter) as { n: number }).n;
    const rows = statements.page.all(filter) as Array<{ document: string }>;
    return { total, documents: rows.map((r) => JSON.parse(r.document)) };
  }

  /**
   * Runs left queued or running by a previous process (kill -9, a crash, power loss): they will
   * never finish, so they are marked as `mark` says, once, at start.
   */
  interruptLeftovers(mark: (document: any) => StoredRun): number {
    const rows = this.#statements.interrupt.all() as Array<{ document: string }>;
    if (rows.length === 0) return 0;
    this.#db.transaction(() => {
      for (const row of rows) this.#writeRun(mark(JSON.parse(row.document)));
      // Once for all of them: retention need not run per row.
      this.prune();
    })();
    return rows.length;
  }

  putSnapshot(snapshot: StoredSnapshot): void {
    this.#statements.putSnapshot.run({ ...snapshot, document: JSON.stringify(snapshot.document) });
    this.prune();
  }

  getSnapshot(id: string): StoredSnapshot | undefined {
    const row = this.#statements.getSnapshot.get(id) as (Omit<StoredSnapshot, 'document'> & { document: string }) | undefined;
    return row ? { ...row, document: JSON.parse(row.document) } : undefined;
  }

  listSnapshots(limit: number, offset: number): { total: number; snapshots: Array<Omit<StoredSnapshot, 'document'>> } {
    const total = (this.#statements.countSnapshots.get() as { n: number }).n;
    return { total, snapshots: this.#statements.listSnapshots.all(limit, offset) as Array<Omit<StoredSnapshot, 'document'>> };
  }

  deleteSnapshot(id: string): boolean {
    return this.#statements.deleteSnapshot.run(id).changes > 0;
  }

  /** Applies retention: at most maxRuns finished runs and snapshots each, none older than maxAgeDays. */
  prune(now = Date.now()): void {
    const s = this.#statements;
    s.pruneRunsByCount.run(this.retention.maxRuns);
    s.pruneSnapshotsByCount.run(this.retention.maxRuns);
    if (this.retention.maxAgeDays > 0) {
      const cutoff = new Date(now - this.retention.maxAgeDays * 86_400_000).toISOString();
      s.pruneRunsByAge.run(cutoff);
      s.pruneSnapshotsByAge.run(cutoff);
    }
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}
