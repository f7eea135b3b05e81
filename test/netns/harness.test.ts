import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { canMakeNamespaces, fetchIn, hasTc, limitRate, startInstance, twoHosts, type Host, type HostPair } from '../helpers/netns.js';

// The "two hosts on one machine" helper itself: a real link between two network namespaces, a
// sockbench instance reachable across it, a rate limit that holds, and nothing left behind.
const skip = canMakeNamespaces() ? false : 'needs root and ip netns (iproute2) with veth support to make two hosts on one machine';

// Counts what arrives on one connection, then answers "<bytes> <peer address>" and exits.
const SINK = `
const net = require('node:net');
const server = net.createServer((s) => {
  let n = 0;
  s.on('data', (d) => { n += d.length; });
  s.on('end', () => { s.end(n + ' ' + s.remoteAddress); server.close(); });
});
server.listen(0, process.argv[1], () => console.log(server.address().port));`;

// Sends argv[3] zero bytes to argv[1]:argv[2] and prints the answer and the time until it came.
const SOURCE = `
const net = require('node:net');
const [host, port, bytes] = process.argv.slice(1);
const start = process.hrtime.bigint();
let answer = '';
const s = net.connect(Number(port), host, () => s.end(Buffer.alloc(Number(bytes))));
s.setEncoding('utf8').on('data', (d) => { answer += d; }).on('end', () => {
  const [received, peer] = answer.split(' ');
  console.log(JSON.stringify({ received: Number(received), peer, ms: Number(process.hrtime.bigint() - start) / 1e6 }));
});`;

interface Transfer { received: number; peer: string; ms: number }

/** `bytes` over one TCP connection from `from` to a sink on `to` at `address`. */
async function transfer(pair: HostPair, from: Host, to: Host, address: string, bytes: number): Promise<Transfer> {
  const sink = pair.spawn(to, [process.execPath, '-e', SINK, address]);
  const [line] = await once(createInterface({ input: sink.stdout! }), 'line') as [string];
  const { stdout } = await pair.exec(from, [process.execPath, '-e', SOURCE, address, line, String(bytes)]);
  return JSON.parse(stdout) as Transfer;
}

const netnsList = (): string => spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
// A killed process whose parent has not reaped it yet is a zombie: dead for this purpose.
const alive = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

t.test('TCP crosses the link from a to b, over IPv4 and IPv6', { skip }, async (t) => {
  const pair = await twoHosts(t);
  t.not(pair.a.ns, pair.b.ns);
  t.ok(pair.a.dev.length <= 15 && pair.b.dev.length <= 15, 'veth names fit IFNAMSIZ');
  const v4 = await transfer(pair, pair.a, pair.b, pair.b.ip4, 65536);
  t.same([v4.received, v4.peer], [65536, pair.a.ip4], 'every byte arrived, from a\'s address');
  const v6 = await transfer(pair, pair.a, pair.b, pair.b.ip6, 65536);
  t.same([v6.received, v6.peer], [65536, pair.a.ip6], 'and over IPv6');
  const { stdout } = await pair.exec(pair.a, ['ip', '-o', 'addr', 'show', 'dev', pair.a.dev]);
  t.match(stdout, `inet ${pair.a.ip4}/24`);
  const v6line = stdout.split('\n').find((l) => l.includes(`inet6 ${pair.a.ip6}/64`));
  t.ok(v6line && !v6line.includes('tentative'), `IPv6 usable at once, no duplicate address detection: ${v6line}`);
});

