// The built service (dist/, as `npm start` runs it) in a child process on a free port, with its
// own data directory: what the benchmark scripts measure, so that their figures are the
// product's and not those of a TypeScript loader running beside it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface BuiltService {
  base: string;
  /** POSTs `body` as JSON to `path` and returns the answer's JSON. */
  post<T>(path: string, body: unknown): Promise<T>;
  stop(): void;
}

/** `npm start`'s command line (package.json), Node's options included, less the `node` itself. */
export function startArgs(): string[] {
  const start = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } }).scripts.start.split(/\s+/);
  if (start[0] !== 'node') throw new Error(`npm start runs ${start[0]}, not node`);
  return start.slice(1);
}

/** Starts the service as `npm start` does (less the build); it inherits this process's CPU affinity. */
export async function startBuiltService(env: NodeJS.ProcessEnv = {}): Promise<BuiltService & { pid: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sockbench-bench-'));
  const server = spawn(process.execPath, startArgs(), { env: { ...serviceEnv(dataDir), ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = () => {
    server.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.on('exit', stop);
  const base = await new Promise<string>((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`the server exited (${code}); run npm run build first`)));
    createInterface({ input: server.stdout! }).on('line', (line) => {
      const m = /Server listening at (http:\/\/[^"]+)/.exec(line);
      if (m) resolve(m[1]);
    });
  });
  return {
    base,
    pid: server.pid!,
    async post<T>(path: string, body: unknown): Promise<T> {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return await res.json() as T;
    },
    stop,
  };
}

function serviceEnv(dataDir: string): NodeJS.ProcessEnv {
  return { ...process.env, SOCKBENCH_PORT: '0', SOCKBENCH_DATA_DIR: dataDir, LOG_LEVEL: 'info', SOCKBENCH_MAX_DURATION_MS: '600000' };
}
