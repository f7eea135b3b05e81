import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { tempDataDir } from './helpers/data-dir.js';

// The kernel's privilege checks, seen through the API: the service runs with no capabilities at all
// (setpriv, util-linux: empty bounding, inheritable and ambient sets, so nothing comes back at exec),
// and options that need one come back as that option's EPERM with a hint naming the capability, while
// the request itself succeeds. It keeps uid 0 on purpose: the kernel checks these options against
// capabilities, never the uid, and another uid might not be able to read a checkout that lives under
// a directory only root may enter (a CI clone often does).
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;
const tsLoader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'));

t.test('options that need a capability fail alone, naming it', { skip: !hasSetpriv || process.getuid?.() !== 0 ? 'needs root and setpriv to drop privileges' : false }, async (t) => {
  const dataDir = tempDataDir(t);
  const child = spawn('setpriv', ['--inh-caps=-all', '--ambient-caps=-all', '--bounding-set=-all',
    process.execPath, ...tsLoader, 'src/server.ts'], {
    env: { ...process.env, SOCKBENCH_PORT: '0', LOG_LEVEL: 'info', SOCKBENCH_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const address = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (m) resolve(m[1]);
    });
  });
  const available = readFileSync('/proc/sys/net/ipv4/tcp_available_congestion_control', 'utf8').trim().split(/\s+/);
  const allowed = readFileSync('/proc/sys/net/ipv4/tcp_allowed_congestion_control', 'utf8').trim().split(/\s+/);
  const restricted = available.find((a) => !allowed.includes(a));
  const options: Array<{ name: string; value: unknown }> = [
    { name: 'SO_SNDBUFFORCE', value: 1 << 24 },
    { name: 'SO_PRIORITY', value: 7 },
    { name: 'SO_MARK', value: 1 },
    { name: 'IP_TRANSPARENT', value: true },
    { name: 'SO_PRIORITY', value: 6 },
  ];
  if (restricted) options.push({ name: 'TCP_CONGESTION', value: restricted });
  const res = await fetch(`${address}/v1/sockopts`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ transport: 'tcp4', options }),
  });
  t.equal(res.status, 200);
  const body = await res.json() as { options: Array<{ name: string; requested: unknown; ok: boolean; effective: unknown; error?: { code: string; hint: string } }> };
  const find = (name: string, value: unknown) => body.options.find((o) => o.name === name && o.requested === value)!;
  const force = find('SO_SNDBUFFORCE', 1 << 24);
  t.match(force, { ok: false, error: { code: 'EPERM', hint: /needs CAP_NET_ADMIN; this process does not have it/ } });
  t.match(find('SO_PRIORITY', 7), { ok: false, error: { code: 'EPERM', hint: /CAP_NET_ADMIN or CAP_NET_RAW/ } });
  t.match(find('SO_MARK', 1), { ok: false, error: { code: 'EPERM' } });
  t.match(find('IP_TRANSPARENT', true), { ok: false, error: { code: 'EPERM' } });
  t.match(find('SO_PRIORITY', 6), { ok: true, effective: 6 }, 'values 0..6 need no privilege');
  if (restricted) t.match(find('TCP_CONGESTION', restricted), { ok: false, error: { code: 'EPERM', hint: /tcp_allowed_congestion_control/ } });
  child.kill('SIGTERM');
  await once(child, 'exit');
});
