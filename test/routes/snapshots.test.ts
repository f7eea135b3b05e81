import t from 'tap';
import { readFileSync } from 'node:fs';
import { build, tempDataDir } from '../helpers/build.js';

const json = (payload: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));

t.test('snapshots: taken, stored, listed, read back, deleted; they outlive the app', async (t) => {
  const dir = tempDataDir(t);
  const app = await build(t, { SOCKBENCH_DATA_DIR: dir });
  const made = await app.inject({ method: 'POST', url: '/v1/defaults/snapshots', ...json({ label: 'before tuning', state: 'connected' }) });
  t.equal(made.statusCode, 201, made.body);
  const stored = made.json();
  t.equal(made.headers.location, `/v1/defaults/snapshots/${stored.id}`);
  t.match(stored, { label: 'before tuning', state: 'connected', document: { state: 'connected', sysctls: { 'net.core.rmem_max': rmemMax } } });
  const plain = await app.inject({ method: 'POST', url: '/v1/defaults/snapshots' });
  t.equal(plain.statusCode, 201, 'no body: a fresh snapshot without a label');
  t.match(plain.json(), { label: null, state: 'fresh' });

  const list = await app.inject({ url: '/v1/defaults/snapshots?limit=1' });
  t.match(list.json(), { total: 2, snapshots: [{ id: plain.json().id }] });
  t.notOk('document' in list.json().snapshots[0], 'lists leave the documents out');
  const text = await app.inject({ url: '/v1/defaults/snapshots', headers: { accept: 'text/plain' } });
  t.match(text.body, /^2 snapshots\n\nID +CREATED +HOST +STATE +LABEL\n.*connected +before tuning/ms);
  await app.close();

  const again = await build(t, { SOCKBENCH_DATA_DIR: dir });
  const back = await again.inject({ url: `/v1/defaults/snapshots/${stored.id}` });
  t.equal(back.statusCode, 200);
  t.same(back.json(), stored, 'the same document after a restart');
  t.equal((await again.inject({ method: 'DELETE', url: `/v1/defaults/snapshots/${stored.id}` })).statusCode, 204);
  const gone = await again.inject({ url: `/v1/defaults/snapshots/${stored.id}` });
  t.equal(gone.statusCode, 404);
  t.match(gone.json(), { code: 'SOCKBENCH_SNAPSHOT_NOT_FOUND' });
  t.equal((await again.inject({ method: 'DELETE', url: `/v1/defaults/snapshots/${stored.id}` })).statusCode, 404);
});

t.test('diff: inline documents, stored ids and "current"; host identity ignored; booleans stay booleans', async (t) => {
  const app = await build(t);
  const a = (await app.inject({ url: '/v1/defaults' })).json();
  const sameHost = await app.inject({ method: 'POST', url: '/v1/defaults/diff', ...json({ a, b: 'current' }) });
  t.equal(sameHost.statusCode, 200, sameHost.body);
  t.match(sameHost.json(), { identical: true, differences: [], ignored: ['/host/hostname', '/host/takenAt', '/sources'], a: { source: 'inline' }, b: { source: 'current', state: 'fresh' } });

  // Another host: other name, other time, two sysctls and an option that differ, one it lacks, one it adds.
  const b = structuredClone(a);
  b.host.hostname = 'db-7';
  b.host.takenAt = '2020-01-01T00:00:00.000Z';
  b.sysctls['net.core.rmem_max'] = rmemMax * 4;
  b.sysctls['net.ipv4.tcp_rmem'] = [1, 2, 3];
  b.sockets.tcp4.TCP_NODELAY = true;
  delete b.sockets.udp4.SO_RCVBUF;
  b.sysctls['net.future.knob'] = 7;
  const res = await app.inject({ method: 'POST', url: '/v1/defaults/diff', ...json({ a, b }) });
  t.equal(res.statusCode, 200, res.body);
  const body = res.json();
  t.equal(body.identical, false);
  t.same(body.differences, [
    { path: '/sysctls/net.core.rmem_max', a: rmemMax, b: rmemMax * 4 },
    { path: '/sysctls/net.ipv4.tcp_rmem', a: a.sysctls['net.ipv4.tcp_rmem'], b: [1, 2, 3] },
    { path: '/sockets/tcp4/TCP_NODELAY', a: false, b: true },
    { path: '/sockets/udp4/SO_RCVBUF', a: a.sockets.udp4.SO_RCVBUF, b: null },
    { path: '/sysctls/net.future.knob', a: null, b: 7 },
  ]);
  t.match(body.b, { source: 'inline', hostname: 'db-7' });

  const ignoring = await app.inject({ method: 'POST', url: '/v1/defaults/diff', ...json({ a, b, ignore: ['/sysctls', '/sockets/udp4'] }) });
  t.same(ignoring.json().differences.map((d: { path: string }) => d.path), ['/sockets/tcp4/TCP_NODELAY']);

  const text = await app.inject({ method: 'POST', url: '/v1/defaults/diff?format=text', ...json({ a, b }) });
  t.match(text.headers['content-type'], /^text\/plain/);
  t.match(text.body, /5 differences\n\nPATH +A +B\n/);
  t.match(text.body, /\/sysctls\/net.ipv4.tcp_rmem +\d+ \d+ \d+ +1 2 3\n/);
  t.match(text.body, /\/sysctls\/net.future.knob +- +7\n/, 'a key one side lacks reads "-", as in the defaults table');

  const stored = (await app.inject({ method: 'POST', url: '/v1/defaults/snapshots', ...json({ state: 'connected' }) })).json();
  const vsNow = await app.inject({ method: 'POST', url: '/v1/defaults/diff', ...json({ a: stored.id, b: 'current' }) });
  t.match(vsNow.json(), { a: { source: 'stored', id: stored.id, state: 'connected' }, b: { source: 'current', state: 'connected' } }, '"current" is taken in the stored snapshot\'s state');
  const volatile = vsNow.json().differences.map((d: { path: string }) => d.path);
  t.ok(volatile.every((p: string) => p.startsWith('/sockets/')), `only socket values may move between two connected pairs: ${volatile.join(', ')}`);
});

