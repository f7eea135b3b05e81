import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sockbench, listening } from '../helpers/cli.js';

// sockbench defaults, diff and check as child processes against the real app on a real port.



t.test('defaults: the snapshot as JSON or as the text table; the token is sent', async (t) => {
  const authorization: Array<string | undefined> = [];
  const { url } = await listening(t, (app) => app.addHook('onRequest', async (request) => { authorization.push(request.headers.authorization); }));
  const json = await sockbench(['defaults', '--url', url, '--token', 's3cret']);
  t.equal(json.code, 0, json.stderr);
  const snapshot = JSON.parse(json.stdout) as { state: string; sysctls: Record<string, unknown>; sockets: Record<string, Record<string, unknown>> };
  t.equal(snapshot.state, 'fresh');
  t.type(snapshot.sysctls['net.core.rmem_max'], 'number');
  t.type(snapshot.sockets.tcp4.SO_RCVBUF, 'number');
  t.equal(authorization.pop(), 'Bearer s3cret');

  const text = await sockbench(['defaults', '--text', '--state', 'connected'], { SOCKBENCH_URL: url, SOCKBENCH_TOKEN: 'from-env' });
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, /sockets connected\n\nSYSCTL +VALUE\nnet\.core\.rmem_default +\d+\n/);
  t.equal(authorization.pop(), 'Bearer from-env');

  const none = await sockbench(['defaults', '--url', url, '--state', 'warm']);
  t.equal(none.code, 2, 'the API refuses the state');
  t.equal(none.stderr, 'SOCKBENCH_VALIDATION: querystring.state must be one of: fresh, connected.\n');
  t.equal(authorization.pop(), undefined, 'no token, no header');
});

t.test('diff: in this process without a URL, or through one; exit 0 identical, 1 different', async (t) => {
  let diffRequests = 0;
  const { url } = await listening(t, (app) => app.addHook('onRequest', async (request) => { if (request.url.startsWith('/v1/defaults/diff')) diffRequests++; }));
  const dir = t.testdir();
  const taken = await sockbench(['defaults', '--url', url]);
  t.equal(taken.code, 0, taken.stderr);
  const snapshot = JSON.parse(taken.stdout) as { host: Record<string, unknown>; sysctls: Record<string, unknown> };
  const a = join(dir, 'a.json');
  const b = join(dir, 'b.json');
  const changed = join(dir, 'changed.json');
  writeFileSync(a, taken.stdout);
  writeFileSync(b, JSON.stringify({ ...snapshot, host: { ...snapshot.host, hostname: 'elsewhere', takenAt: '2020-01-01T00:00:00.000Z' } }));
  writeFileSync(changed, JSON.stringify({ ...snapshot, sysctls: { ...snapshot.sysctls, 'net.core.rmem_max': 1 } }));

  // Without a URL each command builds the app (about 1.5 s of CPU from source): only two of those.
  const [same, differ, differJson, viaUrl, fromStdin, ignored] = await Promise.all([
    sockbench(['diff', a, b]),
    sockbench(['diff', a, changed]),
    sockbench(['diff', a, changed, '--json', '--url', url]),
    sockbench(['diff', a, changed], { SOCKBENCH_URL: url }),
    sockbench(['diff', '-', b, '--url', url], {}, taken.stdout),
    sockbench(['diff', a, changed, '--ignore', '/sysctls/net.core.rmem_max', '--url', url]),
  ]);
  t.equal(same.code, 0, same.stderr);
  t.match(same.stdout, /identical/, 'host identity is not a difference');
  t.equal(differ.code, 1, differ.stderr);
  t.match(differ.stdout, /\/sysctls\/net\.core\.rmem_max +\d+ +1\n/, 'the table names the path and both values');
  t.equal(differJson.code, 1);
  t.match(JSON.parse(differJson.stdout), { identical: false, differences: [{ path: '/sysctls/net.core.rmem_max', b: 1 }] });
  t.equal(JSON.parse(differJson.stdout).differences.length, 1);
  t.equal(viaUrl.code, 1, viaUrl.stderr);
  t.equal(viaUrl.stdout, differ.stdout, 'the same answer from the service');
  t.equal(fromStdin.code, 0, fromStdin.stderr);
  t.equal(ignored.code, 0, ignored.stderr);
  t.equal(diffRequests, 4, 'one request per diff through the URL, the table too: "current" would differ between two');

  const notJson = join(dir, 'not.json');
  writeFileSync(notJson, '{"host":');
  const [broken, notSnapshot] = await Promise.all([
    sockbench(['diff', a, notJson, '--url', url]),
    sockbench(['diff', a, join(dir, 'b.json'), '--url', url, '--ignore', 'sysctls']),
  ]);
  t.equal(broken.code, 2);
  t.match(broken.stderr, /^sockbench diff: .*not\.json is not JSON: /);
  t.equal(notSnapshot.code, 2, 'the API refuses a pointer that is not one');
  t.match(notSnapshot.stderr, /^SOCKBENCH_VALIDATION: body\.ignore/);
});

t.test('check: a baseline that matches (exit 0) and one that does not (exit 1)', async (t) => {
  const { url } = await listening(t);
  const taken = JSON.parse((await sockbench(['defaults', '--url', url])).stdout) as { sysctls: Record<string, unknown>; sockets: Record<string, Record<string, unknown>> };
  const dir = t.testdir();
  const good = join(dir, 'good.json');
  const bad = join(dir, 'bad.json');
  const somaxconn = taken.sysctls['net.core.somaxconn'] as number;
  writeFileSync(good, JSON.stringify({ sysctls: { 'net.core.somaxconn': somaxconn }, sockets: { tcp4: { SO_RCVBUF: taken.sockets.tcp4.SO_RCVBUF } } }));
  writeFileSync(bad, JSON.stringify({ sysctls: { 'net.core.somaxconn': somaxconn + 1 } }));

  const [ok, okJson, mismatch, mismatchJson, refused] = await Promise.all([
    sockbench(['check', '--baseline', good, '--url', url]),
    sockbench(['check', '--baseline', good, '--json'], { SOCKBENCH_URL: url }),
    sockbench(['check', '--baseline', bad, '--url', url]),
    sockbench(['check', '--baseline', bad, '--url', url, '--json', '--state', 'connected']),
    sockbench(['check', '--baseline', '-', '--url', url], {}, '{"sysctl": {}}'),
  ]);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, /OK, 2 values meet the baseline/);
  t.equal(okJson.code, 0);
  t.match(JSON.parse(okJson.stdout), { ok: true, checked: 2, mismatches: [] });
  t.equal(mismatch.code, 1, mismatch.stderr);
  t.match(mismatch.stdout, new RegExp(`/sysctls/net\\.core\\.somaxconn +${somaxconn + 1} +${somaxconn}\\n`), 'names the path, expected and actual');
  t.equal(mismatchJson.code, 1);
  t.match(JSON.parse(mismatchJson.stdout), { ok: false, checked: 1, state: 'connected', mismatches: [{ path: '/sysctls/net.core.somaxconn', rule: '$eq', expected: somaxconn + 1, actual: somaxconn, message: `net.core.somaxconn is ${somaxconn}, not ${somaxconn + 1}` }] });
  t.equal(refused.code, 2);
  t.match(refused.stderr, /^SOCKBENCH_VALIDATION: body has an unknown property "sysctl"/);
});
