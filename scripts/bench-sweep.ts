// What a sweep costs beyond the time it measures: each point's wall time minus its warm-up and
// measured time (overheadMs), on the built service as it runs in production (dist/, where the
// side workers load compiled JavaScript). Target in issue 4: under 10 ms per point.
//
//   npm run build && node --import tsx scripts/bench-sweep.ts [--points 8] [--duration-ms 200]
import { parseArgs } from 'node:util';
import { startBuiltService } from './built-service.js';

const { values: args } = parseArgs({ options: { points: { type: 'string', default: '8' }, 'duration-ms': { type: 'string', default: '200' } } });
const points = Number(args.points);
const durationMs = Number(args['duration-ms']);

const service = await startBuiltService();
try {
  const sweep = await service.post<{ status: string; result: { overheadMs: number; points: Array<{ overheadMs: number }> } }>('/v1/sweeps', {
    base: { transport: 'tcp4', pattern: 'stream', durationMs, warmupMs: 0 }, vary: { SO_SNDBUF: Array.from({ length: points }, (_, i) => 65536 + i * 4096) },
  });
  const each = sweep.result.points.map((p) => p.overheadMs).sort((a, b) => a - b);
  console.log(`sweep of ${points} tcp4 stream points of ${durationMs} ms (${sweep.status}): overhead per point median ${sweep.result.overheadMs} ms, ` +
    `min ${each[0]} ms, max ${each.at(-1)} ms (target < 10 ms: ${sweep.result.overheadMs < 10 ? 'met' : 'NOT met'})`);
} finally {
  service.stop();
}
