// What a sweep costs beyond the time it measures: each point's wall time minus its warm-up and
// measured time (overheadMs), on the built service as it runs in production (dist/, where the
// side workers load compiled JavaScript). Target in issue 4: under 10 ms per point.
//
//   npm run build && node --import tsx scripts/bench-sweep.ts [--points 8] [--duration-ms 200]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({ options: { points: { type: 'string', default: '8' }, 'duration-ms': { type: 'string', default: '200' } } });
const points = Number(args.points);
const durationMs = Number(args['duration-ms']);

const dataDir = mkdtempSync(join(tmpdir(), 'sockbench-bench-'));
const server = spawn(process.execPath, ['dist/src/server.js'], {
  env: { ...process.env, SOCKBENCH_PORT: '0', SOCKBENCH_DATA_DIR: dataDir, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'inherit'],
});
try {
  const base = await new Promise<string>((resolve, reject) => {
    server.once('exit', (code) => reject(new Error(`the server exited (${code}); run npm run build first`)));
    createInterface({ input: server.stdout! }).on('line', (line) => {
      const m = /Server listening at (http:\/\/[^"]+)/.exec(line);
      if (m) resolve(m[1]);
    });
  });
  const res = await fetch(`${base}/v1/sweeps`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ base: { transport: 'tcp4', pattern: 'stream', durationMs, warmupMs: 0 }, vary: { SO_SNDBUF: Array.from({ length: points }, (_, i) => 65536 + i * 4096) } }),
  });
  const sweep = await res.json() as { status: string; result: { overheadMs: number; points: Array<{ overheadMs: number }> } };
  const each = sweep.result.points.map((p) => p.overheadMs).sort((a, b) => a - b);
  console.log(`sweep of ${points} tcp4 stream points of ${durationMs} ms (${sweep.status}): overhead per point median ${sweep.result.overheadMs} ms, ` +
    `min ${each[0]} ms, max ${each.at(-1)} ms (target < 10 ms: ${sweep.result.overheadMs < 10 ? 'met' : 'NOT met'})`);
} finally {
  server.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}
