import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The repo's JUnit schema, as Jenkins and GitLab read the format. */
export const JUNIT_XSD = join(import.meta.dirname, '../../docs/junit.xsd');

function hasXmllint(): boolean {
  try {
    execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** false when xmllint is here, else the reason to skip (for tap's `skip`). */
export const xmllintSkip: string | false = hasXmllint() ? false : 'xmllint is not installed (Debian libxml2-utils; scripts/test-deps.sh installs it)';

/** xmllint's verdict on `xml` against docs/junit.xsd: status 0 and "validates", or its complaints. */
export function validateJunit(xml: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sockbench-junit-'));
  try {
    const file = join(dir, 'report.xml');
    writeFileSync(file, xml);
    const res = spawnSync('xmllint', ['--noout', '--schema', JUNIT_XSD, file], { encoding: 'utf8' });
    return { status: res.status, output: `${res.stdout}${res.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
