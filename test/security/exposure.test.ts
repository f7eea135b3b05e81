import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { loadConfig } from '../../src/config.js';
import { exposureRefusal, isLoopbackHost } from '../../src/security/exposure.js';
import { tempDataDir } from '../helpers/data-dir.js';

const TOKEN = 'exposure-test-token-0123456789';

t.test('loopback: 127.0.0.0/8, ::1 in any spelling, localhost; nothing else', async (t) => {
  for (const host of ['127.0.0.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', 'localhost', 'LocalHost']) {
    t.ok(isLoopbackHost(host), host);
  }
  for (const host of ['0.0.0.0', '::', '10.0.0.7', '128.0.0.1', '::ffff:10.0.0.7', 'fe80::1', 'bench-7.example.com', 'localhost.example.com', '']) {
    t.notOk(isLoopbackHost(host), host || '(empty)');
  }
});

t.test('a non-loopback address needs a token, or SOCKBENCH_ALLOW_ANONYMOUS=true', async (t) => {
  const refusal = (env: Record<string, string>) => exposureRefusal(loadConfig(env));
  t.equal(refusal({}), null, 'the default 127.0.0.1');
  t.equal(refusal({ SOCKBENCH_HOST: '::1' }), null);
  t.equal(refusal({ SOCKBENCH_HOST: '0.0.0.0', SOCKBENCH_TOKEN: TOKEN }), null);
  t.equal(refusal({ SOCKBENCH_HOST: '0.0.0.0', SOCKBENCH_ALLOW_ANONYMOUS: 'true' }), null);
  t.match(refusal({ SOCKBENCH_HOST: '0.0.0.0' }), /^refusing to listen on 0\.0\.0\.0 without a token: set SOCKBENCH_TOKEN .* SOCKBENCH_ALLOW_ANONYMOUS=true/);
  t.match(refusal({ SOCKBENCH_HOST: '::', SOCKBENCH_ALLOW_ANONYMOUS: 'false' }), /^refusing to listen on :: without a token/);
  t.match(refusal({ SOCKBENCH_HOST: '10.0.0.7' }), /^refusing to listen on 10\.0\.0\.7 /);
});

t.test('a token too short or with characters a header cannot carry is an invalid configuration', async (t) => {
  t.throws(() => loadConfig({ SOCKBENCH_TOKEN: 'short' }), /SOCKBENCH_TOKEN must NOT have fewer than 16 characters/);
  t.throws(() => loadConfig({ SOCKBENCH_TOKEN: 'sixteen chars with spaces' }), /SOCKBENCH_TOKEN must match pattern/);
  t.throws(() => loadConfig({ SOCKBENCH_ALLOW_ANONYMOUS: 'maybe' }), /SOCKBENCH_ALLOW_ANONYMOUS must be boolean/);
});

const tsLoader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'));

/** src/server.ts with `env`: its exit code and stderr if it exits, or its log lines once it listens. */
function server(t: Test, env: Record<string, string>) {
  const { SOCKBENCH_TOKEN: _t, SOCKBENCH_ALLOW_ANONYMOUS: _a, SOCKBENCH_PEERS: _p, ...inherited } = process.env;
  const child = spawn(process.execPath, [...tsLoader, 'src/server.ts'], {
    env: { ...inherited, SOCKBENCH_PORT: '0', LOG_LEVEL: 'info', SOCKBENCH_DATA_DIR: tempDataDir(t), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL'); });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += String(d); });
  const logs: Array<{ level: number; msg: string; host?: string }> = [];
  return new Promise<{ code: number | null; stderr: string; logs: typeof logs }>((resolve) => {
    let stopping: NodeJS.Timeout | undefined;
    const stop = () => { if (child.exitCode === null) child.kill('SIGTERM'); };
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const entry = JSON.parse(line) as (typeof logs)[number];
      logs.push(entry);
      // Stop at the warning, which follows the listening lines, or soon after listening without one.
      if (entry.level === 40) stop();
      else if (entry.msg.startsWith('Server listening')) stopping ??= setTimeout(stop, 3000);
    });
    child.once('exit', (code) => { clearTimeout(stopping); resolve({ code, stderr, logs }); });
  });
}

t.test('the real start: refused on 0.0.0.0 without a token, one line on stderr, exit 2', async (t) => {
  const [open, badPeers] = await Promise.all([
    server(t, { SOCKBENCH_HOST: '0.0.0.0' }),
    server(t, { SOCKBENCH_PEERS: 'http://10.0.0.7:8080,10.0.0.8' }),
  ]);
  t.equal(open.code, 2);
  t.match(open.stderr, /^sockbench: refusing to listen on 0\.0\.0\.0 without a token: set SOCKBENCH_TOKEN [^\n]*\n$/);
  t.same(open.logs, [], 'nothing started');
  t.equal(badPeers.code, 2);
  t.equal(badPeers.stderr, 'sockbench: invalid configuration: SOCKBENCH_PEERS: "10.0.0.8" is not a URL; list base URLs such as http://10.0.0.7:8080, separated by commas\n');
});

t.test('the real start: SOCKBENCH_ALLOW_ANONYMOUS=true listens on 0.0.0.0, with a warning', async (t) => {
  const anonymous = await server(t, { SOCKBENCH_HOST: '0.0.0.0', SOCKBENCH_ALLOW_ANONYMOUS: 'true' });
  t.equal(anonymous.code, 0, 'listened, then stopped by SIGTERM');
  t.match(anonymous.logs.find((l) => l.level === 40), { host: '0.0.0.0', msg: /^no SOCKBENCH_TOKEN and SOCKBENCH_ALLOW_ANONYMOUS=true: anyone who can reach this address/ });
});