t.test('sockbench started in b answers a across the link', { skip }, async (t) => {
  const pair = await twoHosts(t);
  const server = await startInstance(t, pair.b);
  t.equal(server.url, `http://${pair.b.ip4}:${server.port}`);
  const res = await fetchIn(pair.a, `${server.url}/v1/health`);
  t.equal(res.status, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  t.match(res.json(), { status: 'ok' });
  await t.rejects(fetchIn(pair.a, `http://${pair.b.ip4}:${server.port === 59999 ? 59998 : 59999}/v1/health`),
    /^fetch http:\/\/\S+ from sb-\S+: .*ECONNREFUSED/, 'no answer is an error that says why');
  t.same(await server.kill(), { code: 0, signal: null }, 'SIGTERM: a clean exit');
});

t.test('limitRate shapes what leaves a host', { skip: skip || (hasTc() ? false : 'needs tc (iproute2)') }, async (t) => {
  const pair = await twoHosts(t);
  await limitRate(pair.a, 8_000_000);
  const { stdout } = await pair.exec(pair.a, ['tc', 'qdisc', 'show', 'dev', pair.a.dev]);
  t.match(stdout, /qdisc tbf .*rate 8Mbit/);
  const bytes = 2 * 1024 * 1024;
  const limited = await transfer(pair, pair.a, pair.b, pair.b.ip4, bytes);
  t.equal(limited.received, bytes);
  t.ok(limited.ms >= 1500, `2 MiB at 8 Mbit/s takes about 2.1 s: took ${Math.round(limited.ms)} ms`);
  await limitRate(pair.a, null);
  t.notMatch((await pair.exec(pair.a, ['tc', 'qdisc', 'show', 'dev', pair.a.dev])).stdout, /tbf/);
  const free = await transfer(pair, pair.a, pair.b, pair.b.ip4, bytes);
  t.ok(free.ms < limited.ms / 2, `without it, much faster: ${Math.round(free.ms)} ms`);
});

t.test('teardown removes both namespaces and every process in them', { skip }, async (t) => {
  let names: string[] = [];
  let devs: string[] = [];
  let pid = 0;
  await t.test('hosts that live for one subtest', async (t) => {
    const pair = await twoHosts(t, { mtu: 1400 });
    names = [pair.a.ns, pair.b.ns];
    devs = [pair.a.dev, pair.b.dev];
    t.match((await pair.exec(pair.b, ['ip', 'link', 'show', 'dev', pair.b.dev])).stdout, /mtu 1400/);
    const sleeper = pair.spawn(pair.b, ['sleep', '60'], { stdio: 'ignore' });
    pid = sleeper.pid!;
    t.match(netnsList(), names[0]);
    t.match(netnsList(), names[1]);
  });
  for (const name of names) t.notMatch(netnsList(), name, `${name} is gone`);
  t.notOk(alive(pid), 'the process started in b is gone');
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout;
  for (const dev of devs) t.notMatch(links, dev, `${dev} never was and is not in the root namespace`);
});

t.test('namespaces of a creator that died are removed by the next twoHosts', { skip }, async (t) => {
  const dead = spawnSync('true').pid;
  const stale = `sb-${dead}-1-a`;
  spawnSync('ip', ['netns', 'add', stale]);
  t.teardown(() => { spawnSync('ip', ['netns', 'del', stale]); });
  const orphan = spawn('ip', ['netns', 'exec', stale, 'sleep', '60'], { stdio: 'ignore' });
  const exited = once(orphan, 'exit');
  while (!spawnSync('ip', ['netns', 'pids', stale], { encoding: 'utf8' }).stdout.trim()) await new Promise((r) => setTimeout(r, 20));
  t.match(netnsList(), stale);
  await twoHosts(t);
  t.notMatch(netnsList(), stale);
  await exited;
  t.equal(orphan.signalCode, 'SIGKILL', 'what ran inside it was killed');
});

t.test('a test process killed before its teardown (tap timeout, SIGKILL) leaves nothing behind', { skip }, async (t) => {
  const loader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'));
  const script = `
import { twoHosts } from ${JSON.stringify(new URL('../helpers/netns.ts', import.meta.url).href)};
const pair = await twoHosts({ teardown() {} });
const sleeper = pair.spawn(pair.b, ['sleep', '60'], { stdio: 'ignore' });
console.log(JSON.stringify({ names: [pair.a.ns, pair.b.ns], pid: sleeper.pid }));
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, [...loader, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  const [line] = await once(createInterface({ input: child.stdout! }), 'line') as [string];
  const { names, pid } = JSON.parse(line) as { names: string[]; pid: number };
  t.match(netnsList(), names[0]);
  child.kill('SIGKILL');
  await once(child, 'exit');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && (names.some((n) => netnsList().includes(n)) || alive(pid))) {
    await new Promise((r) => setTimeout(r, 100));
  }
  for (const name of names) t.notMatch(netnsList(), name, `${name} removed by the watcher`);
  t.notOk(alive(pid), 'the process inside was killed');
});
