import t from 'tap';
import { TRANSPORTS } from '../../src/options/types.js';
import { patternApplies, resolveBenchConfig } from '../../src/bench/config.js';
import { runBenchmark } from '../../src/bench/engine.js';
import { BenchConfigError } from '../../src/bench/errors.js';
import { BEHAVIOURS, behaviourOf } from '../../src/bench/patterns.js';
import { workerPool } from '../../src/bench/worker-pool.js';
import { PATTERNS } from '../../src/bench/types.js';
import { openFds } from '../helpers/build.js';

// The pattern table says how each pattern behaves; real runs on every transport must bear it out.

const workerExecArgv = process.execArgv.filter((arg) => !/@tapjs[/\\](processinfo|mock)/.test(arg));
const FIGURES = { stream: 'stream', datagram: 'datagram', transactions: 'rr' } as const;

t.teardown(() => workerPool.drain());

t.test('every row is named by its key, and every pattern on every transport has one row', async (t) => {
  for (const [name, row] of Object.entries(BEHAVIOURS)) t.equal(row.name, name);
  for (const transport of TRANSPORTS) {
    for (const pattern of PATTERNS) {
      const row = behaviourOf({ pattern, transport });
      t.equal(patternApplies(transport, pattern), row.transports.includes(transport), `${transport} ${pattern}`);
    }
  }
  t.same(TRANSPORTS.filter((tr) => patternApplies(tr, 'crr')), ['tcp4', 'tcp6'], 'a connection per transaction is TCP only');
});

for (const transport of TRANSPORTS) {
  for (const pattern of PATTERNS) {
    const row = behaviourOf({ pattern, transport });
    if (!patternApplies(transport, pattern)) {
      t.test(`${pattern} on ${transport} is refused`, async (t) => {
        t.throws(() => resolveBenchConfig({ transport, pattern, durationMs: 100 }), BenchConfigError);
      });
      continue;
    }
    t.test(`${pattern} on ${transport} runs as its row (${row.name}) says`, async (t) => {
      const config = resolveBenchConfig({ transport, pattern, durationMs: 150, warmupMs: 0, intervalMs: 50 });
      t.equal(config.messageSize, row.defaultMessageSize, 'default message size');
      t.equal(config.responseSize > 0, row.responds, 'a response size only where requests are answered');
      t.throws(() => resolveBenchConfig({ transport, pattern, durationMs: 100, messageSize: row.minMessageSize.local - 1 }), BenchConfigError, 'smallest message size');
      t.equal(
        (() => { try { resolveBenchConfig({ transport, pattern, durationMs: 100, rateBitsPerSecond: 1e6 }); return true; } catch { return false; } })(),
        row.paced, 'paced only where the row says');
      const before = await openFds();
      const r = await runBenchmark({ ...config, intervalMs: 50 }, { workerExecArgv });
      const key = FIGURES[row.figures];
      t.not(r[key], null, `its figures sit in ${key}`);
      for (const other of Object.values(FIGURES).filter((k) => k !== key)) t.equal(r[other], null, `${other} is null`);
      const moved = r.stream?.bytes ?? r.datagram?.received ?? r.rr?.transactions ?? 0;
      t.ok(moved > 0, `it moved something (${moved})`);
      t.equal(r.tcpInfo !== null, transport.startsWith('tcp'), 'TCP_INFO on TCP only');
      if (r.tcpInfo) t.ok(r.tcpInfo.client && r.tcpInfo.server, 'TCP_INFO of both sides, from the data socket or the last connection');
      t.ok(r.intervals && r.intervals.length >= 2, 'intervals were cut');
      t.equal(r.intervals!.every((i) => (row.figures === 'transactions' ? typeof i.transactions === 'number' : 'bytes' in i)), true, 'interval figures of the row');
      t.equal(await openFds(), before, 'no descriptor left open');
    });
  }
}
