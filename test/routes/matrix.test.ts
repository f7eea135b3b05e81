import t from 'tap';
import { readFileSync } from 'node:fs';
import { build } from '../helpers/build.js';

// POST /v1/defaults/matrix through the real app: this host's real snapshot, stored and inline.

const json = (payload: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));

t.test('three hosts: the current one, a stored one with its label, and an edited document; JSON, text and CSV', async (t) => {
  const app = await build(t, { SOCKBENCH_BODY_LIMIT: '262144' });
  const stored = (await app.inject({ method: 'POST', url: '/v1/defaults/snapshots', ...json({ label: 'before tuning' }) })).json();
  const doc = (await app.inject({ url: '/v1/defaults' })).json();
  const tuned = structuredClone(doc);
  tuned.host.hostname = 'db-7';
  tuned.sysctls['net.core.rmem_max'] = rmemMax * 4;
  tuned.sockets.tcp4.TCP_NODELAY = true;
  const body = { snapshots: ['current', stored.id, tuned] };

  const res = await app.inject({ method: 'POST', url: '/v1/defaults/matrix', ...json(body) });
  t.equal(res.statusCode, 200, res.body);
  const m = res.json();
  const me = doc.host.hostname;
  t.equal(m.summary, '1 of 3 hosts differs on 2 keys');
  t.same(m.keys.map((k: { path: string }) => k.path), ['/sysctls/net.core.rmem_max', '/sockets/tcp4/TCP_NODELAY']);
  t.same(m.keys[0].values, [{ value: rmemMax, count: 2, hosts: [me, `${me} (before tuning)`] }, { value: rmemMax * 4, count: 1, hosts: ['db-7'] }]);
  t.match(m.keys[1], { majority: false, majorityCount: 2, tied: false, outliers: ['db-7'] });
  t.match(m.hosts, [
    { index: 0, name: me, source: 'current', state: 'fresh', differs: 0 },
    { index: 1, name: `${me} (before tuning)`, source: 'stored', id: stored.id, label: 'before tuning', differs: 0 },
    { index: 2, name: 'db-7', source: 'inline', id: null, label: null, differs: 2 },
  ]);

  const text = await app.inject({ method: 'POST', url: '/v1/defaults/matrix', headers: { 'content-type': 'application/json', accept: 'text/plain' }, payload: JSON.stringify(body) });
  t.match(text.headers['content-type'], /^text\/plain/);
  t.match(text.body, /^1 of 3 hosts differs on 2 keys\noutliers: db-7 \(2\)\n\nKEY +VALUE +HOSTS +WHICH\n/);
  t.match(text.body, new RegExp(`\\n/sysctls/net\\.core\\.rmem_max +${rmemMax} +2 +${me}, ${me} \\(before tuning\\)\\n +${rmemMax * 4} +1 +db-7\\n`));
  t.match(text.body, /\n\/sockets\/tcp4\/TCP_NODELAY +false +2 .*\n +true +1 +db-7\n$/);

  const csv = await app.inject({ method: 'POST', url: '/v1/defaults/matrix?format=csv', ...json(body) });
  t.match(csv.headers['content-type'], /^text\/csv/);
  t.equal(csv.body, [
    'path,value,absent,hosts,majority,hostnames',
    `/sysctls/net.core.rmem_max,${rmemMax},false,2,true,${me}; ${me} (before tuning)`,
    `/sysctls/net.core.rmem_max,${rmemMax * 4},false,1,false,db-7`,
    `/sockets/tcp4/TCP_NODELAY,false,false,2,true,${me}; ${me} (before tuning)`,
    '/sockets/tcp4/TCP_NODELAY,true,false,1,false,db-7',
  ].join('\r\n') + '\r\n');
  const viaAccept = await app.inject({ method: 'POST', url: '/v1/defaults/matrix', headers: { 'content-type': 'application/json', accept: 'text/csv' }, payload: JSON.stringify(body) });
  t.equal(viaAccept.body, csv.body);

  const ignoring = await app.inject({ method: 'POST', url: '/v1/defaults/matrix?format=text', ...json({ ...body, ignore: ['/sysctls', '/sockets/tcp4'] }) });
  t.match(ignoring.body, /^all 3 hosts agree on all \d+ keys\n$/);
});

