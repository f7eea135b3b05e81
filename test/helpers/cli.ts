import type { Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { build } from './build.js';

export interface Outcome { code: number | null; stdout: string; stderr: string }

/** Runs `sockbench ...args` as users do, in a child process; SOCKBENCH_URL and SOCKBENCH_TOKEN come only from `env`. */
export async function sockbench(args: string[], env: Record<string, string> = {}, input?: string): Promise<Outcome> {
  const { SOCKBENCH_URL: _u, SOCKBENCH_TOKEN: _t, ...inherited } = process.env;
  const child = spawn(process.execPath, [...process.execArgv, 'src/cli/main.ts', ...args], {
    env: { ...inherited, ...env }, stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => { stdout += String(d); });
  child.stderr.on('data', (d) => { stderr += String(d); });
  child.stdin.end(input);
  const [code] = await once(child, 'exit') as [number | null];
  return { code, stdout, stderr };
}

/** The real app on 127.0.0.1:<any port>; `setup` adds hooks before it listens. */
export async function listening(t: Test, setup: (app: FastifyInstance) => void = () => {}): Promise<{ app: FastifyInstance; url: string }> {
  const app = await build(t, { SOCKBENCH_MAX_DURATION_MS: '5000' });
  setup(app);
  return { app, url: await app.listen({ host: '127.0.0.1', port: 0 }) };
}
