import type { Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Apart from build.ts, which loads the whole app (seconds under the TypeScript loader): tests that
// only spawn a server need the directory, not the app.

/** A fresh data directory (for SOCKBENCH_DATA_DIR), removed when the test ends. */
export function tempDataDir(t: Pick<Test, 'teardown'>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sockbench-test-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
