import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, tempDataDir } from '../helpers/build.js';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { sockbench } from '../helpers/cli.js';

// This host's sysctls, socket defaults and baseline check in /metrics, read back from the real
// exposition text and compared with /proc and GET /v1/defaults.

interface Sample { name: string; labels: Record<string, string>; value: number }

function samples(text: string): Sample[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((line) => {
    const [, name, labels = '', value] = /^([^{ ]+)(?:\{(.*)\})? (\S+)$/.exec(line)!;
    return { name, labels: Object.fromEntries([...labels.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]])), value: Number(value) };
  });
}

const proc = (name: string) => readFileSync(`/proc/sys/${name.replaceAll('.', '/')}`, 'utf8').trim().split(/\s+/).map(Number);

t.test('every numeric sysctl and every numeric or boolean socket default, one series each', async (t) => {
  const app = await build(t);
  const scrape = samples((await app.inject({ url: '/metrics' })).body);
  const doc = (await app.inject({ url: '/v1/defaults' })).json();
  const sysctl = (labels: Record<string, string>) => scrape.filter((s) => s.name === 'sockbench_sysctl' && JSON.stringify(s.labels) === JSON.stringify(labels)).map((s) => s.value);
  t.same(sysctl({ name: 'net.core.rmem_max' }), proc('net.core.rmem_max'));
  t.same([0, 1, 2].flatMap((i) => sysctl({ name: 'net.ipv4.tcp_rmem', index: String(i) })), proc('net.ipv4.tcp_rmem'), 'a triple: one series per element');
  t.same(sysctl({ name: 'net.ipv4.tcp_rmem' }), [], 'and none without an index');
  t.notOk(scrape.some((s) => s.labels.name === 'net.ipv4.tcp_congestion_control'), 'text is no sample');

  const expectedSysctls = Object.values(doc.sysctls as Record<string, unknown>).reduce<number>((n, v) => n + (Array.isArray(v) ? v.length : typeof v === 'number' ? 1 : 0), 0);
  t.equal(scrape.filter((s) => s.name === 'sockbench_sysctl').length, expectedSysctls, 'one series per number');

  const option = (transport: string, name: string) => scrape.find((s) => s.name === 'sockbench_socket_default' && s.labels.transport === transport && s.labels.option === name)?.value;
  t.equal(option('tcp4', 'SO_RCVBUF'), doc.sockets.tcp4.SO_RCVBUF);
  t.equal(option('tcp4', 'TCP_NODELAY'), 0, 'false is 0');
  t.equal(option('udp6', 'SO_SNDBUF'), doc.sockets.udp6.SO_SNDBUF);
  t.equal(option('tcp4', 'SO_LINGER'), undefined, 'a struct is no sample');
  t.equal(option('tcp4', 'TCP_CONGESTION'), undefined, 'nor is text');
  const expectedOptions = Object.values(doc.sockets as Record<string, Record<string, unknown>>)
    .reduce((n, options) => n + Object.values(options).filter((v) => typeof v === 'number' || typeof v === 'boolean').length, 0);
  t.equal(scrape.filter((s) => s.name === 'sockbench_socket_default').length, expectedOptions);
  t.ok(expectedSysctls + expectedOptions < 400, `bounded per host: ${expectedSysctls} sysctl and ${expectedOptions} option series`);
  t.notOk(scrape.some((s) => s.name.startsWith('sockbench_baseline')), 'no baseline, no baseline series');
});

