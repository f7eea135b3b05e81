import type { Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { tempDataDir } from './data-dir.js';
import { buildApp } from '../../src/app.js';
import type { ContractViolation } from '../../src/response-contract.js';
import { loadConfig } from '../../src/config.js';
import { workerPool } from '../../src/bench/worker-pool.js';

export { tempDataDir };

/** Fails the test on every reply that its route's response schema does not describe. */
export function failOnContractViolation(t: Test): (violation: ContractViolation) => void {
  return (violation) => t.fail(`${violation.method} ${violation.url}: the ${violation.statusCode} reply breaks its response schema`, { diagnostic: true, problems: violation.problems });
}

/**
 * The real app with default configuration (plus `env`) and its own history, closed when the test
 * ends. Every JSON reply is checked against its route's response schema (src/response-contract.ts).
 */
export async function build(t: Test, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const app = await buildApp({ config: loadConfig({ SOCKBENCH_DATA_DIR: env.SOCKBENCH_DATA_DIR ?? tempDataDir(t), ...env }), logger: false, checkResponses: failOnContractViolation(t) });
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
