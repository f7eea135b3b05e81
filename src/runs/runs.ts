import { EventEmitter } from 'node:events';
import type { Config } from '../config.js';
import { RunRegistry, type RunError, type RunKind, type RunLogger, type RunView } from './registry.js';
import { RunStore, type RunFilter } from './store.js';

/** Finished runs kept in memory besides the store: enough for every waiting client to read its own. */
const KEEP_IN_MEMORY = 64;

const INTERRUPTED: RunError = {
  code: 'SOCKBENCH_RUN_INTERRUPTED',
  message: 'The service stopped (restart, crash or kill) while this run was queued or running; run it again.',
};

export interface RunsOptions {
  describeError: (err: unknown) => RunError;
  /** The side and the call of a failure, for its log line. */
  traceError?: (err: unknown) => Record<string, unknown>;
  /** Each run logs through a child of this with its id. */
  log?: RunLogger;
  /** Where a failed write to the store is reported; the run itself goes on. */
  onStoreError: (err: unknown, runId: string) => void;
}

/** A benchmark's transport and pattern, or a sweep's (in its `base`); null where the config has none. */
export function transportAndPattern(config: unknown): { transport: string | null; pattern: string | null } {
  const c = (config ?? {}) as { transport?: unknown; pattern?: unknown; base?: { transport?: unknown; pattern?: unknown } };
  const source = c.base ?? c;
  return {
    transport: typeof source.transport === 'string' ? source.transport : null,
    pattern: typeof source.pattern === 'string' ? source.pattern : null,
  };
}

/**
 * Every run, of every kind: the live ones in a RunRegistry (one at a time, queue, cancel, events)
 * and all of them in the store, which is written at each change of state so that history
 * survives restarts. Lookups fall back to the store for runs no longer in memory.
 */
export class Runs {
  readonly registry: RunRegistry;
  /** 'change' with the run's view at every change of state (metrics listen here). */
  readonly events = new EventEmitter();
  /** Runs a previous process left queued or running, marked failed at start. */
  readonly interruptedAtStart: number;
  /** Finished runs whose last write to the store failed: only memory has their final state. */
  readonly #unsaved = new Set<string>();

  constructor(readonly store: RunStore, config: Config, opts: RunsOptions) {
    this.interruptedAtStart = store.interruptLeftovers((doc: RunView<unknown, unknown>) => this.#stored({
      ...doc, status: 'failed', queuePosition: null, error: INTERRUPTED, finishedAt: new Date().toISOString(),
    }));
    this.registry = new RunRegistry({
      queueLimit: config.SOCKBENCH_QUEUE_LIMIT,
      keepFinished: KEEP_IN_MEMORY,
      describeError: opts.describeError,
      traceError: opts.traceError,
      log: opts.log,
      persist: (view) => {
        this.events.emit('change', view);
        try {
          store.putRun(this.#stored(view));
          this.#unsaved.delete(view.id);
        } catch (err) {
          this.#unsaved.add(view.id);
          opts.onStoreError(err, view.id);
        }
      },
    });
  }

  #stored(view: RunView<unknown, unknown>) {
    return {
      id: view.id, kind: view.kind, status: view.status, ...transportAndPattern(view.config),
      createdAt: view.createdAt, finishedAt: view.finishedAt, document: { ...view, queuePosition: null },
    };
  }

  /**
   * The live view while the run is queued or running (with its queue position), else the stored
   * one: retention may have deleted a finished run that memory still holds.
   */
  get(kind: RunKind, id: string): RunView<unknown, unknown> | undefined {
    const live = this.registry.get(id);
    if (live && (live.finishedAt === null || this.#unsaved.has(id))) return live.kind === kind ? live : undefined;
    return this.store.getRun(kind, id) as RunView<unknown, unknown> | undefined;
  }

  /** A page of runs, newest first; live runs show their current state. */
  list(filter: RunFilter): { total: number; runs: RunView<unknown, unknown>[] } {
    const { total, documents } = this.store.listRuns(filter);
    const runs = (documents as RunView<unknown, unknown>[]).map((doc) => this.registry.get(doc.id) ?? doc);
    return { total, runs };
  }

  /**
   * Deletes a finished run everywhere. A queued or running one is left alone ('active'): a
   * delete must never end a run, and a cancel never deletes one, so that a cancel that arrives
   * just after the run finished cannot lose its result.
   */
  remove(kind: RunKind, id: string): 'deleted' | 'active' | 'missing' {
    const live = this.registry.get(id);
    if (live?.kind === kind) {
      if (live.finishedAt === null) return 'active';
      this.registry.remove(id);
    }
    this.#unsaved.delete(id);
    return this.store.deleteRun(kind, id) || live?.kind === kind ? 'deleted' : 'missing';
  }

  /**
   * Cancels a queued or running run and resolves with its final view once it has released
   * everything; a finished run is answered as it is. Never deletes. Undefined for an unknown id.
   */
  async cancel(kind: RunKind, id: string): Promise<RunView<unknown, unknown> | undefined> {
    const live = this.registry.get(id);
    if (live?.kind === kind && live.finishedAt === null) {
      this.registry.cancel(id);
      await this.registry.waitFor(id);
    }
    return this.get(kind, id);
  }
}
