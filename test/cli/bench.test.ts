import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { sockbench, listening } from '../helpers/cli.js';

// sockbench bench as a child process against the real app on a real port; runs of 200 ms.



t.test('bench: a short run as JSON and as text, exit 0', async (t) => {
  const { url } = await listening(t);
  const args = ['bench', '--url', url, '--transport', 'tcp4', '--pattern', 'stream', '--duration-ms', '200', '--warmup-ms', '0'];
  const json = await sockbench([...args, '--opt', 'SO_SNDBUF=65536', '--server-opt', 'TCP_NODELAY=true', '--json']);
  t.equal(json.code, 0, json.stderr);
  t.equal(json.stderr, '', 'no progress bar when stderr is not a terminal');
  const run = JSON.parse(json.stdout) as { status: string; config: Record<string, unknown>; result: { summary: { verified: boolean }; sockets: Record<string, Array<{ name: string; requested: unknown }>> } };
  t.equal(run.status, 'done', JSON.stringify((run as { error?: unknown }).error));
  t.match(run.config, { transport: 'tcp4', pattern: 'stream', durationMs: 200, warmupMs: 0 });
  t.equal(run.result.summary.verified, true);
  t.match(run.result.sockets.client.find((o) => o.name === 'SO_SNDBUF'), { requested: 65536 });
  t.match(run.result.sockets.server.find((o) => o.name === 'TCP_NODELAY'), { requested: true });
  t.notOk(run.result.sockets.client.some((o) => o.name === 'TCP_NODELAY'), '--server-opt is for the server only');

  const text = await sockbench([...args, '--pattern', 'rr']);
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, /^[0-9a-f-]{36}  done  tcp4 rr  200 ms x 1  message 64 B\n\d+ transactions\/s  latency µs p50/);
  t.match(text.stdout, /\nSIDE +OPTION +REQUESTED/);
});

t.test('bench: what the API refuses is exit 2 with its message naming the field', async (t) => {
  const { url } = await listening(t);
  const base = ['bench', '--url', url, '--duration-ms', '200', '--warmup-ms', '0'];
  const [option, transport, duration] = await Promise.all([
    sockbench([...base, '--transport', 'tcp4', '--pattern', 'stream', '--opt', 'SO_SNDBUFF=65536']),
    sockbench([...base, '--transport', 'quic', '--pattern', 'stream']),
    sockbench([...base, '--transport', 'tcp4', '--pattern', 'stream', '--duration-ms', '9000']),
  ]);
  t.equal(option.code, 2);
  t.match(option.stderr, /^SOCKBENCH_UNKNOWN_OPTION: body\.options\.both\.SO_SNDBUFF: unknown option "SO_SNDBUFF"\. Did you mean SO_SNDBUF/);
  t.equal(transport.code, 2);
  t.equal(transport.stderr, 'SOCKBENCH_VALIDATION: body.transport must be one of: tcp4, tcp6, udp4, udp6, unix, unix-dgram.\n');
  t.equal(duration.code, 2);
  t.match(duration.stderr, /^SOCKBENCH_INVALID_VALUE: body\.durationMs: 9000 ms is more than the limit of 5000 ms/);
  t.equal(option.stdout + transport.stdout + duration.stdout, '');
});

t.test('bench: Ctrl-C cancels the run on the server and exits 130', async (t) => {
  const created: string[] = [];
  const { app, url } = await listening(t, (app) => app.addHook('onSend', async (request, _reply, payload) => {
    if (request.method === 'POST' && request.url.startsWith('/v1/benchmarks')) created.push((JSON.parse(String(payload)) as { id: string }).id);
  }));
  const state = async (id: string) => ((await app.inject({ url: `/v1/benchmarks/${id}` })).json() as { status: string }).status;
  // Long enough to be running when the signal comes; cancelled at once, so it ends seconds early.
  const child = spawn(process.execPath, [...process.execArgv, 'src/cli/main.ts', 'bench', '--url', url, '--transport', 'tcp4', '--pattern', 'stream', '--duration-ms', '5000', '--warmup-ms', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += String(d); });
  const started = Date.now();
  while (created.length === 0 || await state(created[0]) !== 'running') {
    if (Date.now() - started > 30000) throw new Error('the run did not start');
    await new Promise((r) => setTimeout(r, 20));
  }
  const runningAt = Date.now();
  const exited = once(child, 'exit');
  child.kill('SIGINT');
  const [code] = await exited;
  t.equal(code, 130);
  t.equal(stderr, `benchmark ${created[0]} cancelled\n`);
  t.equal(await state(created[0]), 'cancelled', 'the run on the server is cancelled');
  t.ok(Date.now() - runningAt < 4000, 'well before the run would have ended (5 s)');
});
