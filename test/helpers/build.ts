import type { Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

/** The real app with default configuration (plus `env`), closed when the test ends. */
export async function build(t: Test, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const app = await buildApp({ config: loadConfig(env), logger: false });
  t.teardown(() => app.close());
  return app;
}

/** Open descriptors of this process, from /proc/self/fd. */
export async function openFds(): Promise<number> {
  const { readdirSync } = await import('node:fs');
  return readdirSync('/proc/self/fd').length;
}