t.test('diff: malformed or foreign documents are 400s naming the path; unknown ids 404', async (t) => {
  const app = await build(t);
  const a = (await app.inject({ url: '/v1/defaults' })).json();
  const bad = async (payload: unknown, status: number, field: RegExp, message: RegExp) => {
    const res = await app.inject({ method: 'POST', url: '/v1/defaults/diff', ...json(payload) });
    t.equal(res.statusCode, status, res.body);
    t.match(res.json(), { field, message });
  };
  const { sysctls: _s, ...noSysctls } = a;
  await bad({ a: noSysctls, b: a }, 400, /^body\.a/, /sysctls|snapshot/);
  await bad({ a, b: { id: 'x', status: 'done', result: {} } }, 400, /^body\.b/, /^body\.b must be a snapshot document .*, a stored snapshot id, or "current"/);
  await bad({ a, b: { ...a, sockets: { tcp4: { SO_RCVBUF: [1] } } } }, 400, /^body\.b\.sockets\.tcp4\.SO_RCVBUF/, /is not a snapshot value/);
  await bad({ a, b: { ...a, sysctls: { 'net.core.rmem_max': { deep: [1] } } } }, 400, /^body\.b\.sysctls/, /is not a snapshot value/);
  await bad({ a, b: 'f0f0f0f0-0000-4000-8000-000000000000' }, 404, /^body\.b$/, /no stored snapshot/);
  await bad({ a }, 400, /^body\.b$/, /required/);
  await bad({ a, b: a, ignore: ['sysctls'] }, 400, /^body\.ignore/, /pattern/);
});

t.test('check: 200 when the host matches the baseline, 412 with the mismatches when not', async (t) => {
  const app = await build(t);
  const now = (await app.inject({ url: '/v1/defaults' })).json();
  const matching = { sysctls: { 'net.core.rmem_max': rmemMax }, sockets: { tcp4: { TCP_NODELAY: false, SO_KEEPALIVE: false, SO_LINGER: now.sockets.tcp4.SO_LINGER } } };
  const ok = await app.inject({ method: 'POST', url: '/v1/defaults/check', ...json(matching) });
  t.equal(ok.statusCode, 200, ok.body);
  t.match(ok.json(), { ok: true, checked: 4, mismatches: [], state: 'fresh' });

  const whole = await app.inject({ method: 'POST', url: '/v1/defaults/check', ...json({ ...now, host: { ...now.host, hostname: 'elsewhere', takenAt: 'earlier' } }) });
  t.equal(whole.statusCode, 200, 'a whole snapshot of this host matches, its identity aside');

  const wrong = await app.inject({ method: 'POST', url: '/v1/defaults/check', ...json({ sysctls: { 'net.core.rmem_max': rmemMax + 1, 'net.core.no_such': 1 }, sockets: { tcp4: { TCP_NODELAY: true } } }) });
  t.equal(wrong.statusCode, 412);
  t.same(wrong.json().mismatches, [
    { path: '/sysctls/net.core.rmem_max', rule: '$eq', expected: rmemMax + 1, actual: rmemMax, message: `net.core.rmem_max is ${rmemMax}, not ${rmemMax + 1}` },
    { path: '/sysctls/net.core.no_such', rule: '$eq', expected: 1, actual: null, absent: true, message: 'net.core.no_such is absent on this host, not 1' },
    { path: '/sockets/tcp4/TCP_NODELAY', rule: '$eq', expected: true, actual: false, message: 'tcp4 TCP_NODELAY is false, not true' },
  ]);
  t.match(wrong.json(), { ok: false, checked: 3 });
  const text = await app.inject({ method: 'POST', url: '/v1/defaults/check', headers: { 'content-type': 'application/json', accept: 'text/plain' }, payload: JSON.stringify({ sockets: { tcp4: { TCP_NODELAY: true } } }) });
  t.equal(text.statusCode, 412);
  t.match(text.body, /MISMATCH, 1 of 1 values fail the baseline\n\nPATH +EXPECTED +ACTUAL\n\/sockets\/tcp4\/TCP_NODELAY +true +false\n\ntcp4 TCP_NODELAY is false, not true\n$/);

  const connected = await app.inject({ method: 'POST', url: '/v1/defaults/check?state=connected', ...json({ sockets: { tcp4: { SO_TYPE: 1 } } }) });
  t.match(connected.json(), { ok: true, state: 'connected' });

  const empty = await app.inject({ method: 'POST', url: '/v1/defaults/check', ...json({ sysctls: {} }) });
  t.equal(empty.statusCode, 400);
  t.match(empty.json(), { field: 'body', message: /no values to check/ });
  const foreign = await app.inject({ method: 'POST', url: '/v1/defaults/check', ...json({ sysctl: { x: 1 } }) });
  t.equal(foreign.statusCode, 400);
  t.match(foreign.json(), { message: /unknown property "sysctl"/ });
  const badValue = await app.inject({ method: 'POST', url: '/v1/defaults/check', ...json({ sockets: { tcp4: { SO_RCVBUF: [{}] } } }) });
  t.equal(badValue.statusCode, 400);
  t.match(badValue.json(), { field: /^body\.sockets\.tcp4\.SO_RCVBUF/ });
});
