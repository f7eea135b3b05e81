import t from 'tap';
import { build, openFds } from './helpers/build.js';

// A few thousand probes, valid and invalid, through the real app: none may answer 500, and the
// process must hold exactly as many descriptors afterwards as before.
const BODIES: unknown[] = [
  { transport: 'tcp4', options: { SO_SNDBUF: 4096, TCP_NODELAY: true } },
  { transport: 'tcp6', side: 'server', options: { SO_RCVBUF: 65536 }, get: [{ name: 'TCP_INFO' }] },
  { transport: 'udp4', options: { TCP_NODELAY: true, SO_RCVBUF: 1 } },
  { transport: 'udp6', options: [{ level: 41, name: 9999, value: 1 }] },
  { transport: 'unix', options: { SO_REUSEPORT: true, SO_LINGER: { onoff: 1, linger: 0 } } },
  { transport: 'unix-dgram', side: 'server', get: [{ level: 1, name: 7, buflen: 1 }] },
  { transport: 'tcp4', side: 'server', options: { TCP_DEFER_ACCEPT: 5 } },
  { transport: 'tcp4', options: { SO_BINDTODEVICE: 'nope0' } },
  { transport: 'tcp4', options: { SO_LINGER: 'x' } },
  { transport: 'tcp4', options: { NOPE: 1 } },
  { transport: 'nope' },
  { transport: 'tcp4', options: [{ level: 'SOL_NOPE', name: 1, value: 1 }] },
  { transport: 'tcp4', get: [{ name: 'TCP_INFO', buflen: 0 }] },
  '{"transport": ',
  { transport: 'tcp4', options: { SO_RCVTIMEO: { sec: -1, usec: 0 } } },
  { transport: 'tcp4', options: { TCP_CONGESTION: 'x'.repeat(300) } },
];

