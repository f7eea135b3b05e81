import t from 'tap';
import { readFileSync } from 'node:fs';
import { DOMParser } from '@xmldom/xmldom';
import { build } from '../helpers/build.js';
import { validateJunit, xmllintSkip } from '../helpers/junit.js';

// POST /v1/defaults/check with rules and profiles, GET /v1/profiles, and the JUnit and TAP forms
// of check and diff, through the real app against this host's real /proc/sys.

const json = (payload: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
const proc = (name: string) => readFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, 'utf8').trim();
const rmemMax = Number(proc('net.core.rmem_max'));
const tcpRmem = proc('net.ipv4.tcp_rmem').split(/\s+/).map(Number);
const cc = proc('net.ipv4.tcp_congestion_control');

t.test('rules: 200 when the host meets them, 412 naming the rule and the actual value when not', async (t) => {
  const app = await build(t);
  const post = (body: unknown, query = '') => app.inject({ method: 'POST', url: `/v1/defaults/check${query}`, ...json(body) });
  const ok = await post({ sysctls: {
    'net.core.rmem_max': { $min: rmemMax, $max: rmemMax },
    'net.ipv4.tcp_rmem': [null, null, { $range: [tcpRmem[2], tcpRmem[2] + 1] }],
    'net.ipv4.tcp_congestion_control': { $oneOf: [cc, 'nonesuch'] },
    'net.ipv4.tcp_no_such_knob': { $absent: true },
  }, sockets: { tcp4: { TCP_NODELAY: { $not: true } } } });
  t.equal(ok.statusCode, 200, ok.body);
  t.match(ok.json(), { ok: true, checked: 5, mismatches: [], profile: null });

  const bad = await post({ sysctls: { 'net.core.rmem_max': { $min: rmemMax * 4 }, 'net.ipv4.tcp_rmem': [null, null, { $min: tcpRmem[2] * 2 }] } });
  t.equal(bad.statusCode, 412);
  t.same(bad.json().mismatches, [
    { path: '/sysctls/net.core.rmem_max', rule: '$min', expected: rmemMax * 4, actual: rmemMax, message: `net.core.rmem_max is ${rmemMax}, below the minimum ${rmemMax * 4}` },
    { path: '/sysctls/net.ipv4.tcp_rmem/2', rule: '$min', expected: tcpRmem[2] * 2, actual: tcpRmem[2], message: `net.ipv4.tcp_rmem[2] is ${tcpRmem[2]}, below the minimum ${tcpRmem[2] * 2}` },
  ]);
  const text = await post({ sysctls: { 'net.core.rmem_max': { $min: rmemMax * 4 } } }, '?format=text');
  t.match(text.body, new RegExp(`PATH +EXPECTED +ACTUAL\\n/sysctls/net.core.rmem_max +\\$min ${rmemMax * 4} +${rmemMax}\\n\\nnet.core.rmem_max is ${rmemMax}, below the minimum ${rmemMax * 4}\\n$`));
});

t.test('$persisted against this host: a value no sysctl file sets is lost on reboot', async (t) => {
  const app = await build(t);
  const snap = (await app.inject('/v1/defaults')).json();
  t.type(snap.sources, 'object', 'the snapshot has sources');
  const unset = ['net.core.rmem_max', 'net.core.somaxconn'].find((n) => !(n in snap.sources.sysctls));
  if (!unset) {
    t.pass('this host persists both; nothing to demand');
    return;
  }
  const res = await app.inject({ method: 'POST', url: '/v1/defaults/check', ...json({ sysctls: { [unset]: { $persisted: true } } }) });
  t.equal(res.statusCode, 412);
  t.match(res.json().mismatches, [{ path: `/sysctls/${unset}`, rule: '$persisted', expected: true, actual: null, message: new RegExp(`^${unset.replace(/\./g, '\\.')} is \\d+ but no sysctl file sets it, so a reboot resets it$`) }]);
  const text = await app.inject({ method: 'POST', url: '/v1/defaults/check?format=text', ...json({ sysctls: { [unset]: { $persisted: true } } }) });
  t.match(text.body, new RegExp(`\\n/sysctls/${unset.replace(/\./g, '\\.')} +\\$persisted true +\\(no file\\)\\n`));
});

