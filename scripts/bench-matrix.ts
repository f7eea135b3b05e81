// How long a fleet matrix of 1,000 real-sized snapshots takes: this host's real snapshot a
// thousand times under other names, a few of them with drifted values. Measured twice: the
// matrix function alone, and POST /v1/defaults/matrix on the built service with every document
// inline, over HTTP (send, parse, checks, matrix, reply). Target: under 1 s for the whole request.
//
//   npm run build && node --import tsx scripts/bench-matrix.ts [--hosts 1000] [--repeats 5]
import { parseArgs } from 'node:util';
import { takeDefaults } from '../src/host/defaults.js';
import { matrixOf } from '../src/host/matrix.js';
import { startBuiltService } from './built-service.js';

const { values: args } = parseArgs({ options: { hosts: { type: 'string', default: '1000' }, repeats: { type: 'string', default: '5' } } });
const hosts = Number(args.hosts);
const repeats = Number(args.repeats);

const real = takeDefaults({ state: 'fresh', timeoutMs: 1000 });
/** The fleet: 3 % of hosts with another rmem_max, 1 % with another congestion control, 0.4 % with another SO_RCVBUF. */
const fleet = Array.from({ length: hosts }, (_, i) => {
  const doc = structuredClone(real);
  doc.host.hostname = `host-${String(i).padStart(4, '0')}`;
  if (i % 33 === 5) doc.sysctls['net.core.rmem_max'] = 16777216;
  if (i % 100 === 7) doc.sysctls['net.ipv4.tcp_congestion_control'] = 'reno';
  if (i % 250 === 11) doc.sockets.tcp4.SO_RCVBUF = 262144;
  return doc;
});
const body = JSON.stringify({ snapshots: fleet });

function stats(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  return `median ${sorted[Math.floor(sorted.length / 2)].toFixed(1)} ms, max ${sorted[sorted.length - 1].toFixed(1)} ms`;
}

const pure: number[] = [];
let summary = '';
for (let r = 0; r < repeats; r++) {
  const t0 = performance.now();
  summary = matrixOf(fleet.map((doc) => ({ doc, host: { hostname: doc.host.hostname, label: null, source: 'inline', id: null, takenAt: null, state: null } })), ['/host/hostname', '/host/takenAt']).summary;
  pure.push(performance.now() - t0);
}
console.log(`matrixOf, ${hosts} snapshots (${summary}): ${stats(pure)}`);

// The service refuses bodies over SOCKBENCH_BODY_LIMIT; a thousand inline documents need its maximum.
process.env.SOCKBENCH_BODY_LIMIT = '16777216';
const service = await startBuiltService();
try {
  const http: number[] = [];
  // The first request also compiles the route's code paths: reported apart, not in the median.
  for (let r = 0; r <= repeats; r++) {
    const t0 = performance.now();
    const res = await fetch(`${service.base}/v1/defaults/matrix`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const answer = await res.json() as { summary?: string; message?: string };
    http.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`POST /v1/defaults/matrix: ${res.status} ${answer.message}`);
    summary = answer.summary!;
  }
  const [first, ...warm] = http;
  const median = [...warm].sort((a, b) => a - b)[Math.floor(warm.length / 2)];
  console.log(`POST /v1/defaults/matrix, ${hosts} inline snapshots, ${(body.length / 1e6).toFixed(1)} MB (${summary}): first ${first.toFixed(1)} ms, then ${stats(warm)} ` +
    `(target < 1000 ms: ${median < 1000 ? 'met' : 'NOT met'} at the median)`);
} finally {
  service.stop();
}