t.test('"current" is taken once, in the state of the first snapshot that has one', async (t) => {
  const app = await build(t);
  const connected = (await app.inject({ method: 'POST', url: '/v1/defaults/snapshots', ...json({ state: 'connected' }) })).json();
  const res = await app.inject({ method: 'POST', url: '/v1/defaults/matrix', ...json({ snapshots: ['current', connected.id, 'current'] }) });
  t.equal(res.statusCode, 200, res.body);
  const m = res.json();
  t.match(m.hosts, [{ source: 'current', state: 'connected' }, { source: 'stored', state: 'connected' }, { source: 'current', state: 'connected' }]);
  t.equal(m.hosts[0].takenAt, m.hosts[2].takenAt, 'one snapshot for both');
  t.same(m.hosts.map((h: { name: string }) => h.name), [m.hosts[0].name, `${m.hosts[0].name} #2`, `${m.hosts[0].name} #3`], 'one host three times, told apart');
});

t.test('bad input: 400 naming the item and the path, 404 for an unknown id, 413 saying what to do instead; never 5xx', async (t) => {
  const app = await build(t);
  const doc = (await app.inject({ url: '/v1/defaults' })).json();
  const bad = async (payload: unknown, status: number, field: RegExp | undefined, message: RegExp) => {
    const res = await app.inject({ method: 'POST', url: '/v1/defaults/matrix', ...json(payload) });
    t.equal(res.statusCode, status, res.body);
    if (field) t.match(res.json().field, field);
    t.match(res.json().message, message);
    return res.json();
  };
  await bad({ snapshots: [] }, 400, /^body\.snapshots$/, /fewer than 2 items/);
  await bad({ snapshots: ['current'] }, 400, /^body\.snapshots$/, /fewer than 2 items/);
  await bad({ snapshots: Array(1001).fill('current') }, 400, /^body\.snapshots$/, /more than 1000 items/);
  await bad({ snapshots: ['current', doc, { ...doc, sysctls: { ...doc.sysctls, 'net.core.rmem_max': { deep: 1 } } }] }, 400, /^body\.snapshots\.2\.sysctls\.net\.core\.rmem_max$/, /is not a snapshot value/);
  await bad({ snapshots: ['current', { host: {}, sysctls: {} }] }, 400, /^body\.snapshots\.1\.sockets$/, /is missing: a snapshot document has host, sysctls and sockets/);
  await bad({ snapshots: ['current', { ...doc, extra: 1 }] }, 400, /^body\.snapshots\.1\.extra$/, /not a snapshot value/);
  await bad({ snapshots: ['current', 5] }, 400, /^body\.snapshots\.1$/, /neither a snapshot document/);
  await bad({ snapshots: ['current', null] }, 400, /^body\.snapshots\.1$/, /neither a snapshot document/);
  await bad({ snapshots: ['current', [doc]] }, 400, /^body\.snapshots\.1$/, /neither a snapshot document/);
  await bad({ snapshots: ['current', 'x'.repeat(65)] }, 400, /^body\.snapshots\.1$/, /is not a stored snapshot id/);
  await bad({ snapshots: ['current', ''] }, 400, /^body\.snapshots\.1$/, /is not a stored snapshot id/);
  await bad({ snapshots: ['current', 'nope'] }, 404, /^body\.snapshots\.1$/, /no stored snapshot nope/);
  await bad({ snapshots: ['current', 'current'], ignore: ['sysctls'] }, 400, /^body\.ignore\.0$/, /pattern/);
  await bad({ snapshots: ['current', 'current'], extra: 1 }, 400, /^body$/, /unknown property "extra"/);
  const tooBig = await bad({ snapshots: Array(10).fill(doc) }, 413, undefined, /over SOCKBENCH_BODY_LIMIT \(65536 bytes\).*by id \(POST \/v1\/defaults\/snapshots stores one\).*or raise SOCKBENCH_BODY_LIMIT/);
  t.equal(tooBig.code, 'SOCKBENCH_BODY_TOO_LARGE');
  const elsewhere = await app.inject({ method: 'POST', url: '/v1/defaults/diff', ...json({ a: doc, b: { ...doc, pad: 'x'.repeat(70000) } }) });
  t.equal(elsewhere.statusCode, 413);
  t.notMatch(elsewhere.json().message, /stored on this service by id/, 'the matrix hint is the matrix route\'s own');
});

t.test('the route is in the OpenAPI document with its response schema', async (t) => {
  const app = await build(t);
  const doc = (await app.inject({ url: '/v1/openapi.json' })).json();
  const op = doc.paths['/v1/defaults/matrix'].post;
  t.ok(op.responses['200'].content['application/json'].schema.properties.keys, 'keys');
  t.ok(op.responses['413'], '413 documented');
});
