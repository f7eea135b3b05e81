import { Worker } from 'node:worker_threads';
import type { WorkerMessage } from './protocol.js';

// Side workers outlive their run. Starting a thread and loading the bindings in it costs
// 60-100 ms here, more than a short sweep point measures; a worker that ended its last job
// cleanly (it posted its result, "stopped" or "error") is back in its event loop waiting for the
// next one, so it is kept idle for the next run instead of being thrown away. A worker that did
// not end cleanly (still blocked, crashed) is terminated and never reused.

export interface PoolSettings {
  /** Idle workers kept for later runs; 0 starts a fresh thread for every side of every run. */
  maxIdle: number;
  /** An idle worker unused this long is terminated. */
  idleMs: number;
}

const DEFAULT_SETTINGS: PoolSettings = { maxIdle: 8, idleMs: 60_000 };
/** A thread terminated while it is still reading its modules leaks that fd: let it finish loading first, within this bound. */
const LOAD_GRACE_MS = 30_000;

const fromSource = new URL(import.meta.url).pathname.endsWith('.ts');

/**
 * This process's Node options for a worker, less V8's heap sizes (`npm start` passes
 * --max-semi-space-size): a Worker refuses V8 options in execArgv, and V8's flags hold for every
 * isolate of the process, the workers' included.
 */
function workerExecArgv(): string[] {
  return process.execArgv.filter((arg) => !/^--max-(semi|old)-space-size\b/.test(arg));
}

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

/** Whoever is using a thread for one job hears its messages, errors and exit. */
export interface JobListener {
  onMessage(message: WorkerMessage): void;
  onError(err: Error): void;
  onExit(code: number): void;
}

/** One worker thread, seen across the jobs it runs. */
export class SideThread {
  readonly worker: Worker;
  readonly key: string;
  readonly loaded: Promise<void>;
  readonly exited: Promise<number>;
  exitCode: number | null = null;
  listener: JobListener | null = null;
  idleTimer: NodeJS.Timeout | null = null;

  constructor(execArgv: string[] | undefined, key: string, onExit: (thread: SideThread) => void) {
    this.key = key;
    const { entry, eval: isEval } = workerEntry();
    this.worker = new Worker(entry, { eval: isEval, name: 'sockbench-side', execArgv: execArgv ?? (fromSource ? [] : workerExecArgv()) });
    let loaded!: () => void;
    let notLoaded!: (err: Error) => void;
    this.loaded = new Promise<void>((res, rej) => { loaded = res; notLoaded = rej; });
    this.loaded.catch(() => undefined);
    let exited!: (code: number) => void;
    this.exited = new Promise<number>((res) => { exited = res; });
    this.worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'loaded') loaded();
      else this.listener?.onMessage(message);
    });
    this.worker.on('error', (err) => this.listener?.onError(err));
    this.worker.on('exit', (code) => {
      this.exitCode = code;
      notLoaded(new Error(`the worker exited (code ${code}) while loading`));
      onExit(this);
      this.listener?.onExit(code);
      exited(code);
    });
  }

  /** Terminates the thread, once it has finished loading (or the load grace has passed). */
  retire(): Promise<number> {
    if (this.exitCode === null) {
      void settlesWithin(this.loaded.catch(() => undefined), LOAD_GRACE_MS).then(() => this.worker.terminate()).catch(() => undefined);
    }
    return this.exited;
  }
}

class WorkerPool {
  #settings: PoolSettings = { ...DEFAULT_SETTINGS };
  readonly #all = new Set<SideThread>();
  readonly #busy = new Set<SideThread>();
  readonly #idle: SideThread[] = [];

  configure(settings: Partial<PoolSettings>): void {
    this.#settings = { ...this.#settings, ...settings };
    while (this.#idle.length > this.#settings.maxIdle) this.#retireIdle(this.#idle[0]!);
  }

  /** An idle worker started with the same execArgv, or a new one (still loading). */
  acquire(execArgv?: string[]): SideThread {
    const key = JSON.stringify(execArgv ?? null);
    const at = this.#idle.findIndex((thread) => thread.key === key);
    const thread = at >= 0 ? this.#idle.splice(at, 1)[0]! : this.#spawn(execArgv, key);
    if (thread.idleTimer) clearTimeout(thread.idleTimer);
    thread.idleTimer = null;
    thread.worker.ref();
    this.#busy.add(thread);
    return thread;
  }

  /** Takes back a worker whose job ended cleanly (or that never got one). */
  release(thread: SideThread): void {
    thread.listener = null;
    this.#busy.delete(thread);
    if (thread.exitCode !== null) return;
    if (this.#idle.length >= this.#settings.maxIdle) {
      void thread.retire();
      return;
    }
    // An idle worker must not keep the process alive (the CLI, a test file, a closing server).
    thread.worker.unref();
    thread.idleTimer = setTimeout(() => this.#retireIdle(thread), this.#settings.idleMs);
    thread.idleTimer.unref();
    this.#idle.push(thread);
  }

  /** A worker whose job did not end cleanly: it is terminated, never reused. */
  discard(thread: SideThread): void {
    thread.listener = null;
    this.#busy.delete(thread);
    void thread.retire();
  }

  /** Terminates every idle worker and waits until it and every one already being retired have exited (busy ones belong to their runs). */
  async drain(): Promise<void> {
    for (const thread of [...this.#idle]) void this.#retireIdle(thread);
    await Promise.all([...this.#all].filter((thread) => !this.#busy.has(thread)).map((thread) => thread.exited));
  }

  /** Threads lent to runs right now. */
  get busy(): readonly SideThread[] { return [...this.#busy]; }
  get busyCount(): number { return this.#busy.size; }
  get idleCount(): number { return this.#idle.length; }
  get threadCount(): number { return this.#all.size; }

  #spawn(execArgv: string[] | undefined, key: string): SideThread {
    const thread = new SideThread(execArgv, key, (gone) => this.#forget(gone));
    this.#all.add(thread);
    return thread;
  }

  #retireIdle(thread: SideThread): Promise<number> {
    const at = this.#idle.indexOf(thread);
    if (at >= 0) this.#idle.splice(at, 1);
    if (thread.idleTimer) clearTimeout(thread.idleTimer);
    thread.idleTimer = null;
    return thread.retire();
  }

  #forget(thread: SideThread): void {
    this.#all.delete(thread);
    this.#busy.delete(thread);
    const at = this.#idle.indexOf(thread);
    if (at >= 0) this.#idle.splice(at, 1);
    if (thread.idleTimer) clearTimeout(thread.idleTimer);
  }
}

export const workerPool = new WorkerPool();

/** Side workers in use by a run right now (tests check it drops to 0 when a run ends). */
export function busyWorkerCount(): number {
  return workerPool.busyCount;
}

/** Side worker threads alive in this process, idle ones included. */
export function workerThreadCount(): number {
  return workerPool.threadCount;
}

export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => { timer = setTimeout(resolve, ms, false); });
  try {
    return await Promise.race([promise.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
