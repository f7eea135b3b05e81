import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { build, tempDataDir } from './helpers/build.js';

t.test('over a real listening port: health, catalog as text, a probe, errors', async (t) => {
  const app = await build(t);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });

  const health = await fetch(`${url}/v1/health`);
  t.equal(health.status, 200);
  t.match(await health.json(), { status: 'ok' });

  const text = await fetch(`${url}/v1/options?level=IPPROTO_TCP`, { headers: { accept: 'text/plain' } });
  t.match(text.headers.get('content-type'), /^text\/plain/);
  const body = await text.text();
  t.match(body, /^NAME +LEVEL +NUM +TYPE/);
  t.match(body, /\nTCP_NODELAY +IPPROTO_TCP +1 +bool +rw +any /);
  t.notMatch(body, /SO_SNDBUF/);

  const probe = await fetch(`${url}/v1/sockopts`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ transport: 'tcp4', options: { SO_SNDBUF: 4096 } }),
  });
  t.equal(probe.status, 200);
  t.match(await probe.json(), { options: [{ name: 'SO_SNDBUF', before: 16384, effective: 8192, ok: true }] });

  const bad = await fetch(`${url}/v1/sockopts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
  t.equal(bad.status, 400);
  t.match(await bad.json(), { code: 'SOCKBENCH_INVALID_JSON' });

  const spec = await fetch(`${url}/v1/openapi.json`);
  const doc = await spec.json() as { paths: Record<string, unknown> };
  t.ok(doc.paths['/v1/sockopts'], 'OpenAPI documents the probe');
  t.ok(doc.paths['/v1/defaults']);
  const ui = await fetch(`${url}/docs/`);
  t.equal(ui.status, 200);
});

t.test('the server process: listens where configured, logs JSON with request ids, exits 0 on SIGTERM', async (t) => {
  const child = spawn(process.execPath, [...process.execArgv, 'src/server.ts'], {
    env: { ...process.env, SOCKBENCH_PORT: '0', SOCKBENCH_HOST: '127.0.0.1', LOG_LEVEL: 'info', SOCKBENCH_DATA_DIR: tempDataDir(t) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const logs: Array<Record<string, unknown>> = [];
  const listening = new Promise<string>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as Record<string, unknown>;
      logs.push(entry);
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(String(entry.msg));
      if (m) resolve(m[1]);
    });
  });
  const address = await listening;
  t.match(address, /^http:\/\/127\.0\.0\.1:\d+$/);
  const res = await fetch(`${address}/v1/health`, { headers: { 'x-request-id': 'e2e-req-1' } });
  t.equal(res.status, 200);
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = await exited;
  t.equal(code, 0, 'graceful exit');
  t.ok(logs.some((l) => l.reqId === 'e2e-req-1'), 'the request id from the header is in the log');
  t.ok(logs.some((l) => l.signal === 'SIGTERM' && l.msg === 'closing'));
});

t.test('the server refuses a bad configuration with one clear line and exit code 2', async (t) => {
  const child = spawn(process.execPath, [...process.execArgv, 'src/server.ts'], {
    env: { ...process.env, SOCKBENCH_PORT: 'eighty' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += String(d); });
  const [code] = await once(child, 'exit');
  t.equal(code, 2);
  t.match(stderr, /sockbench: invalid configuration: .*SOCKBENCH_PORT/);
});
