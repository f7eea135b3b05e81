// How responsive the HTTP API stays while a stream benchmark saturates both cores: GET
// /v1/health latency (p50, p99, max) during a tcp4 stream run. Target: p99 <= 20 ms.
//
//   node --import tsx scripts/bench-health.ts [--seconds 5]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '5' } } });
const seconds = Number(args.seconds);

const dataDir = mkdtempSync(join(tmpdir(), 'sockbench-bench-'));
const app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'warn', SOCKBENCH_DATA_DIR: dataDir }), logger: false });
const base = await app.listen({ host: '127.0.0.1', port: 0 });
try {
  const started = await fetch(`${base}/v1/benchmarks?wait=false`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ transport: 'tcp4', pattern: 'stream', durationMs: seconds * 1000, warmupMs: 500 }),
  });
  const run = await started.json() as { id: string };
  const latencies: number[] = [];
  // Bounded: one request every 10 ms while the run lasts, and never more than 100 per second of run.
  const deadline = performance.now() + 500 + seconds * 1000;
  await new Promise((r) => setTimeout(r, 700));
  while (performance.now() < deadline - 200 && latencies.length < seconds * 100) {
    const t0 = performance.now();
    const res = await fetch(`${base}/v1/health`);
    await res.arrayBuffer();
    latencies.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 10));
  }
  const done = await (await fetch(`${base}/v1/benchmarks/${run.id}`)).json() as { status: string; result: { summary: { bitsPerSecond: number } } | null };
  while (true) {
    const state = await (await fetch(`${base}/v1/benchmarks/${run.id}`)).json() as typeof done;
    if (state.status !== 'running' && state.status !== 'queued') { Object.assign(done, state); break; }
    await new Promise((r) => setTimeout(r, 100));
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  console.log(`GET /v1/health during a ${seconds} s tcp4 stream (${done.status}, ${(done.result!.summary.bitsPerSecond / 1e9).toFixed(2)} Gbit/s): ` +
    `${sorted.length} requests, p50 ${at(0.5).toFixed(2)} ms, p99 ${at(0.99).toFixed(2)} ms, max ${sorted[sorted.length - 1].toFixed(2)} ms ` +
    `(target p99 <= 20 ms: ${at(0.99) <= 20 ? 'met' : 'NOT met'})`);
} finally {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
}
