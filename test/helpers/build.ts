import type { Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { workerPool } from '../../src/bench/worker-pool.js';

/** A fresh data directory (for SOCKBENCH_DATA_DIR), removed when the test ends. */
export function tempDataDir(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'sockbench-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The real app with default configuration (plus `env`) and its own history, closed when the test ends. */
export async function build(t: Test, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const app = await buildApp({ config: loadConfig({ SOCKBENCH_DATA_DIR: env.SOCKBENCH_DATA_DIR ?? tempDataDir(t), ...env }), logger: false });
  t.teardown(() => app.close());
  return app;
}

/** Open descriptors of this process, from /proc/self/fd, once idle pooled workers are gone. */
export async function openFds(): Promise<number> {
  const { readdirSync } = await import('node:fs');
  // Idle pooled workers hold their own event loop's descriptors; they are not a run's leak.
  await workerPool.drain();
  return readdirSync('/proc/self/fd').length;
}
