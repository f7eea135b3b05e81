import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { tempDataDir } from '../helpers/data-dir.js';
import { sockbench } from '../helpers/cli.js';

// The command as users run it, a child process: help, usage errors, an API it cannot reach, serve.


/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

t.test('help: the commands, and each command\'s options', async (t) => {
  const [top, bench, diff, helpCheck] = await Promise.all([
    sockbench(['--help']), sockbench(['bench', '--transport', 'tcp4', '--help']), sockbench(['diff', '-h']), sockbench(['help', 'check']),
  ]);
  t.equal(top.code, 0);
  t.match(top.stdout, /^Usage: sockbench <command> \[options\]/);
  for (const name of ['serve', 'defaults', 'diff', 'check', 'fleet', 'options', 'probe', 'bench', 'advise']) t.match(top.stdout, new RegExp(`\\n  ${name} +\\S`), `lists ${name}`);
  t.match(top.stdout, /Exit codes: 0 success; 1 different/);
  t.equal(bench.code, 0);
  t.match(bench.stdout, /^Usage: sockbench bench --transport T --pattern P/);
  t.match(bench.stdout, /--opt NAME=VALUE/);
  t.match(diff.stdout, /^Usage: sockbench diff A B/);
  t.match(helpCheck.stdout, /^Usage: sockbench check --baseline FILE/);
  t.equal(top.stderr + bench.stderr + diff.stderr + helpCheck.stderr, '');
});

t.test('bad usage: exit 2, what is wrong, and where to read more', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [[], /^sockbench: a command is required\.\nUsage: sockbench <command>/],
    [['benchmark'], /^sockbench: unknown command "benchmark"; the commands are serve, defaults, diff, check, fleet, options, probe, bench, advise\.\nRun 'sockbench --help' for usage\.\n$/],
    [['bench', '--transport', 'tcp4', '--bogus'], /^sockbench bench: Unknown option '--bogus'.*\nRun 'sockbench bench --help' for usage\.\n$/s],
    [['bench', '--opt', 'SO_SNDBUF'], /^sockbench bench: --opt expects NAME=VALUE/],
    [['bench', '--duration-ms', 'soon'], /^sockbench bench: --duration-ms expects a number, got "soon"/],
    [['diff', 'only-one.json'], /^sockbench diff: expected 2 arguments \(A B\), got 1\./],
    [['diff', 'missing.json', 'other.json'], /^sockbench diff: cannot read missing\.json: ENOENT\./],
    [['check'], /^sockbench check: --baseline FILE or --profile NAME is required\./],
    [['defaults', '--url', 'localhost:8080:x'], /^sockbench defaults: --url: "localhost:8080:x" (is not a URL|must start with http)/],
    [['defaults', '--timeout-ms', 'never'], /^sockbench defaults: --timeout-ms expects a positive integer/],
  ];
  const outcomes = await Promise.all(cases.map(([args]) => sockbench(args)));
  outcomes.forEach((o, i) => {
    t.equal(o.code, 2, `${cases[i][0].join(' ') || '(nothing)'}: exit 2`);
    t.match(o.stderr, cases[i][1]);
    t.equal(o.stdout, '');
  });
});

t.test('an unreachable API: one line, exit 3', async (t) => {
  const port = await closedPort();
  const [flag, env] = await Promise.all([
    sockbench(['defaults', '--url', `http://127.0.0.1:${port}`]),
    sockbench(['bench', '--transport', 'tcp4', '--pattern', 'stream'], { SOCKBENCH_URL: `http://127.0.0.1:${port}/` }),
  ]);
  for (const o of [flag, env]) {
    t.equal(o.code, 3);
    t.equal(o.stderr, `cannot reach sockbench at http://127.0.0.1:${port}: ECONNREFUSED; start it with \`sockbench serve\` or set --url\n`);
  }
});

t.test('an API that does not answer in time: exit 3', async (t) => {
  const silent = createServer(() => {}).listen(0, '127.0.0.1');
  await once(silent, 'listening');
  t.teardown(() => { silent.close(); });
  const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
  const o = await sockbench(['defaults', '--url', url, '--timeout-ms', '200']);
  t.equal(o.code, 3);
  t.equal(o.stderr, `no answer from sockbench at ${url} within 200 ms (GET /v1/defaults); raise --timeout-ms or check the service\n`);
});

t.test('a URL that is not sockbench: exit 3, saying so', async (t) => {
  const other = createHttpServer((req, res) => {
    if (req.url === '/v1/defaults') res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>');
    else res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>');
  }).listen(0, '127.0.0.1');
  await once(other, 'listening');
  t.teardown(() => { other.close(); });
  const url = `http://127.0.0.1:${(other.address() as { port: number }).port}`;
  const [html, gateway] = await Promise.all([
    sockbench(['defaults', '--url', url]),
    sockbench(['check', '--baseline', '-', '--url', url], {}, '{}'),
  ]);
  t.equal(html.code, 3);
  t.equal(html.stderr, `${url} answered GET /v1/defaults with something that is not JSON (text/html); is --url a sockbench service?\n`);
  t.equal(gateway.code, 3);
  t.equal(gateway.stderr, 'HTTP 502: <html>Bad Gateway</html>\n');
});

t.test('serve: the real server, configured by flags, stopped by SIGTERM', async (t) => {
  const child = spawn(process.execPath, [...process.execArgv, 'src/cli/main.ts', 'serve', '--host', '127.0.0.1', '--port', '0'], {
    env: { ...process.env, LOG_LEVEL: 'info', SOCKBENCH_DATA_DIR: tempDataDir(t) }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  const address = await new Promise<string>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(String((JSON.parse(line) as { msg?: string }).msg));
      if (m) resolve(m[1]);
    });
  });
  const health = await sockbench(['defaults', '--url', address, '--text']);
  t.equal(health.code, 0, 'the CLI talks to the server the CLI started');
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  t.equal((await exited)[0], 0, 'graceful exit');

  const bad = await sockbench(['serve', '--port', 'eighty']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /^sockbench: invalid configuration: .*SOCKBENCH_PORT/);
});
