// What an agent holds: the resident size (VmRSS) of the built service started as `npm start`
// starts it, idle after start, then after one benchmark of each kind with the default idle pool
// (the pooled side threads stay). Targets in issue 11: at most 90 MB idle, 130 MB after one run.
//
//   npm run build && node --import tsx scripts/bench-memory.ts [--samples 3]
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { startArgs, startBuiltService } from './built-service.js';

const { values: args } = parseArgs({ options: { samples: { type: 'string', default: '3' } } });

const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const threads = (pid: number): number => Number(/Threads:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const idle: number[] = [];
const afterStream: number[] = [];
const afterRr: number[] = [];
let threadCounts = '';
for (let i = 0; i < Number(args.samples); i++) {
  const service = await startBuiltService();
  try {
    // The idle figure: a second after the service said it listens, nothing asked of it yet.
    await sleep(1000);
    idle.push(rssMb(service.pid));
    const before = threads(service.pid);
    for (const [pattern, into] of [['stream', afterStream], ['rr', afterRr]] as const) {
      const run = await service.post<{ status: string }>('/v1/benchmarks', { transport: 'tcp4', pattern, durationMs: 1000, warmupMs: 200 });
      if (run.status !== 'done') throw new Error(`tcp4 ${pattern}: ${JSON.stringify(run)}`);
      await sleep(1000);
      into.push(rssMb(service.pid));
    }
    threadCounts = `${before} threads idle, ${threads(service.pid)} with the pooled side workers`;
  } finally {
    service.stop();
  }
}
const f = (xs: number[]) => `${median(xs).toFixed(1)} MB (${xs.map((x) => x.toFixed(1)).join(', ')})`;
console.log(`memory of \`node ${startArgs().join(' ')}\`, median of ${idle.length} starts:`);
console.log(`  idle after start             ${f(idle)}  target <= 90 MB: ${median(idle) <= 90 ? 'met' : 'NOT met'}`);
console.log(`  after one tcp4 stream run    ${f(afterStream)}  target <= 130 MB: ${median(afterStream) <= 130 ? 'met' : 'NOT met'}`);
console.log(`  after a tcp4 rr run as well  ${f(afterRr)}`);
console.log(`  ${threadCounts}`);