t.test('thousands of mixed probes: no 5xx, no leaked descriptor', async (t) => {
  // Thousands of requests from one address in a few seconds: any sensible rate limit would stop them.
  const app = await build(t, { SOCKBENCH_RATE_LIMIT: '0' });
  // Warm up lazily initialised state (koffi, the clock tick, schema compilers) before counting.
  for (const body of BODIES) await app.inject({ method: 'POST', url: '/v1/sockopts', payload: body as string, headers: { 'content-type': 'application/json' } });
  const before = await openFds();
  const statuses = new Map<number, number>();
  const rounds = 200;
  for (let i = 0; i < rounds; i++) {
    for (const body of BODIES) {
      const res = await app.inject({ method: 'POST', url: '/v1/sockopts', payload: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    }
  }
  t.equal(await openFds(), before, 'descriptor count unchanged');
  t.notOk([...statuses.keys()].some((s) => s >= 500), `statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  t.equal([...statuses.values()].reduce((a, b) => a + b, 0), rounds * BODIES.length);
  t.ok((statuses.get(200) ?? 0) >= rounds * 8, 'the valid probes succeeded');
  t.ok((statuses.get(400) ?? 0) >= rounds * 5, 'the invalid ones were refused');
});

// ---- baselines, rules and profiles from a seeded generator ----------------------------------

/** mulberry32: the same sequence every run, so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ['$min', '$max', '$range', '$oneOf', '$not', '$absent', '$persisted', '$eq', '$', 'onoff', 'linger', 'sec', 'usec', 'x/y', '~0', ''];
const NAMES = ['net.core.rmem_max', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_congestion_control', 'net.core.nope', 'a~1b'];
const SCALARS: unknown[] = [0, -1, 1, 4096, 2 ** 53, 1e308, -1e308, 0.5, 'bbr', 'cubic', '', '\u0000<&>"#::%', '\u{1F600}', true, false, null];

function generator(seed: number) {
  const r = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)];
  const value = (depth: number): unknown => {
    const roll = r();
    if (depth <= 0 || roll < 0.45) return pick(SCALARS);
    if (roll < 0.7) return Array.from({ length: Math.floor(r() * 5) }, () => value(depth - 1));
    return Object.fromEntries(Array.from({ length: 1 + Math.floor(r() * 3) }, () => [pick(KEYS), value(depth - 1)]));
  };
  const n = () => pick([0, 1, 4096, 212992, 4194304, 2 ** 31 - 1, 2 ** 53, -5]);
  // Well-formed rules, so that many requests get past the compiler and are checked.
  const rule = (): unknown => pick([
    () => ({ $min: n() }), () => ({ $max: n() }), () => ({ $range: [n(), n()] }), () => ({ $oneOf: [pick(SCALARS), n()] }),
    () => ({ $not: pick(SCALARS) }), () => ({ $absent: r() < 0.5 }), () => ({ $persisted: true, $min: n() }),
    () => [null, pick([null, n()]), { $min: n() }], () => n(),
  ])();
  const baseline = () => {
    const doc: Record<string, unknown> = {};
    if (r() < 0.8) doc.sysctls = Object.fromEntries(Array.from({ length: 1 + Math.floor(r() * 3) }, () => [pick(NAMES), r() < 0.6 ? rule() : value(3)]));
    if (r() < 0.3) doc.sockets = { [pick(['tcp4', 'udp6', 'nope'])]: { [pick(['SO_RCVBUF', 'SO_LINGER', 'TCP_NODELAY'])]: value(3) } };
    if (r() < 0.1) doc[pick(KEYS)] = value(2);
    return doc;
  };
  return {
    body(): unknown {
      const roll = r();
      if (roll < 0.55) return baseline();
      if (roll < 0.85) return { profile: pick(['fasterdata-10g', 'fasterdata-100g', 'kernel-defaults-6', 'low-latency', 'nope', '']), ...(r() < 0.6 ? { overrides: baseline() } : {}) };
      return value(4);
    },
    format: () => pick(['json', 'text', 'junit', 'tap', 'csv']),
    chance: r,
    state: () => pick(['', '&state=connected', '&state=warm']),
  };
}

t.test('generated baselines, rules and profiles: 4xx or an answer, never 5xx; reports stay valid JSON or XML', async (t) => {
  const app = await build(t, { SOCKBENCH_RATE_LIMIT: '0' });
  const gen = generator(13);
  const statuses = new Map<number, number>();
  const rounds = 300;
  for (let i = 0; i < rounds; i++) {
    const body = gen.body();
    const res = await app.inject({ method: 'POST', url: `/v1/defaults/check?format=${gen.format()}${gen.state()}`, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    if (res.statusCode >= 500) t.fail(`${res.statusCode} for ${JSON.stringify(body)}: ${res.body}`);
    if (res.statusCode === 400) t.match(res.json(), { code: /^SOCKBENCH_/, field: /^(body|querystring)/ }, 'a 400 names the field');
    if (res.headers['content-type']?.toString().startsWith('application/xml')) t.match(res.body, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
  }
  t.notOk([...statuses.keys()].some((s) => s >= 500), `statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  t.comment(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  t.ok((statuses.get(400) ?? 0) > rounds / 4, 'many were refused');
  t.ok((statuses.get(200) ?? 0) + (statuses.get(412) ?? 0) > rounds / 10, 'some were checked');
  // diff in every report format, between generated documents, altered real ones and "current".
  const real = (await app.inject('/v1/defaults')).json();
  const diffStatuses = new Map<number, number>();
  for (let i = 0; i < 100; i++) {
    const side = () => {
      const roll = gen.chance();
      if (roll < 0.3) return 'current';
      if (roll < 0.7) return { ...real, sysctls: { ...real.sysctls, ...(gen.body() as Record<string, unknown>) } };
      return gen.body();
    };
    const res = await app.inject({ method: 'POST', url: `/v1/defaults/diff?format=${gen.format()}`, payload: JSON.stringify({ a: side(), b: side() }), headers: { 'content-type': 'application/json' } });
    diffStatuses.set(res.statusCode, (diffStatuses.get(res.statusCode) ?? 0) + 1);
    if (res.statusCode >= 500) t.fail(`diff ${res.statusCode}: ${res.body}`);
  }
  t.comment(`diff statuses: ${JSON.stringify(Object.fromEntries(diffStatuses))}`);
  t.ok((diffStatuses.get(200) ?? 0) > 10 && (diffStatuses.get(400) ?? 0) > 10, 'diffs both answered and refused');
  for (const name of ['fasterdata-10g', 'nope', '%00', 'x'.repeat(200)]) {
    const res = await app.inject({ url: `/v1/profiles/${name}` });
    if (name === 'fasterdata-10g') t.equal(res.statusCode, 200);
    else t.ok(res.statusCode >= 400 && res.statusCode < 500, `GET /v1/profiles/${name.slice(0, 20)}: ${res.statusCode}`);
  }
});

// ---- matrices of edited, broken and foreign snapshots ----------------------------------------

t.test('random matrices: edited, broken and foreign snapshots, ids and junk; no 5xx', async (t) => {
  const app = await build(t, { SOCKBENCH_RATE_LIMIT: '0' });
  const doc = (await app.inject({ url: '/v1/defaults' })).json();
  const stored = (await app.inject({ method: 'POST', url: '/v1/defaults/snapshots' })).json().id as string;
  const seed = 13;
  const next = random(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(next() * items.length)];
  const junk = [0, 4096, 'bbr', false, null, {}, [], 'x', 1.5, -1, 2 ** 60, true, { deep: { er: [] } }, 'y'.repeat(70), [1, 'a'], { onoff: 1, linger: 5 }, { sec: 1 }];
  const section = (d: Record<string, any>) => pick([d.sysctls, d.sockets?.tcp4, d.sockets?.unix, d.host, d]);
  const snapshot = () => {
    if (next() < 0.15) return pick(['current', stored, 'nope', '', ...junk]);
    const d = structuredClone(doc);
    for (let i = Math.floor(next() * 2); i > 0; i--) {
      const target = section(d);
      if (typeof target !== 'object' || target === null) continue;
      const key = pick([...Object.keys(target), 'new.key']);
      if (next() < 0.2) delete target[key];
      else target[key] = pick(junk);
    }
    return d;
  };
  const statuses = new Map<number, number>();
  const rounds = 300;
  for (let i = 0; i < rounds; i++) {
    const body: Record<string, unknown> = { snapshots: Array.from({ length: Math.floor(next() * 6) }, snapshot) };
    if (next() < 0.2) body.ignore = [pick(['/sysctls', '/sockets/tcp4', 'sysctls', '/', ''])];
    const format = pick(['', '?format=text', '?format=csv', '?format=xml']);
    const res = await app.inject({ method: 'POST', url: `/v1/defaults/matrix${format}`, payload: JSON.stringify(next() < 0.05 ? pick(junk) : body), headers: { 'content-type': 'application/json' } });
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    if (res.statusCode >= 500) t.fail(`seed ${seed}, round ${i}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  }
  const seen = JSON.stringify(Object.fromEntries(statuses));
  t.notOk([...statuses.keys()].some((s) => s >= 500), `statuses: ${seen}`);
  t.ok((statuses.get(200) ?? 0) > 30 && (statuses.get(400) ?? 0) > 30, `both answers and refusals: ${seen}`);
});
