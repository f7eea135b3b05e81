import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import t from 'tap';

// The import graph as madge reads it, type-only imports included (a type has one owner module
// too): a new import circle fails here, and so the suite.

interface MadgeResult {
  circular(): string[][];
  obj(): Record<string, string[]>;
}
const madge = createRequire(import.meta.url)('madge') as (paths: string[], config: Record<string, unknown>) => Promise<MadgeResult>;

const root = fileURLToPath(new URL('..', import.meta.url));

const graph = madge(['src', 'routes', 'native-bindings'], { baseDir: root, fileExtensions: ['ts'], detectiveOptions: { ts: { skipTypeImports: false } } });

t.test('no module imports itself through others', async (t) => {
  const g = await graph;
  t.ok(Object.keys(g.obj()).length > 50, 'madge read the source tree');
  t.same(g.circular().map((c) => c.join(' > ')), []);
});

t.test('src/bench/ has one public surface: the rest of the code imports its index only', async (t) => {
  const g = (await graph).obj();
  const reaching = Object.entries(g)
    .filter(([from]) => !from.startsWith('src/bench/'))
    .flatMap(([from, deps]) => deps.filter((d) => d.startsWith('src/bench/') && d !== 'src/bench/index.ts').map((d) => `${from} -> ${d}`));
  t.same(reaching, []);
});

t.test('the kernel facts the code cites are in the repository, and every cited section exists', async (t) => {
  const { readFileSync, readdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  const files = ['src', 'routes', 'native-bindings', 'test', 'scripts']
    .flatMap((dir) => readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' }).map((f) => join(dir, f)))
    .filter((f) => /\.(ts|mjs|sh)$/.test(f))
    .concat('README.md');
  const facts = readFileSync(join(root, 'docs/kernel-facts.md'), 'utf8');
  const sections = new Set([...facts.matchAll(/^#{2,3} (\d+(?:\.\d+)?)\.? /gm)].map((m) => m[1]));
  t.ok(sections.has('4') && sections.has('1.2'), 'docs/kernel-facts.md has its numbered sections');
  const outside: string[] = [];
  const missing: string[] = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    if (file !== 'test/architecture.test.ts' && /LINUX-SOCKOPTS|\.\.\/shared\//.test(text)) outside.push(file);
    for (const m of text.matchAll(/kernel-facts\.md\)? §(\d+(?:\.\d+)?)/g)) if (!sections.has(m[1])) missing.push(`${file}: §${m[1]}`);
  }
  t.same(outside, [], 'nothing cites a file outside the repository');
  t.same(missing, [], 'every cited section exists');
});

// The layers, highest first: a module may import its own layer and the ones below it. The
// kernel's leaf readers (/proc and sysfs: sysctls, host facts, kernel counters) sit low, so that
// the option probe, runs and peers read them without reaching up into host/; advice judges results
// below the runs that carry its findings; JSON documents are compared by one module at the bottom.
const LAYERS = [
  ['src/cli/'], ['src/server.ts'], ['src/app.ts', 'src/lazy-compilers.ts', 'src/api-document.ts', 'src/response-contract.ts'], ['routes/'], ['src/report/'], ['src/host/'], ['src/peer/'],
  ['src/runs/'], ['src/advice/'], ['src/bench/'], ['src/options/'], ['src/sockets/'], ['src/kernel/'],
  ['src/observability/', 'src/security/', 'src/config.ts', 'src/errors.ts', 'src/version.ts', 'src/schema-types.ts', 'src/json-documents.ts'], ['native-bindings/'],
];
/** Upward imports not yet removed (none today: a new one fails below). */
const KNOWN_UPWARD: string[] = [];

t.test('no import runs from a lower layer to a higher one', async (t) => {
  const layer = (file: string) => LAYERS.findIndex((prefixes) => prefixes.some((p) => file.startsWith(p)));
  const g = (await graph).obj();
  const unplaced = Object.keys(g).filter((f) => layer(f) === -1);
  t.same(unplaced, [], 'every module has a layer');
  const upward = Object.entries(g).flatMap(([from, deps]) => deps.filter((d) => layer(d) < layer(from)).map((d) => `${from} -> ${d}`));
  t.same(upward.filter((e) => !KNOWN_UPWARD.includes(e)), [], 'no new upward import');
  t.same(KNOWN_UPWARD.filter((e) => !upward.includes(e)), [], 'a removed one leaves the list');
});
