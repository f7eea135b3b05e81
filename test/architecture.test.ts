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
