import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { build } from '../helpers/build.js';

// The served document as a contract: redocly's recommended rules find nothing (redocly.yaml turns
// off one rule, with its reason), and every response says what it holds.

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Problem { ruleId: string; severity: 'error' | 'warn'; message: string; location: Array<{ pointer: string }> }

function lint(file: string): Problem[] {
  const cli = join(root, 'node_modules/@redocly/cli/bin/cli.js');
  const out = spawnSync(process.execPath, [cli, 'lint', file, '--config', join(root, 'redocly.yaml'), '--format=json'], { encoding: 'utf8', timeout: 60000 });
  if (out.error) throw out.error;
  return (JSON.parse(out.stdout) as { problems: Problem[] }).problems;
}

t.test('redocly lint (recommended rules) finds no error and no warning in GET /v1/openapi.json', async (t) => {
  const app = await build(t);
  const res = await app.inject('/v1/openapi.json');
  t.equal(res.statusCode, 200);
  const doc = res.json();
  const dir = mkdtempSync(join(tmpdir(), 'sockbench-openapi-'));
  t.teardown(() => spawnSync('rm', ['-rf', dir]));
  const file = join(dir, 'openapi.json');
  writeFileSync(file, res.body);
  const problems = lint(file);
  const show = (p: Problem) => `${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`;
  t.same(problems.filter((p) => p.severity === 'error').map(show), [], 'no error');
  t.same(problems.filter((p) => p.severity === 'warn').map(show), [], 'no warning but those redocly.yaml turns off');

  // The same linter on a document with the faults it is meant to catch: so a clean run means something.
  const broken = structuredClone(doc);
  delete broken.servers;
  delete Object.values(broken.paths['/v1/health'] as Record<string, { operationId?: string }>)[0].operationId;
  writeFileSync(file, JSON.stringify(broken));
  const found = new Set(lint(file).map((p) => p.ruleId));
  t.ok(found.has('no-empty-servers') && found.has('operation-operationId'), `the linter reports what was removed (${[...found].join(', ')})`);

  t.ok(doc.servers.length > 0, 'servers');
  t.match(doc.components.securitySchemes, { bearerToken: { type: 'http', scheme: 'bearer' } }, 'the bearer token is declared');
  t.same(doc.paths['/v1/health'].get.security, [], 'GET /v1/health needs no token');
  const redocly = readFileSync(join(root, 'redocly.yaml'), 'utf8');
  for (const line of redocly.split('\n').filter((l) => /^\s+[a-z0-9-]+: (off|warn)/.test(l))) {
    const before = redocly.slice(0, redocly.indexOf(line)).trimEnd().split('\n').at(-1) ?? '';
    t.match(before, /^\s*#/, `${line.trim()}: its reason is written above it`);
  }
});

/** Every object schema under `node` that does not say what its properties are, by JSON Pointer. */
function openObjects(node: unknown, path: string, out: string[]): string[] {
  if (Array.isArray(node)) node.forEach((n, i) => openObjects(n, `${path}/${i}`, out));
  else if (node !== null && typeof node === 'object') {
    const s = node as Record<string, unknown>;
    const types = ([] as unknown[]).concat(s.type ?? []);
    if (types.includes('object') && !s.properties && (s.additionalProperties === undefined || s.additionalProperties === true)) out.push(path);
    if (s.additionalProperties === true) out.push(`${path} (additionalProperties: true)`);
    for (const [k, v] of Object.entries(s)) openObjects(v, `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
  }
  return out;
}

t.test('every response of every route says what it holds: no open object, maps say what their values are', async (t) => {
  const app = await build(t);
  const doc = (await app.inject('/v1/openapi.json')).json();
  const open: string[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, unknown> }>>)) {
    for (const [method, op] of Object.entries(item)) {
      for (const [status, response] of Object.entries(op.responses)) {
        openObjects(response, `/paths/${path.replace(/\//g, '~1')}/${method}/responses/${status}`, open);
      }
    }
  }
  openObjects(doc.components?.schemas ?? {}, '/components/schemas', open);
  t.same(open, [], 'no open object in a response');
  const run = doc.paths['/v1/benchmarks/{id}'].get.responses['200'].content['application/json'].schema;
  const summaries = run.properties.result.properties.summary.anyOf;
  t.ok(summaries.some((s: { properties: Record<string, unknown> }) => s.properties.bitsPerSecond && s.properties.tcpInfo && s.properties.min), 'a stream result has its throughput, TCP_INFO and spread');
});