t.test('bad rules and bad profile requests are 400s naming the path; nothing is checked', async (t) => {
  const app = await build(t);
  const bad = async (body: unknown, code: string, field: string | RegExp, message: RegExp) => {
    const res = await app.inject({ method: 'POST', url: '/v1/defaults/check', ...json(body) });
    t.equal(res.statusCode, 400, res.body);
    t.match(res.json(), { code, field, message });
  };
  await bad({ sysctls: { 'net.core.rmem_max': { $atLeast: 1 } } }, 'SOCKBENCH_INVALID_RULE', 'body.sysctls.net.core.rmem_max', /unknown rule operator "\$atLeast"/);
  await bad({ sysctls: { 'net.core.rmem_max': { $min: 'big' } } }, 'SOCKBENCH_INVALID_RULE', 'body.sysctls.net.core.rmem_max', /\$min takes a number, got "big"/);
  await bad({ sysctls: { 'net.ipv4.tcp_congestion_control': { $max: 2 } } }, 'SOCKBENCH_INVALID_RULE', 'body.sysctls.net.ipv4.tcp_congestion_control', /is text/);
  await bad({ sockets: { tcp4: { SO_RCVBUF: { $range: [9, 3] } } } }, 'SOCKBENCH_INVALID_RULE', 'body.sockets.tcp4.SO_RCVBUF', /low end is above its high end/);
  await bad({ profile: 'fasterdata-1g' }, 'SOCKBENCH_UNKNOWN_PROFILE', 'body.profile', /no profile "fasterdata-1g". The profiles are fasterdata-10g, fasterdata-100g, kernel-defaults-6, low-latency/);
  await bad({ profile: 'low-latency', sysctls: { 'net.core.busy_read': 0 } }, 'SOCKBENCH_INVALID_VALUE', 'body.sysctls', /put the values to check under "overrides"/);
  await bad({ overrides: { sysctls: { 'net.core.busy_read': 0 } } }, 'SOCKBENCH_INVALID_VALUE', 'body.overrides', /name one with "profile"/);
  await bad({ profile: 'low-latency', overrides: { sysctls: { 'net.core.busy_read': { $min: [] } } } }, 'SOCKBENCH_INVALID_RULE', 'body.overrides.sysctls.net.core.busy_read', /\$min takes a number/);
  await bad({ profile: 'low-latency', overrides: { sysctl: {} } }, 'SOCKBENCH_VALIDATION', /^body\.overrides/, /unknown property "sysctl"/);
  await bad({ profile: 'x'.repeat(101) }, 'SOCKBENCH_VALIDATION', 'body.profile', /must NOT have more than 100 characters/);
});

