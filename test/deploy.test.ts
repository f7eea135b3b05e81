import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { build } from './helpers/build.js';
import { ConfigSchema } from '../src/config.js';
import { loadBaseline } from '../src/host/baseline.js';

// The files under deploy/: the Prometheus rules checked and unit-tested by promtool, the
// dashboard's queries checked by promtool too, and every metric they name found in a real scrape;
// no cluster runs here, so the manifests are parsed and their required fields checked.

const promtool = spawnSync('promtool', ['--version']).status === 0;
const noPromtool = promtool ? false : 'promtool is not installed (npm test installs it: scripts/test-deps.sh)';
const RULES = 'deploy/prometheus/sockbench.rules.yml';

function run(args: string[]): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/** Every sockbench_* name in a PromQL expression. */
const metricNames = (expr: string) => [...expr.matchAll(/\bsockbench_[a-z0-9_]+/g)].map((m) => m[0]);

interface Rule { alert?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
const rules = (parse(readFileSync(RULES, 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> }).groups.flatMap((g) => g.rules);
const dashboard = JSON.parse(readFileSync('deploy/grafana/sockbench.json', 'utf8')) as {
  uid: string; title: string; templating: { list: Array<{ name: string }> };
  panels: Array<{ id: number; type: string; title: string; gridPos: Record<string, number>; targets: Array<{ expr: string; refId: string }> }>;
};
const dashboardExprs = dashboard.panels.flatMap((p) => p.targets.map((x) => x.expr));

t.test('promtool: the rules are valid and their unit tests on synthetic series pass', { skip: noPromtool }, async (t) => {
  const check = run(['check', 'rules', RULES]);
  t.equal(check.status, 0, check.output);
  t.match(check.output, /SUCCESS: 5 rules found/);
  const unit = run(['test', 'rules', 'deploy/prometheus/sockbench.rules.test.yml']);
  t.equal(unit.status, 0, unit.output);
  t.match(unit.output, /SUCCESS/);
});

t.test('the rules alert on drift, on baseline mismatches and on a host that stopped reporting', async (t) => {
  const alerts = Object.fromEntries(rules.map((r) => [r.alert, r]));
  t.same(Object.keys(alerts).sort(), ['SockbenchAbsent', 'SockbenchBaselineMismatch', 'SockbenchDown', 'SockbenchSocketDefaultDrift', 'SockbenchSysctlDrift']);
  t.match(alerts.SockbenchSysctlDrift.expr, /count_values/);
  t.match(alerts.SockbenchBaselineMismatch.expr, /sockbench_baseline_mismatch\b/);
  t.match(alerts.SockbenchDown.expr, /up\{job="sockbench"\} == 0/);
  for (const r of rules) {
    t.ok(r.for && r.labels?.severity && r.annotations?.summary && r.annotations.description, `${r.alert} has for, severity, summary and description`);
  }
});

t.test('the dashboard: a drift table and the last benchmark figures per host; every query is PromQL', async (t) => {
  t.equal(dashboard.uid, 'sockbench-fleet');
  t.same(dashboard.templating.list.map((v) => v.name), ['datasource', 'job']);
  const ids = dashboard.panels.map((p) => p.id);
  t.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  for (const p of dashboard.panels) {
    t.ok(p.title && p.type && p.gridPos && p.targets.length > 0, `panel ${p.id} has a title, a type, a position and queries`);
  }
  t.ok(dashboard.panels.some((p) => p.type === 'table' && /drift/i.test(p.title) && p.targets.some((x) => /count_values/.test(x.expr))), 'a drift table');
  t.ok(dashboard.panels.some((p) => p.type === 'table' && /last benchmark/i.test(p.title) && p.targets.some((x) => /sockbench_last_bytes_per_second/.test(x.expr))), 'last figures per host');

  t.test('promtool parses every query', { skip: noPromtool }, async (t) => {
    const dir = t.testdir();
    const file = join(dir, 'dashboard.rules.yml');
    // Recording rules are the one place promtool parses arbitrary PromQL offline.
    writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules: dashboardExprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr: expr.replaceAll('$job', 'sockbench') })) }] }));
    const check = run(['check', 'rules', file]);
    t.equal(check.status, 0, check.output);
  });
});

