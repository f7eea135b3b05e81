import t from 'tap';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runBenchmark } from '../../src/bench/engine.js';
import {
  counterDeltas, counterWindow, KERNEL_COUNTER_NAMES, kernelCounterFiles, parsePairs, parseTables, readKernelCounters, sumSoftnetColumn,
} from '../../src/kernel/kernel-counters.js';
import { createSocket } from 'node:dgram';
import { bind, getsockname, LEVELS, OPTNAMES, setsockopt } from '../../native-bindings/index.js';
import { FdScope } from '../../src/sockets/fd-scope.js';
import { openSocket } from '../../src/sockets/pair.js';
import { TRANSPORT_INFO } from '../../src/sockets/transports.js';
import { build } from '../helpers/build.js';

const int = (v: number) => { const b = Buffer.alloc(4); b.writeInt32LE(v); return b; };

const workerExecArgv = process.execArgv.filter((arg) => !/@tapjs[/\\](processinfo|mock)/.test(arg));

t.test('the /proc tables parse as the kernel writes them', async (t) => {
  const snmp = 'Tcp: RtoAlgorithm RetransSegs InErrs OutRsts\nTcp: 1 32 0 854\nUdp: InDatagrams NoPorts InErrors RcvbufErrors SndbufErrors\nUdp: 101011 2 38658 38658 0\n';
  const tables = parseTables(snmp);
  t.equal(tables.get('Tcp')?.get('RetransSegs'), 32);
  t.equal(tables.get('Udp')?.get('RcvbufErrors'), 38658);
  t.same(Object.fromEntries(parsePairs('Udp6InDatagrams                 \t78964\nUdp6RcvbufErrors                \t38981\n')), { Udp6InDatagrams: 78964, Udp6RcvbufErrors: 38981 });
  const softnet = '00093441 00000003 00000010 00000000\n00074892 00000001 00000002 00000000\n';
  t.equal(sumSoftnetColumn(softnet, 1), 4, 'dropped, summed over CPUs (hex)');
  t.equal(sumSoftnetColumn(softnet, 2), 18, 'time_squeeze: 0x10 + 2');
  t.equal(sumSoftnetColumn('', 1), null);
});

t.test('a /proc without some files gives null for their counters, never an error', async (t) => {
  const root = t.testdir({ net: { snmp: 'Udp: RcvbufErrors NoPorts\nUdp: 7 1\n' } });
  const values = readKernelCounters(root);
  t.equal(values['Udp.RcvbufErrors'], 7);
  t.equal(values['Udp.NoPorts'], 1);
  t.equal(values['Udp.InErrors'], null, 'a field the table lacks');
  t.equal(values['Udp6.RcvbufErrors'], null, 'no snmp6');
  t.equal(values['TcpExt.DelayedACKs'], null, 'no netstat');
  t.equal(values['Softnet.dropped'], null, 'no softnet_stat');
  const later = { ...values, 'Udp.RcvbufErrors': 10, 'Udp.NoPorts': 0 };
  const d = counterDeltas(values, later);
  t.equal(d['Udp.RcvbufErrors'], 3);
  t.equal(d['Udp.NoPorts'], null, 'a counter that went backwards (reset) has no delta');
  t.equal(d['Udp.InErrors'], null);
});

t.test('this host\'s /proc has every counter; a side reads them at its window\'s edges', async (t) => {
  const values = readKernelCounters();
  t.same(KERNEL_COUNTER_NAMES.filter((n) => values[n] === null), [], 'every counter is read on this kernel');
  t.equal(counterWindow(null, ['client']), null, 'a window that never opened has no reading');
  // Building a fake root the way the reader expects it also checks the file names.
  const root = t.testdir({});
  mkdirSync(join(root, 'net'));
  for (const file of ['snmp', 'snmp6', 'netstat', 'softnet_stat']) writeFileSync(join(root, 'net', file), readFileSync(`/proc/net/${file}`));
  t.same(KERNEL_COUNTER_NAMES.filter((n) => readKernelCounters(root)[n] === null), [], 'a copy of /proc/net reads the same counters');

  for (const pattern of ['stream', 'rr', 'crr'] as const) {
    // A copy of /proc/net that the test changes while the run measures: the change shows as the delta.
    let bump: NodeJS.Timeout | undefined;
    const change = () => writeFileSync(join(root, 'net', 'snmp'), readFileSync('/proc/net/snmp', 'utf8').replace(/^(Tcp: (?:\S+ ){11})(\d+)/m, (_, head, n) => `${head}${Number(n) + 7}`));
    const result = await runBenchmark({ transport: 'tcp4', pattern, durationMs: 300, warmupMs: 100 }, {
      workerExecArgv, windowSnapshotFiles: kernelCounterFiles(root),
      // The warm-up has just started: 250 ms later is the middle of the window.
      onStarted: () => { bump = setTimeout(change, 250); },
    });
    clearTimeout(bump);
    writeFileSync(join(root, 'net', 'snmp'), readFileSync('/proc/net/snmp'));
    const seconds = (result.stream ?? result.rr)!.seconds!;
    const w = counterWindow(result.windowSnapshots, ['client', 'server'])!;
    t.ok(w, `${pattern}: the client read the files at its window's edges`);
    t.ok(Math.abs(w.windowMs - seconds * 1000) < 50, `${pattern}: ${w.windowMs} ms between the readings, window ${(seconds * 1000).toFixed(1)} ms`);
    t.ok(w.deltas['Tcp.RetransSegs']! >= 7, `${pattern}: a change inside the window is in the delta (${w.deltas['Tcp.RetransSegs']})`);
  }
  const none = await runBenchmark({ transport: 'tcp4', pattern: 'stream', durationMs: 50, warmupMs: 0 }, { workerExecArgv });
  t.equal(none.windowSnapshots, null, 'no files asked for, none read');
});

