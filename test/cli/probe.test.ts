import t from 'tap';
import { listening, sockbench } from '../helpers/cli.js';

// sockbench options and probe as child processes against the real app on a real port.

t.test('options and probe: the tables curl users get, from the terminal', async (t) => {
  const { url } = await listening(t);
  const [catalog, unknown, probe, probeJson] = await Promise.all([
    sockbench(['options', '--url', url, '--transport', 'unix']),
    sockbench(['options', 'SO_SNDBUFF', '--url', url]),
    sockbench(['probe', '--url', url, '--transport', 'tcp4', 'SO_SNDBUF=4096', '--get', 'TCP_MAXSEG']),
    sockbench(['probe', '--url', url, '--transport', 'udp4', '--side', 'server', '--opt', 'SO_RCVBUF=1', '--json']),
  ]);
  t.equal(catalog.code, 0, catalog.stderr);
  t.equal(catalog.stdout, await (await fetch(`${url}/v1/options?transport=unix`, { headers: { accept: 'text/plain' } })).text());
  t.notMatch(catalog.stdout, /\nTCP_NODELAY /, 'the filter reached the API');
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /^SOCKBENCH_OPTION_NOT_FOUND: No option named "SO_SNDBUFF" in the catalog\. Did you mean SO_SNDBUF/);

  t.equal(probe.code, 0, probe.stderr);
  const curl = await (await fetch(`${url}/v1/sockopts`, {
    method: 'POST', headers: { accept: 'text/plain', 'content-type': 'application/json' },
    body: JSON.stringify({ transport: 'tcp4', options: { SO_SNDBUF: 4096 }, get: [{ name: 'TCP_MAXSEG' }] }),
  })).text();
  const ports = (s: string) => s.replace(/127\.0\.0\.1:\d+/g, 'ADDR');
  t.equal(ports(probe.stdout), ports(curl), 'the same table, but for the pair\'s ports');
  t.match(probe.stdout, /\nSO_SNDBUF +before-connect +4096 +\d+ +8192 +8192 +ok +Doubled/);
  t.equal(probeJson.code, 0, probeJson.stderr);
  t.match(JSON.parse(probeJson.stdout), { transport: 'udp4', side: 'server', options: [{ name: 'SO_RCVBUF', requested: 1 }] });
});
