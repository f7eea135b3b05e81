import { randomUUID } from 'node:crypto';

export const RUN_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunProgress {
  /** Repeats finished so far, of `total`. */
  done: number;
  total: number;
}

export interface RunError {
  code: string;
  message: string;
}

/** One run as the API shows it; `R` is the kind's result. */
export interface RunView<C, R> {
  id: string;
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

/** The work of one run. It must stop promptly, and release everything, when `signal` aborts. */
export type RunWork<R> = (signal: AbortSignal, progress: (p: RunProgress) => void) => Promise<R>;

interface Entry<C, R> {
  view: RunView<C, R>;
  work: RunWork<R>;
  expectedMs: number;
  abort: AbortController;
  settled: Promise<void>;
  settle: () => void;
}

export class QueueFullError extends Error {
  constructor(readonly retryAfterSeconds: number, readonly limit: number) {
    super(`The run queue is full (${limit} waiting)`);
  }
}

export interface RegistryOptions {
  /** Runs that may wait behind the running one. */
  queueLimit: number;
  /** Finished runs kept for GET, oldest forgotten first. */
  keepFinished: number;
  /** Maps a failure to the code and message a client sees. */
  describeError: (err: unknown) => RunError;
}

/**
 * Runs one piece of work at a time, because concurrent benchmarks distort each other. Later
 * runs wait in a bounded FIFO; cancelled, failed and finished runs free the slot at once, so a
 * broken run never leaves the service busy.
 */
export class RunRegistry<C, R> {
  readonly #runs = new Map<string, Entry<C, R>>();
  readonly #queue: Entry<C, R>[] = [];
  #running: Entry<C, R> | null = null;
  #closed = false;

  constructor(private readonly opts: RegistryOptions) {}

  /** Queues a run and returns its view; throws QueueFullError beyond the bound. */
  submit(config: C, work: RunWork<R>, expectedMs: number, total: number): RunView<C, R> {
    if (this.#closed) throw new QueueFullError(1, this.opts.queueLimit);
    if (this.#running && this.#queue.length >= this.opts.queueLimit) {
      throw new QueueFullError(Math.max(1, Math.ceil(this.#pendingMs() / 1000)), this.opts.queueLimit);
    }
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => { settle = resolve; });
    const entry: Entry<C, R> = {
      view: {
        id: randomUUID(), status: 'queued', queuePosition: null, createdAt: new Date().toISOString(),
        startedAt: null, finishedAt: null, config, progress: { done: 0, total }, result: null, error: null,
      },
      work, expectedMs, abort: new AbortController(), settled, settle,
    };
    this.#runs.set(entry.view.id, entry);
    this.#queue.push(entry);
    this.#pump();
    return this.get(entry.view.id)!;
  }

  get(id: string): RunView<C, R> | undefined {
    const entry = this.#runs.get(id);
    if (!entry) return undefined;
    const index = this.#queue.indexOf(entry);
    return { ...entry.view, queuePosition: index === -1 ? null : index + 1 };
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

  /** Removes a finished run; a queued or running one is cancelled first. */
  async remove(id: string): Promise<boolean> {
    if (!this.cancel(id)) return false;
    await this.#runs.get(id)?.settled;
    return this.#runs.delete(id);
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
    entry.work(entry.abort.signal, (p) => { entry.view.progress = p; })
      .then(
        (result) => this.#finish(entry, entry.abort.signal.aborted ? 'cancelled' : 'done', result, null),
        (err: unknown) => this.#finish(entry, entry.abort.signal.aborted ? 'cancelled' : 'failed', null, this.opts.describeError(err)),
      )
      .finally(() => {
        this.#running = null;
        this.#pump();
      });
  }

  #finish(entry: Entry<C, R>, status: RunStatus, result: R | null, error: RunError | null): void {
    Object.assign(entry.view, { status, result, error, finishedAt: new Date().toISOString() });
    entry.settle();
    this.#forgetOld();
  }

  #forgetOld(): void {
    const finished = [...this.#runs.values()].filter((e) => e.view.finishedAt !== null);
    for (const e of finished.slice(0, Math.max(0, finished.length - this.opts.keepFinished))) this.#runs.delete(e.view.id);
  }
}