t.test('profiles: listed, served with every entry citing its source, checked with overrides', async (t) => {
  const app = await build(t);
  const list = await app.inject('/v1/profiles');
  t.equal(list.statusCode, 200);
  t.same(list.json().profiles.map((p: { name: string }) => p.name), ['fasterdata-10g', 'fasterdata-100g', 'kernel-defaults-6', 'low-latency']);
  t.match(list.json().profiles[1], { name: 'fasterdata-100g', extends: 'fasterdata-10g', entries: 8 });

  const p100 = (await app.inject('/v1/profiles/fasterdata-100g')).json();
  t.ok(p100.entries.every((e: { source: string }) => e.source.length > 0), 'every entry cites a source');
  t.match(p100.entries.find((e: { path: string }) => e.path === '/sysctls/net.core.rmem_max'), { rule: { $min: 2147483647 }, profile: 'fasterdata-100g', source: 'https://fasterdata.es.net/host-tuning/linux/100g-tuning/' });
  t.match(p100.entries.find((e: { path: string }) => e.path === '/sysctls/net.core.default_qdisc'), { rule: 'fq', profile: 'fasterdata-10g' }, 'inherited');
  const missing = await app.inject('/v1/profiles/fasterdata-10');
  t.equal(missing.statusCode, 404);
  t.match(missing.json(), { code: 'SOCKBENCH_PROFILE_NOT_FOUND', suggestions: ['fasterdata-100g', 'fasterdata-10g'] });
  t.match((await app.inject('/v1/profiles?format=text')).body, /^NAME +EXTENDS +ENTRIES +SUMMARY\nfasterdata-10g +- +7 /);

  // This host is untuned: rmem_max is nowhere near 64 MiB.
  const check = await app.inject({ method: 'POST', url: '/v1/defaults/check', ...json({ profile: 'fasterdata-10g' }) });
  t.equal(check.statusCode, 412);
  const body = check.json();
  t.match(body, { ok: false, profile: 'fasterdata-10g', checked: 7 });
  t.match(body.mismatches.find((m: { path: string }) => m.path === '/sysctls/net.core.rmem_max'), {
    rule: '$min', expected: 67108864, actual: rmemMax, profile: 'fasterdata-10g', source: 'https://fasterdata.es.net/host-tuning/linux/',
    message: `net.core.rmem_max is ${rmemMax}, below the minimum 67108864`,
  });

  const overridden = await app.inject({ method: 'POST', url: '/v1/defaults/check', ...json({ profile: 'fasterdata-100g', overrides: { sysctls: { 'net.core.rmem_max': { $min: rmemMax }, 'net.core.somaxconn': Number(proc('net.core.somaxconn')) } } }) });
  const ob = overridden.json();
  t.equal(ob.checked, 9, '8 profile entries, one replaced, one added');
  t.notOk(ob.mismatches.some((m: { path: string }) => m.path === '/sysctls/net.core.rmem_max'), 'the override replaced the profile rule');
  t.ok(ob.passed.includes('/sysctls/net.core.somaxconn'));
  t.match(ob.mismatches.find((m: { path: string }) => m.path === '/sysctls/net.core.wmem_max'), { profile: 'fasterdata-100g', expected: 2147483647 }, 'the extending profile\'s rule, not the base one');

  // Measured on this kernel: a stock 6.x host meets it.
  const stock = await app.inject({ method: 'POST', url: '/v1/defaults/check', ...json({ profile: 'kernel-defaults-6' }) });
  t.equal(stock.statusCode, 200, stock.body);
  const text = await app.inject({ method: 'POST', url: '/v1/defaults/check?format=text', ...json({ profile: 'low-latency' }) });
  t.match(text.body, /profile low-latency: MISMATCH, \d of 3 values fail the baseline\n\nPATH +EXPECTED +ACTUAL +FROM\n/);
  t.match(text.body, /busy_read is 0, below the minimum 50 \(low-latency: https:\/\/github.com\/redhat-performance\/tuned\//);
});

t.test('check and diff as JUnit (valid against docs/junit.xsd) and TAP', { skip: xmllintSkip }, async (t) => {
  const app = await build(t);
  const body = { profile: 'fasterdata-10g', overrides: { sysctls: { 'net.core.rmem_max': { $min: rmemMax } } } };
  const junit = await app.inject({ method: 'POST', url: '/v1/defaults/check?format=junit', ...json(body) });
  t.equal(junit.statusCode, 412, 'the status still says mismatch');
  t.match(junit.headers['content-type'], /^application\/xml/);
  const verdict = validateJunit(junit.body);
  t.equal(verdict.status, 0, verdict.output);
  const doc = new DOMParser().parseFromString(junit.body, 'text/xml');
  const suite = doc.getElementsByTagName('testsuite')[0];
  const json412 = (await app.inject({ method: 'POST', url: '/v1/defaults/check', ...json(body) })).json();
  t.equal(suite.getAttribute('name'), json412.host.hostname, 'one testsuite for the host');
  t.equal(Number(suite.getAttribute('tests')), json412.checked, 'one testcase per checked key');
  t.equal(Number(suite.getAttribute('failures')), new Set(json412.mismatches.map((m: { path: string }) => m.path)).size);
  const cases = Array.from(suite.getElementsByTagName('testcase'));
  t.equal(cases.find((c) => c.getAttribute('name') === '/sysctls/net.core.rmem_max')!.getElementsByTagName('failure').length, 0, 'the override passes');
  const wmem = cases.find((c) => c.getAttribute('name') === '/sysctls/net.core.wmem_max')!.getElementsByTagName('failure')[0];
  t.match(wmem.getAttribute('message'), /below the minimum 67108864/);
  t.equal(wmem.getAttribute('type'), '$min');
  t.match(wmem.textContent, /^expected: \$min 67108864\nactual: \d+\nrule: \$min$/);

  const byAccept = await app.inject({ method: 'POST', url: '/v1/defaults/check', headers: { 'content-type': 'application/json', accept: 'application/xml' }, payload: JSON.stringify(body) });
  t.match(byAccept.body, /^<\?xml version="1.0"/);
  const tap = await app.inject({ method: 'POST', url: '/v1/defaults/check?format=tap', ...json(body) });
  t.match(tap.body, new RegExp(`^TAP version 14\\n1\\.\\.${json412.checked}\\n`));
  t.match(tap.body, /\nnot ok \d+ - [^\n]+: \/sysctls\/net.core.wmem_max\n  ---\n  message: "net.core.wmem_max is \d+, below the minimum 67108864"\n/);

  const a = (await app.inject('/v1/defaults')).json();
  const b = structuredClone(a);
  b.host.hostname = 'db-7';
  b.sysctls['net.core.rmem_max'] = rmemMax * 4;
  const diff = await app.inject({ method: 'POST', url: '/v1/defaults/diff?format=junit', ...json({ a, b }) });
  t.equal(diff.statusCode, 200);
  t.equal(validateJunit(diff.body).status, 0, 'the diff report validates too');
  const dsuite = new DOMParser().parseFromString(diff.body, 'text/xml').getElementsByTagName('testsuite')[0];
  t.equal(dsuite.getAttribute('name'), `db-7 against ${a.host.hostname}`);
  t.equal(dsuite.getAttribute('failures'), '1');
  t.match(dsuite.getElementsByTagName('failure')[0].getAttribute('message'), `/sysctls/net.core.rmem_max is ${rmemMax} on ${a.host.hostname} but ${rmemMax * 4} on db-7`);
  const dtap = await app.inject({ method: 'POST', url: '/v1/defaults/diff?format=tap', ...json({ a, b }) });
  t.match(dtap.body, /^TAP version 14\n1\.\.2\nnot ok 1 - db-7 against [^\n]+: \/sysctls\/net.core.rmem_max\n/);
  t.match(dtap.body, /\nok 2 - db-7 against [^\n]+: \d+ other values are equal\n$/);
});
