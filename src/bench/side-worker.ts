import { Worker } from 'node:worker_threads';
import type { Role } from '../sockets/pair.js';
import { BenchWorkerError } from './errors.js';
import type { SideInterval, SideReport, SideStart, SideWorkerData, WorkerMessage } from './protocol.js';

const live = new Set<Worker>();

/** Side workers that have started and not yet exited, in this process (tests check it drops to 0). */
export function liveWorkerCount(): number {
  return live.size;
}

const fromSource = new URL(import.meta.url).pathname.endsWith('.ts');

/** The worker entry next to this module: side.js once built into dist/, side.ts from source. */
export function sideWorkerUrl(): URL {
  return new URL(`./workers/side.${fromSource ? 'ts' : 'js'}`, import.meta.url);
}

/**
 * What a Worker runs. Built: the entry file itself. From source (tests, development): a bootstrap
 * that registers tsx (a dev dependency) in the new thread before importing the entry; the
 * inherited ts-node loader would transpile every module again in each thread, ~1.8 s per worker
 * here against ~0.3 s.
 */
function workerEntry(): { entry: URL | string; eval: boolean } {
  if (!fromSource) return { entry: sideWorkerUrl(), eval: false };
  const url = JSON.stringify(sideWorkerUrl().href);
  return { entry: `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${url}); });`, eval: true };
}

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

/** One side's worker thread, seen as promises of its steps (loaded, ready, result, exited) and a callback for its intervals. */
export class SideWorker {
  readonly role: Role;
  readonly #worker: Worker;
  readonly #loaded = deferred<void>();
  readonly #ready = deferred<void>();
  readonly #result = deferred<SideReport>();
  readonly #exited = deferred<number>();
  #exitCode: number | null = null;
  #started = false;
  /** Called with each interval this side closes, as soon as its message arrives (intervals on only). */
  onInterval: ((sample: SideInterval) => void) | null = null;

  constructor(role: Role, data: SideWorkerData, execArgv?: string[]) {
    this.role = role;
    const { entry, eval: isEval } = workerEntry();
    this.#worker = new Worker(entry, { eval: isEval, workerData: data, name: `sockbench-${role}`, execArgv: execArgv ?? (fromSource ? [] : process.execArgv) });
    live.add(this.#worker);
    this.#worker.on('message', (message: WorkerMessage) => this.#onMessage(message));
    this.#worker.on('error', (err) => this.#fail(new BenchWorkerError(role, { name: err.name, message: err.message })));
    this.#worker.on('exit', (code) => {
      live.delete(this.#worker);
      this.#exitCode = code;
      this.#fail(new BenchWorkerError(role, { name: 'WorkerExit', message: `the worker exited (code ${code}) before reporting` }));
      this.#exited.resolve(code);
    });
  }

  get loaded(): Promise<void> { return this.#loaded.promise; }
  get ready(): Promise<void> { return this.#ready.promise; }
  get result(): Promise<SideReport> { return this.#result.promise; }

  start(start: SideStart): void {
    this.#started = true;
    this.#worker.postMessage(start);
  }

  #onMessage(message: WorkerMessage): void {
    switch (message.type) {
      case 'loaded': this.#loaded.resolve(); break;
      case 'ready': this.#ready.resolve(); break;
      case 'interval': this.onInterval?.(message.sample); break;
      case 'result': this.#result.resolve(message.report); break;
      case 'stopped': this.#fail(new SideStoppedError(this.role)); break;
      case 'error': this.#fail(new BenchWorkerError(this.role, message.error)); break;
    }
  }

  /** Settles every pending step with `err` (settled ones keep their value). */
  #fail(err: Error): void {
    this.#loaded.reject(err);
    this.#ready.reject(err);
    this.#result.reject(err);
  }

  /**
   * Waits up to `graceMs` for a started thread to end by itself, then terminates it. A thread blocked
   * in a libc call cannot be terminated until the call returns (callers shut its sockets down
   * first); resolves false if it is still alive after a second grace period.
   */
  async join(graceMs: number, loadGraceMs: number): Promise<boolean> {
    if (this.#exitCode !== null) return true;
    if (this.#started) {
      if (await settlesWithin(this.#exited.promise, graceMs)) return true;
    } else {
      // It would wait for its sockets forever, so it is terminated at once; but not while it is
      // still loading modules: a thread terminated in the middle of a module read leaks that fd.
      await settlesWithin(Promise.race([this.#loaded.promise, this.#exited.promise]).catch(() => undefined), loadGraceMs);
    }
    void this.#worker.terminate().catch(() => undefined);
    return settlesWithin(this.#exited.promise, graceMs);
  }
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => { timer = setTimeout(resolve, ms, false); });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
