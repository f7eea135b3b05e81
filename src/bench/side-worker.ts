import type { Role } from '../sockets/pair.js';
import { BenchWorkerError } from './errors.js';
import type { SideInterval, SideJob, SideReport, SideStart, SideWorkerData, WorkerMessage } from './protocol.js';
import { settlesWithin, workerPool, type SideThread } from './worker-pool.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  // Rejections are consumed by whoever awaits; this only keeps an unobserved one from crashing the process.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/** The worker was told to stop (the run was aborted) and did so without a result. */
export class SideStoppedError extends Error {
  constructor(role: Role) {
    super(`the ${role} side stopped`);
    this.name = 'SideStoppedError';
  }
}

/**
 * One side of one run, on a worker thread borrowed from the pool, seen as promises of its steps
 * (loaded, ready, result) and a callback for its intervals. join() gives the thread back when the
 * job ended cleanly, and terminates it otherwise.
 */
export class SideWorker {
  readonly role: Role;
  readonly #data: SideWorkerData;
  readonly #thread: SideThread;
  readonly #loaded = deferred<void>();
  readonly #ready = deferred<void>();
  readonly #result = deferred<SideReport>();
  /** The worker posted its last message for this job (result, stopped or error): it is idle again. */
  readonly #ended = deferred<void>();
  #started = false;
  #joined = false;
  /** Called with each interval this side closes, as soon as its message arrives (intervals on only). */
  onInterval: ((sample: SideInterval) => void) | null = null;

  constructor(role: Role, data: SideWorkerData, execArgv?: string[]) {
    this.role = role;
    this.#data = data;
    this.#thread = workerPool.acquire(execArgv);
    this.#thread.listener = {
      onMessage: (message) => this.#onMessage(message),
      onError: (err) => this.#fail(new BenchWorkerError(role, { name: err.name, message: err.message })),
      onExit: (code) => this.#fail(new BenchWorkerError(role, { name: 'WorkerExit', message: `the worker exited (code ${code}) before reporting` })),
    };
    this.#thread.loaded.then(() => this.#loaded.resolve(), (err: Error) => this.#fail(new BenchWorkerError(role, { name: 'WorkerExit', message: err.message })));
  }

  get loaded(): Promise<void> { return this.#loaded.promise; }
  get ready(): Promise<void> { return this.#ready.promise; }
  get result(): Promise<SideReport> { return this.#result.promise; }

  start(start: SideStart): void {
    this.#started = true;
    const job: SideJob = { data: this.#data, start };
    this.#thread.worker.postMessage(job);
  }

  #onMessage(message: WorkerMessage): void {
    switch (message.type) {
      case 'ready': this.#ready.resolve(); break;
      case 'interval': this.onInterval?.(message.sample); break;
      case 'result':
        this.#result.resolve(message.report);
        this.#ended.resolve();
        break;
      case 'stopped':
        this.#fail(new SideStoppedError(this.role));
        this.#ended.resolve();
        break;
      case 'error':
        this.#fail(new BenchWorkerError(this.role, message.error));
        this.#ended.resolve();
        break;
    }
  }

  /** Settles every pending step with `err` (settled ones keep their value). */
  #fail(err: Error): void {
    this.#loaded.reject(err);
    this.#ready.reject(err);
    this.#result.reject(err);
  }

  /**
   * Waits up to `graceMs` for a started job to end, then hands the thread back to the pool; a
   * thread that never got its job goes back at once. A job still running after the grace (a
   * thread blocked in a libc call: callers shut its sockets down first) has its thread terminated;
   * resolves false if the thread is still alive after a second grace period.
   */
  async join(graceMs: number): Promise<boolean> {
    if (this.#joined) return true;
    this.#joined = true;
    const thread = this.#thread;
    if (thread.exitCode !== null) {
      workerPool.discard(thread);
      return true;
    }
    if (!this.#started || await settlesWithin(Promise.race([this.#ended.promise, thread.exited]), graceMs)) {
      if (thread.exitCode === null) workerPool.release(thread);
      else workerPool.discard(thread);
      return true;
    }
    workerPool.discard(thread);
    return settlesWithin(thread.exited, graceMs);
  }
}
