import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Nullable, StringEnum } from '../schema-types.js';

export const RUN_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunProgress {
  /** Repeats finished so far, of `total`. */
  done: number;
  total: number;
}

/** peer: this host serving the far side of another instance's benchmark (src/peer). */
export type RunKind = 'benchmark' | 'sweep' | 'peer';

export const RunErrorSchema = Type.Object({
  code: Type.String({ description: 'A stable SOCKBENCH_* code' }),
  message: Type.String(),
  retryAfterSeconds: Type.Optional(Type.Integer({ description: 'A busy peer: when to try again (the answer\'s Retry-After)' })),
}, { additionalProperties: false });
export type RunError = Static<typeof RunErrorSchema>;

/** The schema of RunView<C, R> for one kind: its config and result schemas inside the common frame. */
export function runDocumentSchema<C extends TSchema, R extends TSchema>(kind: RunKind, config: C, result: R, description: string) {
  return Type.Object({
    id: Type.String({ format: 'uuid' }),
    kind: Type.Literal(kind),
    status: StringEnum(RUN_STATUSES),
    queuePosition: Nullable(Type.Integer(), '1-based place in the queue while queued, else null'),
    createdAt: Type.String({ format: 'date-time' }),
    startedAt: Nullable(Type.String({ format: 'date-time' })),
    finishedAt: Nullable(Type.String({ format: 'date-time' })),
    config: config,
    progress: Type.Object({ done: Type.Integer(), total: Type.Integer() }, { additionalProperties: false }),
    result: Nullable(result, 'null until the run is done (a cancelled run keeps what it finished, where its kind does)'),
    error: Nullable(RunErrorSchema),
  }, { additionalProperties: false, description });
}

/** One run as the API shows it; `R` is the kind's result. */
export interface RunView<C, R> {
  id: string;
  kind: RunKind;
  status: RunStatus;
  /** 1-based place in the queue while queued, else null. */
  queuePosition: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  config: C;
  progress: RunProgress;
  result: R | null;
  error: RunError | null;
}

/** Something a run tells its watchers while it goes (an interval sample, a finished sweep point). */
export interface RunEvent {
  event: string;
  data: unknown;
}

/** Where a run logs: every line carries its id (a pino child logger with `runId`). */
export interface RunLogger {
  child(bindings: Record<string, unknown>): RunLogger;
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RunReporter {
  progress(p: RunProgress): void;
  emit(event: RunEvent): void;
  /** The run's own logger. */
  log: RunLogger;
}

/** The work of one run. It must stop promptly, and release everything, when `signal` aborts. */
export type RunWork<R> = (signal: AbortSignal, report: RunReporter) => Promise<R>;

interface Entry<C, R> {
  view: RunView<C, R>;
  work: RunWork<R>;
  expectedMs: number;
  abort: AbortController;
  log: RunLogger;
  settled: Promise<void>;
  settle: () => void;
  events: EventEmitter;
}

export class QueueFullError extends Error {
  constructor(readonly retryAfterSeconds: number, readonly limit: number) {
    super(`The run queue is full (${limit} waiting)`);
  }
}

export interface RegistryOptions<C, R> {
  /** Runs that may wait behind the running one. */
  queueLimit: number;
  /** Finished runs kept in memory, oldest forgotten first (the store keeps them all). */
  keepFinished: number;
  /** Maps a failure to the code and message a client sees. */
  describeError: (err: unknown) => RunError;
  /** Called with the run's view whenever its state changes (submitted, started, progress, finished). */
  persist?: (view: RunView<C, R>) => void;
  /** The service's logger; each run logs through a child of it with its id. */
  log?: RunLogger;
  /** What a failure's log line says beyond the error and its stack: the side and the call that failed. */
  traceError?: (err: unknown) => Record<string, unknown>;
}

const SILENT: RunLogger = { child: () => SILENT, debug() {}, info() {}, warn() {}, error() {} };

/**
 * Runs one piece of work at a time, because concurrent benchmarks distort each other. Later
 * runs wait in a bounded FIFO; cancelled, failed and finished runs free the slot at once, so a
 * broken run never leaves the service busy.
 */
export class RunRegistry<C = unknown, R = unknown> {
  readonly #runs = new Map<string, Entry<C, R>>();
  readonly #queue: Entry<C, R>[] = [];
  #running: Entry<C, R> | null = null;
  #closed = false;

  constructor(private readonly opts: RegistryOptions<C, R>) {}

