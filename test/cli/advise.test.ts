import t from 'tap';
import { sockbench, listening } from '../helpers/cli.js';
import { parseBandwidth, parseRtt } from '../../src/cli/commands/advise.js';

// sockbench advise as a child process against the real app on a real port.

t.test('rates and times as people type them', async (t) => {
  t.equal(parseBandwidth('10G'), 10e9);
  t.equal(parseBandwidth('2.5Gbit/s'), 2.5e9);
  t.equal(parseBandwidth('100M'), 100e6);
  t.equal(parseBandwidth('1e9'), 1e9);
  t.equal(parseBandwidth('800kbps'), 800e3);
  t.equal(parseBandwidth('fast'), null);
  t.equal(parseRtt('80ms'), 80);
  t.equal(parseRtt('80'), 80, 'a bare number is ms');
  t.equal(parseRtt('250us'), 0.25);
  t.equal(parseRtt('0.08s'), 80);
  t.equal(parseRtt('soon'), null);
});

t.test('advise --bandwidth 10G --rtt 80ms: the text report, or JSON; --run ID', async (t) => {
  const { app, url } = await listening(t);
  const text = await sockbench(['advise', '--url', url, '--bandwidth', '10G', '--rtt', '80ms', '--rcvbuf', '65536']);
  t.equal(text.code, 0, text.stderr);
  t.match(text.stdout, /^10 Gbit\/s x 80 ms, as given\n/);
  t.match(text.stdout, /\nbandwidth-delay product  100000000 bytes \(95\.4 MiB\)\n/);
  t.match(text.stdout, /\nSO_RCVBUF  65536 +131072 /);
  t.match(text.stdout, /\/etc\/sysctl\.d\/90-sockbench\.conf \(not applied\):/);
  const json = await sockbench(['advise', '--url', url, '--bandwidth', '1G', '--rtt', '1', '--json']);
  t.equal(json.code, 0, json.stderr);
  t.match(JSON.parse(json.stdout), { bdpBytes: 125000, path: { bandwidthBitsPerSecond: 1e9, rttMs: 1, source: 'request' }, applied: false });

  const run = (await app.inject({ method: 'POST', url: '/v1/benchmarks', payload: { transport: 'tcp4', pattern: 'stream', durationMs: 200, warmupMs: 0 } })).json();
  const fromRun = await sockbench(['advise', '--url', url, '--run', run.id, '--json']);
  t.equal(fromRun.code, 0, fromRun.stderr);
  const advice = JSON.parse(fromRun.stdout);
  t.equal(advice.path.run.id, run.id);
  t.equal(advice.path.run.rttMicros, run.result.summary.tcpInfo.client.rtt, 'the run\'s own TCP_INFO rtt');
});

t.test('advise: bad input is exit 2, with the API\'s message naming the field', async (t) => {
  const { url } = await listening(t);
  const [zero, far, unknown, none, both, words] = await Promise.all([
    sockbench(['advise', '--url', url, '--bandwidth', '10G', '--rtt', '0']),
    sockbench(['advise', '--url', url, '--bandwidth', '10G', '--rtt', '11s']),
    sockbench(['advise', '--url', url, '--run', 'no-such-run']),
    sockbench(['advise', '--url', url]),
    sockbench(['advise', '--url', url, '--run', 'x', '--rtt', '5ms']),
    sockbench(['advise', '--url', url, '--bandwidth', 'fast', '--rtt', '5ms']),
  ]);
  t.same([zero.code, zero.stderr], [2, 'SOCKBENCH_VALIDATION: body.rttMs must be > 0.\n']);
  t.same([far.code, far.stderr], [2, 'SOCKBENCH_VALIDATION: body.rttMs must be <= 10000.\n']);
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /^SOCKBENCH_RUN_NOT_FOUND: body\.run: no benchmark no-such-run/);
  t.equal(none.code, 2);
  t.match(none.stderr, /^sockbench advise: give --bandwidth and --rtt/);
  t.equal(both.code, 2);
  t.match(both.stderr, /--rtt and --run do not go together/);
  t.equal(words.code, 2);
  t.match(words.stderr, /--bandwidth expects a rate like 10G/);
  t.equal(zero.stdout + far.stdout + unknown.stdout + none.stdout + both.stdout + words.stdout, '');
});
