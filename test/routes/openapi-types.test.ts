import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { build } from '../helpers/build.js';

// A client generated from the served document has types for what users read most: a benchmark's
// throughput and a host default. openapi-typescript writes the types, the repository's tsc checks a
// program that reads them; if the paths left the document, the program would not compile.

const root = fileURLToPath(new URL('../..', import.meta.url));

const PROGRAM = `import type { paths } from './api.js';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type Run = Json<paths['/v1/benchmarks/{id}']['get']['responses']['200']>;
type Defaults = Json<paths['/v1/defaults']['get']['responses']['200']>;

export function throughput(run: Run): number | null {
  const summary = run.result?.summary;
  if (summary === undefined || !('bitsPerSecond' in summary)) return null;
  const bps: number | null = summary.bitsPerSecond;
  // @ts-expect-error the generated types are exact: a figure that is not in the document does not type-check
  summary.bitsPerSecondTypo;
  return bps;
}

export function latencyP99(run: Run): number | null {
  const summary = run.result?.summary;
  return summary !== undefined && 'latencyMicros' in summary ? summary.latencyMicros.p99 : null;
}

export function rmemMax(defaults: Defaults): number | null {
  return defaults.sysctls['net.core.rmem_max'];
}

export function tcpNodelay(defaults: Defaults): boolean | null {
  return defaults.sockets.tcp4.TCP_NODELAY;
}
`;

function run(cmd: string, args: string[], cwd: string) {
  const out = spawnSync(process.execPath, [cmd, ...args], { cwd, encoding: 'utf8', timeout: 120000 });
  if (out.error) throw out.error;
  return { status: out.status, output: `${out.stdout}${out.stderr}` };
}

t.test('openapi-typescript types from GET /v1/openapi.json read a throughput and a default, type-checked by tsc', async (t) => {
  const app = await build(t);
  const res = await app.inject('/v1/openapi.json');
  t.equal(res.statusCode, 200);
  const dir = mkdtempSync(join(tmpdir(), 'sockbench-client-'));
  t.teardown(() => spawnSync('rm', ['-rf', dir]));
  writeFileSync(join(dir, 'openapi.json'), res.body);
  const generate = run(join(root, 'node_modules/openapi-typescript/bin/cli.js'), ['openapi.json', '-o', 'api.d.ts'], dir);
  t.equal(generate.status, 0, `openapi-typescript: ${generate.output}`);
  writeFileSync(join(dir, 'client.ts'), PROGRAM);
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', 'client.ts'];
  const check = run(tsc, flags, dir);
  t.equal(check.status, 0, `tsc --noEmit: ${check.output}`);

  // Without the throughput in the document, the same program does not compile: the check can fail.
  const doc = res.json();
  for (const schema of doc.paths['/v1/benchmarks/{id}'].get.responses['200'].content['application/json'].schema.properties.result.properties.summary.anyOf) {
    delete schema.properties.bitsPerSecond;
  }
  writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc));
  t.equal(run(join(root, 'node_modules/openapi-typescript/bin/cli.js'), ['openapi.json', '-o', 'api.d.ts'], dir).status, 0);
  const broken = run(tsc, flags, dir);
  t.not(broken.status, 0, 'a document without summary.bitsPerSecond fails the type check');
  const line = PROGRAM.split('\n').findIndex((l) => l.includes('= summary.bitsPerSecond')) + 1;
  t.match(broken.output, `client.ts(${line},`, 'at the line that reads it');
});
