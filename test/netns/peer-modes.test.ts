import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { canMakeNamespaces, fetchIn, startInstance, twoHosts, type Host, type Instance } from '../helpers/netns.js';

// Run parameters that cross hosts, between two network namespaces joined by a veth pair, one
// sockbench in each: each host applies its own side's congestion control, checks it against
// its own list, and the client asks the far host for its list before a run is queued.

const skip = canMakeNamespaces() ? false : 'needs root and ip netns (iproute2) with veth support to make two hosts on one machine';
const TOKEN = 'netns-peer-modes-token-0123456789';
const headers = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
const AVAILABLE = readFileSync('/proc/sys/net/ipv4/tcp_available_congestion_control', 'utf8').trim().split(/\s+/);

interface Setup { a: Host; b: Host; clientApi: Instance; serverApi: Instance; peer: string }

async function setup(t: Test): Promise<Setup> {
  const pair = await twoHosts(t);
  const serverApi = await startInstance(t, pair.b, { SOCKBENCH_TOKEN: TOKEN });
  const peer = `http://${pair.b.ip4}:${serverApi.port}`;
  const clientApi = await startInstance(t, pair.a, { SOCKBENCH_HOST: pair.a.ip4, SOCKBENCH_TOKEN: TOKEN, SOCKBENCH_PEERS: peer });
  return { a: pair.a, b: pair.b, clientApi, serverApi, peer };
}

const post = (s: Setup, path: string, body: Record<string, unknown>) =>
  fetchIn(s.a, `${s.clientApi.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body), timeoutMs: 60_000 });

t.test('congestion control per run between two hosts', { skip }, async (t) => {
  const s = await setup(t);

  const caps = await fetchIn(s.a, `${s.peer}/v1/peer/capabilities`, { headers });
  t.equal(caps.status, 200);
  t.same(caps.json().congestion.available, AVAILABLE, 'the far host lists what its kernel offers');

  const [client, server] = AVAILABLE.length >= 2 ? [AVAILABLE[0], AVAILABLE[1]] : [AVAILABLE[0], AVAILABLE[0]];
  const res = await post(s, '/v1/benchmarks', { transport: 'tcp4', pattern: 'stream', durationMs: 400, warmupMs: 100, peer: s.peer, congestion: { client, server } });
  const run = res.json();
  t.equal(res.status, 200, run.error ? JSON.stringify(run.error) : 'ran');
  t.same(run.result.summary.congestion, { client, server }, 'each host read its own data socket\'s TCP_CONGESTION back');
  t.match(run.result.sockets.server.find((o: { name: string }) => o.name === 'TCP_CONGESTION'), { requested: server, effective: server }, 'the far host set the server side');
  t.match(run.result.sockets.client.find((o: { name: string }) => o.name === 'TCP_CONGESTION'), { requested: client, effective: client });
  t.equal(run.result.summary.verified, true);
  t.match(run.result.summary.senderQdisc, { device: s.a.dev, pacedBy: 'tcp' }, 'the sender\'s packets leave by the veth');

  // What the far host lacks is a 400 before anything is queued, naming what it has.
  const refused = await post(s, '/v1/benchmarks', { transport: 'tcp4', pattern: 'stream', durationMs: 200, peer: s.peer, congestion: { server: 'vegas' } });
  t.equal(refused.status, 400);
  t.match(refused.json(), { code: 'SOCKBENCH_CONGESTION_UNAVAILABLE', field: 'body.congestion.server', suggestions: AVAILABLE });
  t.match(refused.json().message, new RegExp(`the peer ${s.peer.replace(/[.:/]/g, '\\$&')} has no congestion control "vegas"; use one of ${AVAILABLE.join(', ')}`));
  // The far host checks again itself: a session asked for directly is refused the same way.
  const direct = await fetchIn(s.a, `${s.peer}/v1/peer/sessions`, { method: 'POST', headers, body: JSON.stringify({ transport: 'tcp4', pattern: 'stream', durationMs: 200, congestion: { server: 'vegas' } }) });
  t.equal(direct.status, 400);
  t.match(direct.json(), { code: 'SOCKBENCH_CONGESTION_UNAVAILABLE', field: 'body.congestion.server' });

  const sweep = await post(s, '/v1/sweeps', { base: { transport: 'tcp4', pattern: 'rr', durationMs: 100, warmupMs: 0, peer: s.peer }, vary: { congestion: ['*'] } });
  t.equal(sweep.status, 200, sweep.body.slice(0, 300));
  const points = sweep.json().result.points;
  t.same(points.map((p: { params: { congestion: string } }) => p.params.congestion), AVAILABLE, '"*": every algorithm both hosts have');
  for (const p of points) t.same([p.status, p.effective.server.TCP_CONGESTION], ['done', p.params.congestion], `${p.params.congestion} on the far host`);
});
