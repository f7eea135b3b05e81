import { BenchTimeoutError } from './errors.js';

/** The timers of one run, all cleared when it ends however it ends. */
export class RunTimers {
  readonly #timers = new Set<NodeJS.Timeout>();

  after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }

  clear(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

/** `step`'s value, or a BenchTimeoutError naming `phase` once `limitMs` has passed. */
export async function withinLimit<T>(step: Promise<T>, phase: string, limitMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchTimeoutError(phase, limitMs)), limitMs);
  });
  try {
    return await Promise.race([step, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