t.test('every metric the rules and the dashboard name is in a real scrape', async (t) => {
  const dir = t.testdir({ 'baseline.json': JSON.stringify({ sysctls: { 'net.core.somaxconn': -1 } }) });
  const app = await build(t, { SOCKBENCH_BASELINE: join(dir, 'baseline.json') });
  const scrape = (await app.inject({ url: '/metrics' })).body;
  const served = new Set([...scrape.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
  const named = new Set([...rules.map((r) => r.expr), ...dashboardExprs].flatMap(metricNames));
  t.ok(named.size >= 8, `${[...named].join(', ')}`);
  t.same([...named].filter((n) => !served.has(n)), [], 'no name the service does not serve');
});

t.test('the DaemonSet: one pod per node on the host network, the token from a Secret, ready on /v1/health, a scrape job', async (t) => {
  const docs = parseAllDocuments(readFileSync('deploy/kubernetes/daemonset.yaml', 'utf8'));
  t.same(docs.flatMap((d) => d.errors.map((e) => e.message)), [], 'valid YAML');
  const objects = docs.map((d) => d.toJS() as { kind: string; apiVersion: string; metadata: { name: string }; [k: string]: any });
  const byName = (kind: string, name?: string) => objects.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  const ds = byName('DaemonSet')!;
  t.equal(ds.apiVersion, 'apps/v1');
  t.same(ds.spec.selector.matchLabels, Object.fromEntries(Object.entries(ds.spec.template.metadata.labels).filter(([k]) => k in ds.spec.selector.matchLabels)), 'the selector matches the pods');
  const pod = ds.spec.template.spec;
  t.equal(pod.hostNetwork, true);
  t.equal(pod.dnsPolicy, 'ClusterFirstWithHostNet');
  t.same(pod.tolerations, [{ operator: 'Exists' }], 'on every node, tainted ones too');
  const [container] = pod.containers;
  const env = Object.fromEntries(container.env.map((e: { name: string; value?: string; valueFrom?: unknown }) => [e.name, e.value ?? e.valueFrom]));
  t.same(Object.keys(env).filter((k) => !(k in ConfigSchema.properties)), [], 'every variable is a real setting');
  t.match(env.SOCKBENCH_TOKEN, { secretKeyRef: { name: 'sockbench-token', key: 'token' } });
  t.equal(env.SOCKBENCH_HOST, '0.0.0.0');
  const port = container.ports.find((p: { name: string }) => p.name === 'http');
  t.equal(String(port.containerPort), env.SOCKBENCH_PORT, 'the port the service listens on');
  t.match(container.readinessProbe, { httpGet: { path: '/v1/health', port: 'http' } });
  t.match(container.livenessProbe, { httpGet: { path: '/v1/health', port: 'http' } });

  // SOCKBENCH_BASELINE points into the ConfigMap's volume, and what it holds is a baseline the service accepts.
  const mount = container.volumeMounts.find((m: { mountPath: string }) => env.SOCKBENCH_BASELINE.startsWith(`${m.mountPath}/`));
  t.ok(mount, 'the baseline is on a mounted volume');
  const volume = pod.volumes.find((v: { name: string }) => v.name === mount.name);
  const baselineMap = byName('ConfigMap', volume.configMap.name)!;
  const file = env.SOCKBENCH_BASELINE.slice(mount.mountPath.length + 1);
  const dir = t.testdir({ [file]: baselineMap.data[file] });
  t.match(loadBaseline(join(dir, file)), { state: 'fresh' });

  const scrape = parse(byName('ConfigMap', 'sockbench-prometheus-scrape')!.data['scrape.yml']) as { scrape_configs: Array<Record<string, any>> };
  const [job] = scrape.scrape_configs;
  t.equal(job.job_name, 'sockbench', 'the job the alert rules watch');
  t.equal(job.metrics_path, '/metrics');
  t.match(job.authorization, { type: 'Bearer', credentials_file: /sockbench-token/ }, '/metrics needs the token');
  const keep = job.relabel_configs.find((r: { source_labels: string[] }) => r.source_labels[0] === '__meta_kubernetes_pod_label_app_kubernetes_io_name');
  t.equal(keep.regex, ds.spec.template.metadata.labels['app.kubernetes.io/name'], 'it keeps the DaemonSet\'s pods');
});
