import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sockbench, listening } from '../helpers/cli.js';
import { validateJunit, xmllintSkip } from '../helpers/junit.js';
import { reportFormat } from '../../src/cli/report-format.js';

// sockbench check --profile and the --format reports (junit, tap, github) of check and diff, as
// child processes against the real app on a real port.

const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));

t.test('check --profile: the profile rule that fails, exit 1; overrides from --baseline', async (t) => {
  const { url } = await listening(t);
  const dir = t.testdir();
  const overrides = join(dir, 'overrides.json');
  writeFileSync(overrides, JSON.stringify({ sysctls: { 'net.core.busy_read': { $max: 0 }, 'net.core.busy_poll': { $max: 0 }, 'net.ipv4.tcp_fastopen': { $min: 0 } } }));
  const [fails, passes, unknown] = await Promise.all([
    sockbench(['check', '--profile', 'fasterdata-10g', '--url', url]),
    sockbench(['check', '--profile', 'low-latency', '--baseline', overrides, '--url', url]),
    sockbench(['check', '--profile', 'fasterdata-1g', '--url', url]),
  ]);
  t.equal(fails.code, 1, fails.stderr);
  t.match(fails.stdout, /profile fasterdata-10g: MISMATCH, \d+ of 7 values fail the baseline\n\nPATH +EXPECTED +ACTUAL +FROM\n/);
  t.match(fails.stdout, new RegExp(`/sysctls/net\\.core\\.rmem_max +\\$min 67108864 +${rmemMax} +fasterdata-10g\\n`));
  t.match(fails.stdout, new RegExp(`\\nnet\\.core\\.rmem_max is ${rmemMax}, below the minimum 67108864 \\(fasterdata-10g: https://fasterdata\\.es\\.net/host-tuning/linux/\\)\\n`));
  t.equal(passes.code, 0, passes.stdout);
  t.match(passes.stdout, /profile low-latency: OK, 3 values meet the baseline/);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /^SOCKBENCH_UNKNOWN_PROFILE: body\.profile: no profile "fasterdata-1g"/);
});

t.test('check --format junit is valid JUnit; tap and github say the same failures', { skip: xmllintSkip }, async (t) => {
  const { url } = await listening(t);
  const [junit, tap, github, json] = await Promise.all(['junit', 'tap', 'github', 'json'].map((f) => sockbench(['check', '--profile', 'fasterdata-10g', '--format', f, '--url', url])));
  for (const r of [junit, tap, github, json]) t.equal(r.code, 1, r.stderr);
  const verdict = validateJunit(junit.stdout);
  t.equal(verdict.status, 0, verdict.output);
  const result = JSON.parse(json.stdout) as { checked: number; mismatches: Array<{ path: string; message: string }>; host: { hostname: string } };
  const failing = [...new Set(result.mismatches.map((m) => m.path))];
  t.match(junit.stdout, new RegExp(`<testsuite name="${result.host.hostname}" id="0" tests="${result.checked}" failures="${failing.length}"`));
  t.equal(tap.stdout.split('\n').filter((l) => l.startsWith('not ok ')).length, failing.length);
  const errors = github.stdout.trimEnd().split('\n');
  t.equal(errors.length, failing.length, 'one annotation per failing key');
  t.ok(errors.every((l) => l.startsWith('::error title=sockbench check fasterdata-10g%3A ')), errors.join('\n'));
  t.match(github.stdout, new RegExp(`::error title=sockbench check fasterdata-10g%3A ${result.host.hostname} /sysctls/net.core.rmem_max::net.core.rmem_max is ${rmemMax}, below the minimum 67108864 \\(rule \\$min, expected \\$min 67108864, actual ${rmemMax}\\)\\n`));
});

t.test('--format: the five formats, --json as json, and mistakes as usage errors (exit 2)', async (t) => {
  t.equal(reportFormat('check', {}), 'text');
  t.equal(reportFormat('check', { json: true }), 'json');
  t.equal(reportFormat('check', { json: true, format: 'json' }), 'json');
  t.equal(reportFormat('diff', { format: 'github' }), 'github');
  t.throws(() => reportFormat('check', { format: 'xml' }), { exitCode: 2, message: 'sockbench check: --format must be one of text, json, junit, tap, github, got "xml".' });
  t.throws(() => reportFormat('check', { format: 'tap', json: true }), { exitCode: 2, message: /--json and --format tap ask for two formats/ });
});

t.test('diff --format github and junit: the differing keys, exit 1', { skip: xmllintSkip }, async (t) => {
  const dir = t.testdir();
  const { app } = await listening(t);
  const a = (await app.inject('/v1/defaults')).json() as { host: { hostname: string }; sysctls: Record<string, unknown> };
  const b = structuredClone(a);
  b.host.hostname = 'db-7';
  b.sysctls['net.core.rmem_max'] = rmemMax * 4;
  writeFileSync(join(dir, 'a.json'), JSON.stringify(a));
  writeFileSync(join(dir, 'b.json'), JSON.stringify(b));
  const [github, junit] = await Promise.all(['github', 'junit'].map((f) => sockbench(['diff', join(dir, 'a.json'), join(dir, 'b.json'), '--format', f])));
  t.equal(github.code, 1, github.stderr);
  t.equal(github.stdout, `::error title=sockbench diff%3A db-7 against ${a.host.hostname} /sysctls/net.core.rmem_max::/sysctls/net.core.rmem_max is ${rmemMax} on ${a.host.hostname} but ${rmemMax * 4} on db-7 (rule $eq, expected ${rmemMax}, actual ${rmemMax * 4})\n`);
  t.equal(junit.code, 1);
  t.equal(validateJunit(junit.stdout).status, 0);
});