t.test('SOCKBENCH_BASELINE file: the count of mismatches and one series per mismatching path; back to 0 when it matches', async (t) => {
  const dir = t.testdir();
  const rmemMax = proc('net.core.rmem_max')[0];
  const file = join(dir, 'baseline.json');
  writeFileSync(file, JSON.stringify({
    sysctls: { 'net.core.rmem_max': { $min: rmemMax + 1 }, 'net.core.somaxconn': proc('net.core.somaxconn')[0], 'net.future.knob': 1 },
    sockets: { tcp4: { TCP_NODELAY: false } },
  }));
  const app = await build(t, { SOCKBENCH_BASELINE: file });
  const body = (await app.inject({ url: '/metrics' })).body;
  const scrape = samples(body);
  t.same(scrape.filter((s) => s.name === 'sockbench_baseline_mismatches').map((s) => s.value), [2]);
  t.same(scrape.filter((s) => s.name === 'sockbench_baseline_mismatch').map((s) => [s.labels.path, s.value]), [
    ['/sysctls/net.core.rmem_max', 1], ['/sysctls/net.future.knob', 1],
  ], 'a rule not met, and a key this kernel lacks');

  const promtool = spawnSync('promtool', ['--version']).status === 0;
  t.test('promtool check metrics finds nothing to fix in these series', { skip: promtool ? false : 'promtool is not installed (npm test installs it: scripts/test-deps.sh)' }, async (t) => {
    const mine = body.split('\n').filter((l) => /^(# (HELP|TYPE) )?sockbench_(sysctl|socket_default|baseline_mismatch)/.test(l)).join('\n') + '\n';
    t.ok(mine.split('\n').length > 100, 'the new series are in the scrape');
    const check = spawnSync('promtool', ['check', 'metrics'], { input: mine, encoding: 'utf8' });
    t.equal(`${check.stdout}${check.stderr}`.trim(), '', 'no problems reported');
    t.equal(check.status, 0);
  });

  const matching = join(dir, 'matching.json');
  writeFileSync(matching, JSON.stringify({ state: 'connected', sysctls: { 'net.core.rmem_max': rmemMax } }));
  const ok = await build(t, { SOCKBENCH_BASELINE: matching });
  const okScrape = samples((await ok.inject({ url: '/metrics' })).body);
  t.same(okScrape.filter((s) => s.name.startsWith('sockbench_baseline')).map((s) => [s.name, s.value]), [['sockbench_baseline_mismatches', 0]]);
});

t.test('SOCKBENCH_BASELINE profile: the same mismatches as POST /v1/defaults/check with that profile', async (t) => {
  const app = await build(t, { SOCKBENCH_BASELINE: 'fasterdata-10g' });
  const check = await app.inject({ method: 'POST', url: '/v1/defaults/check', payload: { profile: 'fasterdata-10g' } });
  t.ok([200, 412].includes(check.statusCode), check.body);
  const expected = [...new Set((check.json().mismatches as Array<{ path: string }>).map((m) => m.path))].sort();
  const scrape = samples((await app.inject({ url: '/metrics' })).body);
  t.same(scrape.filter((s) => s.name === 'sockbench_baseline_mismatch').map((s) => s.labels.path).sort(), expected);
  t.same(scrape.filter((s) => s.name === 'sockbench_baseline_mismatches').map((s) => s.value), [expected.length]);
});

t.test('an unusable SOCKBENCH_BASELINE stops the start with one line saying why', async (t) => {
  const dir = t.testdir({ 'not.json': '{"sysctls":', 'empty.json': '{}', 'list.json': '[1]', 'bad-rule.json': JSON.stringify({ sysctls: { 'net.core.rmem_max': { $min: 'x' } } }) });
  const refused = async (setting: string) => {
    const config = loadConfig({ SOCKBENCH_DATA_DIR: tempDataDir(t), SOCKBENCH_BASELINE: setting });
    return buildApp({ config, logger: false }).then(() => null, (err: Error) => err);
  };
  t.match(await refused('fasterdata-1g'), { name: 'BaselineError', message: /^SOCKBENCH_BASELINE: "fasterdata-1g" is neither a file nor a profile\. .*The profiles are fasterdata-10g, / });
  t.match(await refused(join(dir, 'bad-rule.json')), { message: /^SOCKBENCH_BASELINE \(.*bad-rule\.json\): SOCKBENCH_BASELINE\.sysctls\.net\.core\.rmem_max/ });
  t.match(await refused(join(dir, 'none.json')), { message: /^SOCKBENCH_BASELINE: cannot read .*none\.json: ENOENT\.$/ });
  t.match(await refused(join(dir, 'not.json')), { message: /not\.json is not JSON: / });
  t.match(await refused(join(dir, 'empty.json')), { message: /empty\.json\): SOCKBENCH_BASELINE: the baseline has no values to check/ });
  t.match(await refused(join(dir, 'list.json')), { message: /list\.json must hold a JSON object/ });
  t.throws(() => loadConfig({ SOCKBENCH_BASELINE: '' }), /SOCKBENCH_BASELINE/);

  const serve = await sockbench(['serve', '--port', '0'], { SOCKBENCH_DATA_DIR: tempDataDir(t), SOCKBENCH_BASELINE: join(dir, 'empty.json') });
  t.equal(serve.code, 2);
  t.match(serve.stderr, /^sockbench: SOCKBENCH_BASELINE \(.*empty\.json\): .*no values to check/);
});
