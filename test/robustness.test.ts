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
