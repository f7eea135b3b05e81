import t from 'tap';
import { canMakeNamespaces, fetchIn, hasTc, limitRate, startInstance, twoHosts } from '../helpers/netns.js';
import { bdpBytes } from '../../src/advice/bdp.js';

// The advisor's useful case: a peer run across a real link (two network namespaces joined by a
// veth pair, rate-limited with tbf so that the path has a bottleneck and a queueing delay), then
// {"run": id} on the host that ran the client side.

const skip = !canMakeNamespaces()
  ? 'needs root and ip netns (iproute2) with veth support to make two hosts on one machine'
  : hasTc() ? false : 'needs tc (iproute2) to limit the link';
const TOKEN = 'netns-advice-token-0123456789';
const headers = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };

t.test('advice from a peer run: the far path\'s measured rtt and throughput', { skip }, async (t) => {
  const pair = await twoHosts(t);
  const server = await startInstance(t, pair.b, { SOCKBENCH_HOST: pair.b.ip4, SOCKBENCH_TOKEN: TOKEN });
  const peer = `http://${pair.b.ip4}:${server.port}`;
  const client = await startInstance(t, pair.a, { SOCKBENCH_HOST: pair.a.ip4, SOCKBENCH_TOKEN: TOKEN, SOCKBENCH_PEERS: peer });
  await limitRate(pair.a, 40e6);
  const post = (path: string, body: unknown) => fetchIn(pair.a, `${client.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body), timeoutMs: 60_000 });

  const run = (await post('/v1/benchmarks', { transport: 'tcp4', pattern: 'stream', durationMs: 1000, warmupMs: 300, peer })).json();
  t.equal(run.status, 'done', JSON.stringify(run.error));
  const rttMicros = run.result.summary.tcpInfo.client.rtt as number;
  const bps = run.result.summary.bitsPerSecond as number;
  t.ok(bps > 20e6 && bps < 44e6, `40 Mbit/s on the link: ${(bps / 1e6).toFixed(1)} Mbit/s`);

  const res = await post('/v1/advice', { run: run.id });
  t.equal(res.status, 200, res.body.slice(0, 300));
  const a = res.json();
  t.same(a.path.run, { id: run.id, transport: 'tcp4', pattern: 'stream', peer, bitsPerSecond: bps, rttMicros });
  t.ok(rttMicros > 500, `the queue behind the 40 Mbit/s limit shows in the rtt: ${rttMicros} µs`);
  t.equal(a.bdpBytes, bdpBytes(bps, rttMicros));
  t.equal(a.window.bufferBytes, Math.ceil(a.bdpBytes / a.window.share - 1e-9));
  const text = await fetchIn(pair.a, `${client.url}/v1/advice?format=text`, { method: 'POST', headers, body: JSON.stringify({ run: run.id }) });
  t.match(text.body, new RegExp(`measured by run ${run.id} \\(tcp4 stream to ${peer.replaceAll('.', '\\.')}\\): rtt ${rttMicros} µs`));
  await limitRate(pair.a, null);
});
