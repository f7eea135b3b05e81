import t, { type Test } from 'tap';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { listening, sockbench } from '../helpers/cli.js';

// sockbench fleet as a child process against real apps on real ports (and stand-ins for hosts
// that are slow or silent).

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createNetServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * A stand-in host, closed when the test ends: it answers GET /v1/defaults with `doc` after
 * `delayMs` (never, for null), and counts the requests it holds at once.
 */
async function slowHost(t: Test, doc: unknown, delayMs: number | null): Promise<{ url: string; most: () => number }> {
  let inFlight = 0;
  let most = 0;
  const server = createServer((_req, res) => {
    most = Math.max(most, ++inFlight);
    if (delayMs === null) return;
    setTimeout(() => {
      inFlight--;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(doc));
    }, delayMs);
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => { server.closeAllConnections(); server.close(); });
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, most: () => most };
}

type Doc = { host: { hostname: string }; sysctls: Record<string, unknown> };

t.test('fleet: real hosts and an edited snapshot file; drift is exit 1; concurrency is bounded', async (t) => {
  const [a, b] = await Promise.all([listening(t), listening(t)]);
  const doc = await (await fetch(`${a.url}/v1/defaults`)).json() as Doc;
  const me = doc.host.hostname;
  const dir = t.testdir();
  const edited = join(dir, 'db-7.json');
  writeFileSync(edited, JSON.stringify({ ...doc, host: { ...doc.host, hostname: 'db-7' }, sysctls: { ...doc.sysctls, 'net.core.somaxconn': 1 } }));
  const urlsFile = join(dir, 'hosts.txt');
  writeFileSync(urlsFile, `# the fleet\n${a.url}\n\n  ${b.url}  \n`);
  const slow = await slowHost(t, doc, 300);

  const [drift, json, csv] = await Promise.all([
    sockbench(['fleet', '--url', a.url, '--url', b.url, edited]),
    sockbench(['fleet', '--urls-file', urlsFile, edited, '--json']),
    sockbench(['fleet', ...Array(5).fill(['--url', slow.url]).flat(), edited, '--concurrency', '2', '--format', 'csv', '--ignore', '/sockets']),
  ]);
  t.equal(drift.code, 1, drift.stderr);
  t.equal(drift.stdout, [
    '1 of 3 hosts differs on 1 key',
    'outliers: db-7 (1)',
    '',
    'KEY                          VALUE  HOSTS  WHICH',
    `/sysctls/net.core.somaxconn  ${String(doc.sysctls['net.core.somaxconn']).padEnd(5)}  2      ${me}, ${me} #2`,
    '                             1      1      db-7',
    '',
  ].join('\n'));
  t.equal(drift.stderr, '');
  t.equal(json.code, 1, json.stderr);
  t.match(JSON.parse(json.stdout), { summary: '1 of 3 hosts differs on 1 key', hostCount: 3, keys: [{ path: '/sysctls/net.core.somaxconn', outliers: ['db-7'] }] });
  t.equal(csv.code, 1, csv.stderr);
  t.equal(csv.stdout, `path,value,absent,hosts,majority,hostnames\r\n/sysctls/net.core.somaxconn,${String(doc.sysctls['net.core.somaxconn'])},false,5,true,${me}; ${me} #2; ${me} #3; ${me} #4; ${me} #5\r\n/sysctls/net.core.somaxconn,1,false,1,false,db-7\r\n`);
  t.equal(slow.most(), 2, 'never more requests at once than --concurrency');
});

t.test('fleet: an unreachable or silent host is named and exits 3, unless --allow-unreachable', async (t) => {
  const { url } = await listening(t);
  const doc = await (await fetch(`${url}/v1/defaults`)).json() as Doc;
  const dir = t.testdir({ 'a.json': JSON.stringify(doc), 'b.json': JSON.stringify(doc) });
  const closed = `http://127.0.0.1:${await closedPort()}`;
  const silent = await slowHost(t, doc, null);
  const [down, allowed, tooFew] = await Promise.all([
    sockbench(['fleet', '--url', url, '--url', closed, join(dir, 'a.json')]),
    sockbench(['fleet', '--url', closed, '--url', silent.url, join(dir, 'a.json'), join(dir, 'b.json'), '--timeout-ms', '1000', '--allow-unreachable']),
    sockbench(['fleet', '--url', closed, join(dir, 'a.json'), '--allow-unreachable']),
  ]);
  t.equal(down.code, 3);
  t.equal(down.stderr, `sockbench fleet: ${closed} left out: cannot reach sockbench at ${closed}: ECONNREFUSED; start it with \`sockbench serve\` or set --url\n`);
  t.match(down.stdout, /^all 2 hosts agree on all \d+ keys\n$/, 'the hosts that answered are still compared');
  t.equal(allowed.code, 0, allowed.stderr);
  t.match(allowed.stderr, new RegExp(`${closed} left out: cannot reach`));
  t.match(allowed.stderr, new RegExp(`${silent.url} left out: no answer from sockbench at ${silent.url} within 1000 ms`));
  t.match(allowed.stdout, /^all 2 hosts agree/);
  t.equal(tooFew.code, 3);
  t.match(tooFew.stderr, /only 1 of 2 snapshots to compare; a matrix needs 2\.\n$/);
});

t.test('fleet: usage mistakes and refusals exit 2 and say what is wrong', async (t) => {
  const { url } = await listening(t);
  const dir = t.testdir({ 'foreign.json': JSON.stringify({ host: {}, sysctls: { x: { y: 1 } }, sockets: {} }) });
  const [one, badConcurrency, badUrl, refused, foreign] = await Promise.all([
    sockbench(['fleet', '--url', url]),
    sockbench(['fleet', '--url', url, '--url', url, '--concurrency', '0']),
    sockbench(['fleet', '--url', url, '--url', 'ftp://x']),
    sockbench(['fleet', '--url', url, '--url', url, '--state', 'warm']),
    sockbench(['fleet', '--url', url, join(dir, 'foreign.json')]),
  ]);
  t.equal(one.code, 2);
  t.match(one.stderr, /^sockbench fleet: give 2 to 1000 hosts \(--url, --urls-file\) or snapshot files; got 1\.\n/);
  t.equal(badConcurrency.code, 2);
  t.match(badConcurrency.stderr, /--concurrency expects an integer from 1 to 256, got "0"/);
  t.equal(badUrl.code, 2);
  t.match(badUrl.stderr, /"ftp:\/\/x" must start with http/);
  t.equal(refused.code, 2);
  t.match(refused.stderr, new RegExp(`${url} left out: SOCKBENCH_VALIDATION: querystring\\.state must be one of: fresh, connected\\.`));
  t.equal(foreign.code, 2);
  t.match(foreign.stderr, /^SOCKBENCH_INVALID_VALUE: body\.snapshots\.1\.sysctls\.x: \{"y":1\} is not a snapshot value .*\(snapshots\.1 is .*foreign\.json\)\n$/);
});