  /** Queues a run and returns its view; throws QueueFullError beyond the bound. */
  submit(kind: RunKind, config: C, work: RunWork<R>, expectedMs: number, total: number): RunView<C, R> {
    if (this.#closed) throw new QueueFullError(1, this.opts.queueLimit);
    if (this.#running && this.#queue.length >= this.opts.queueLimit) {
      throw new QueueFullError(this.retryAfterSeconds(), this.opts.queueLimit);
    }
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => { settle = resolve; });
    const id = randomUUID();
    const entry: Entry<C, R> = {
      view: {
        id, kind, status: 'queued', queuePosition: null, createdAt: new Date().toISOString(),
        startedAt: null, finishedAt: null, config, progress: { done: 0, total }, result: null, error: null,
      },
      work, expectedMs, abort: new AbortController(), log: (this.opts.log ?? SILENT).child({ runId: id, kind }), settled, settle, events: new EventEmitter(),
    };
    this.#runs.set(entry.view.id, entry);
    this.#queue.push(entry);
    this.#changed(entry);
    entry.log.debug({ queued: this.#queue.length }, 'run queued');
    this.#pump();
    return this.get(entry.view.id)!;
  }

  get(id: string): RunView<C, R> | undefined {
    const entry = this.#runs.get(id);
    if (!entry) return undefined;
    const index = this.#queue.indexOf(entry);
    return { ...entry.view, queuePosition: index === -1 ? null : index + 1 };
  }

  /**
   * Calls `listener` with each event of a run that is still in memory and not finished, until it
   * finishes ('end', with the final view) or `unsubscribe` is called. Returns null otherwise.
   */
  subscribe(id: string, listener: (e: RunEvent) => void): (() => void) | null {
    const entry = this.#runs.get(id);
    if (!entry || entry.view.finishedAt !== null) return null;
    entry.events.on('run', listener);
    return () => { entry.events.off('run', listener); };
  }

  /** Resolves when the run has ended (any final status) and released everything. */
  async waitFor(id: string): Promise<RunView<C, R> | undefined> {
    const entry = this.#runs.get(id);
    if (!entry) return undefined;
    await entry.settled;
    return this.get(id);
  }

  /** Cancels a queued or running run; returns false when there is no such run. */
  cancel(id: string): boolean {
    const entry = this.#runs.get(id);
    if (!entry) return false;
    const index = this.#queue.indexOf(entry);
    if (index !== -1) {
      this.#queue.splice(index, 1);
      this.#finish(entry, 'cancelled', null, null);
    } else if (entry.view.status === 'running') {
      entry.abort.abort();
    }
    return true;
  }

  /** Forgets a finished run; a queued or running one stays (cancel it first). False when not here or not finished. */
  remove(id: string): boolean {
    const entry = this.#runs.get(id);
    if (!entry || entry.view.finishedAt === null) return false;
    return this.#runs.delete(id);
  }

  /** Seconds until the running and queued runs should have ended (Retry-After). */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.#pendingMs() / 1000));
  }

  get busy(): boolean {
    return this.#running !== null;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** Refuses new runs, cancels every queued and running one, and waits until all have ended. */
  async close(): Promise<void> {
    this.#closed = true;
    const all = [...this.#runs.values()];
    for (const entry of [...this.#queue]) this.cancel(entry.view.id);
    this.#running?.abort.abort();
    await Promise.all(all.map((e) => e.settled));
  }

  #pendingMs(): number {
    const running = this.#running ? this.#running.expectedMs : 0;
    return running + this.#queue.reduce((sum, e) => sum + e.expectedMs, 0);
  }

  #pump(): void {
    if (this.#running || this.#queue.length === 0) return;
    const entry = this.#queue.shift()!;
    this.#running = entry;
    entry.view.status = 'running';
    entry.view.startedAt = new Date().toISOString();
    this.#changed(entry);
    entry.log.info({ config: entry.view.config }, 'run started');
    const reporter: RunReporter = {
      log: entry.log,
      progress: (p) => {
        entry.view.progress = p;
        this.#changed(entry);
        this.#send(entry, { event: 'progress', data: p });
      },
      emit: (e) => this.#send(entry, e),
    };
    Promise.resolve().then(() => entry.work(entry.abort.signal, reporter))
      .then(
        (result) => this.#finish(entry, entry.abort.signal.aborted ? 'cancelled' : 'done', result, null),
        // A cancelled run is not a failure: its error would only say it was cancelled.
        (err: unknown) => {
          if (entry.abort.signal.aborted) return this.#finish(entry, 'cancelled', null, null);
          const error = this.opts.describeError(err);
          // Once per failed run: what the client sees, and what it does not (the side, the call, the stack).
          entry.log.error({ err, code: error.code, ...this.opts.traceError?.(err) }, 'run failed');
          this.#finish(entry, 'failed', null, error);
        },
      )
      .finally(() => {
        this.#running = null;
        this.#pump();
      });
  }

  #finish(entry: Entry<C, R>, status: RunStatus, result: R | null, error: RunError | null): void {
    Object.assign(entry.view, { status, result, error, finishedAt: new Date().toISOString() });
    const { startedAt, finishedAt } = entry.view;
    entry.log.info({ status, durationMs: startedAt === null ? null : Date.parse(finishedAt!) - Date.parse(startedAt) }, 'run ended');
    this.#changed(entry);
    this.#send(entry, { event: 'end', data: this.get(entry.view.id) });
    entry.events.removeAllListeners();
    entry.settle();
    this.#forgetOld();
  }

  #send(entry: Entry<C, R>, e: RunEvent): void {
    // A watcher's failure is its own (a closed connection); it must not fail the run.
    for (const listener of entry.events.listeners('run')) {
      try { (listener as (e: RunEvent) => void)(e); } catch { /* the watcher's problem */ }
    }
  }

  #changed(entry: Entry<C, R>): void {
    this.opts.persist?.(entry.view);
  }

  #forgetOld(): void {
    const finished = [...this.#runs.values()].filter((e) => e.view.finishedAt !== null);
    for (const e of finished.slice(0, Math.max(0, finished.length - this.opts.keepFinished))) this.#runs.delete(e.view.id);
  }
}