t.test('kernelCounters against the test\'s own reading of /proc around a run that overflows a tiny UDP receive buffer', async (t) => {
  const app = await build(t, { SOCKBENCH_MAX_DURATION_MS: '20000' });
  const body = { transport: 'udp4', pattern: 'stream', durationMs: 300, warmupMs: 100, options: { server: { SO_RCVBUF: 4096 } } };
  // Other tests on this host may overflow UDP buffers of their own while this one runs: a second try tells them apart.
  for (let attempt = 1; ; attempt++) {
    const before = readKernelCounters();
    const res = await app.inject({ method: 'POST', url: '/v1/benchmarks', payload: body });
    const after = readKernelCounters();
    t.equal(res.statusCode, 200, res.body.slice(0, 300));
    const run = res.json();
    const { lost, sent } = run.result.summary;
    const counters = run.result.kernelCounters;
    t.equal(counters.scope, 'network-namespace');
    t.match(counters.note, /network namespace/);
    t.equal(counters.peer, null, 'a loopback run has one reading');
    t.same(counters.thisHost.sides, ['client', 'server']);
    const runDelta: number = counters.thisHost.deltas['Udp.RcvbufErrors'];
    const outer = counterDeltas(before, after)['Udp.RcvbufErrors']!;
    t.ok(lost > 0, `the 8192-byte buffer overflowed: ${lost} of ${sent} lost`);
    t.ok(outer >= runDelta, `the test's reading (${outer}) brackets the run's window (${runDelta})`);
    t.ok(runDelta >= lost * 0.95, `every lost datagram is a counted receive-buffer drop: ${runDelta} drops, ${lost} lost`);
    const quiet = runDelta <= lost * 1.05 + 10;
    if (!quiet && attempt < 2) {
      t.comment(`${runDelta - lost} drops more than the run lost: other traffic in the namespace; trying again`);
      continue;
    }
    t.ok(quiet, `the drops are the run's own: ${runDelta} ≈ ${lost}`);
    const finding = run.result.explanation.find((f: { code: string }) => f.code === 'udp-receive-overflow');
    t.ok(finding, 'the finding names the overflow');
    t.same(finding.evidence.find((e: { name: string }) => e.name === 'kernelCounters Udp.RcvbufErrors').value, runDelta, 'its evidence is the counter\'s delta');
    break;
  }
});

t.test('a counter that moved more than the run could move it is flagged as other traffic', async (t) => {
  const app = await build(t, { SOCKBENCH_MAX_DURATION_MS: '20000' });
  // A unix stream sends no IP packets, so UDP drops caused meanwhile on this host are not its own:
  // a socket nobody reads, with the smallest buffer, overflows while the run measures.
  const scope = new FdScope();
  t.teardown(() => scope.closeAll());
  const sink = openSocket('udp4', scope);
  setsockopt(sink, LEVELS.SOL_SOCKET, OPTNAMES.SOL_SOCKET.SO_RCVBUF, int(1));
  bind(sink, TRANSPORT_INFO.udp4.loopback());
  const { port } = getsockname(sink) as { port: number };
  const source = createSocket('udp4');
  t.teardown(() => source.close());
  let flooding = true;
  const flood = (async () => {
    while (flooding) {
      for (let i = 0; i < 50; i++) source.send(Buffer.alloc(1000), port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  const res = await app.inject({ method: 'POST', url: '/v1/benchmarks', payload: { transport: 'unix', pattern: 'stream', durationMs: 300, warmupMs: 50 } });
  flooding = false;
  await flood;
  const w = res.json().result.kernelCounters.thisHost;
  t.ok(w.deltas['Udp.RcvbufErrors'] > 0, `the flood overflowed the sink in the window: ${w.deltas['Udp.RcvbufErrors']} drops`);
  t.match(w.beyondRun, [{ counter: 'Udp.RcvbufErrors', delta: w.deltas['Udp.RcvbufErrors'], runAtMost: 0 }]);
});
