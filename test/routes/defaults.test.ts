import t from 'tap';
import { readFileSync } from 'node:fs';
import { build } from '../helpers/build.js';

const TRANSPORTS = ['tcp4', 'tcp6', 'udp4', 'udp6', 'unix', 'unix-dgram'];
const proc = (name: string) => readFileSync(`/proc/sys/${name.replace(/\./g, '/')}`, 'utf8').trim();

t.test('GET /v1/defaults: host, sysctls as typed values, every transport', async (t) => {
  const app = await build(t);
  const res = await app.inject('/v1/defaults');
  t.equal(res.statusCode, 200);
  const body = res.json();
  t.equal(body.state, 'fresh');
  t.match(body.host, { hostname: String, kernel: String, arch: String, cpus: Number, takenAt: String });
  t.same(Object.keys(body.sockets), TRANSPORTS);
  t.equal(body.sysctls['net.core.wmem_max'], Number(proc('net.core.wmem_max')));
  t.same(body.sysctls['net.ipv4.tcp_rmem'], proc('net.ipv4.tcp_rmem').split(/\s+/).map(Number));
  t.equal(body.sysctls['net.ipv4.tcp_congestion_control'], proc('net.ipv4.tcp_congestion_control'));
  t.equal(body.sockets.tcp4.SO_SNDBUF, Number(proc('net.ipv4.tcp_wmem').split(/\s+/)[1]));
  t.equal(body.sockets.udp4.SO_RCVBUF, Number(proc('net.core.rmem_default')));
  t.equal(body.sockets.tcp4.TCP_NODELAY, false);
  t.same(body.sockets.tcp4.SO_LINGER, { onoff: 0, linger: 0 });
  t.notOk('IP_MTU' in body.sockets.tcp4, 'needs a connection: not in the fresh snapshot');
  t.notOk('SO_COOKIE' in body.sockets.tcp4, 'volatile values are left out');
  t.same(body.errors, []);
});

t.test('?state=connected reads a connected pair; keys are the same run after run', async (t) => {
  const app = await build(t);
  const a = (await app.inject('/v1/defaults?state=connected')).json();
  const b = (await app.inject('/v1/defaults?state=connected')).json();
  t.equal(a.state, 'connected');
  t.equal(a.sockets.tcp4.IP_MTU, 65535);
  t.ok(a.sockets.tcp4.SO_SNDBUF > Number(proc('net.ipv4.tcp_wmem').split(/\s+/)[1]), 'autotuned on connect');
  for (const tr of TRANSPORTS) t.same(Object.keys(a.sockets[tr]), Object.keys(b.sockets[tr]), `${tr} keys stable`);
  t.same(Object.keys(a.sysctls), Object.keys(b.sysctls));
  const bad = await app.inject('/v1/defaults?state=open');
  t.match(bad.json(), { statusCode: 400, code: 'SOCKBENCH_VALIDATION', field: 'querystring.state', message: /must be one of: fresh, connected/ });
});

t.test('text/plain: host line, a sysctl table and an option-by-transport table', async (t) => {
  const app = await build(t);
  const res = await app.inject({ url: '/v1/defaults', headers: { accept: 'text/plain' } });
  t.match(res.headers['content-type'], /^text\/plain/);
  t.match(res.body, /kernel \S+ +\S+ +\d+ cpus/);
  t.match(res.body, new RegExp(`\\nnet\\.ipv4\\.tcp_rmem +${proc('net.ipv4.tcp_rmem').split(/\s+/).join(' ')}\\n`));
  t.match(res.body, /\nOPTION +tcp4 +tcp6 +udp4 +udp6 +unix +unix-dgram\n/);
  t.match(res.body, /\nSO_LINGER +onoff=0 linger=0s /);
  t.match(res.body, /\nTCP_NODELAY +false +false\s*\n/, 'TCP options are blank for non-TCP transports');
  t.match(res.body, /\nSO_RCVTIMEO +0\.000000s/);
});
