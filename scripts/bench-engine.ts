// Side-by-side check of the benchmark engine against iperf3 (bulk TCP throughput) and sockperf
// (TCP ping-pong latency) on this host, alternating A B A B so that drift hits both alike. The
// engine is the built service (dist/, as `npm start` runs it) driven over its HTTP API: a
// TypeScript loader in the measuring process would add threads of its own beside the engine's.
//
//   npm run bench, or: npm run build && node --import tsx scripts/bench-engine.ts [--pairs 5] [--seconds 5] [--only stream|sendfile|reverse|rr] [--pin CPU] [--affinity C,S]
//
// sendfile: the engine's `sendMode: "sendfile"` (from a memfd) against iperf3 -Z (sendfile from a file), 128 KiB each.
// reverse: the engine's `direction: "reverse"` (the server side sends) against iperf3 -R, 128 KiB each.
//
// Tools that are not installed are skipped (apt-get install -y iperf3 sockperf).
// On a small VM the scheduler's placement (both ends on one CPU or not) moves ping-pong latency
// by 4x from run to run, for every tool alike. --pin CPU puts this process (so the service and
// its workers, which inherit its affinity) and the tools on that one CPU: a stable like-for-like
// comparison of what each loop costs. --affinity C,S pins each side instead, on both tools alike:
// the engine's client thread on CPU C and its server thread on S (its `affinity` field), iperf3
// with -A C,S, sockperf's client under taskset C and its server under taskset S.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBuiltService, type BuiltService } from './built-service.js';

const { values: args } = parseArgs({
  options: {
    pairs: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '5' },
    only: { type: 'string' },
    pin: { type: 'string' },
    affinity: { type: 'string' },
  },
});
const AFFINITY = args.affinity === undefined ? null : args.affinity.split(',').map(Number);
if (AFFINITY && (AFFINITY.length !== 2 || !AFFINITY.every((c) => Number.isInteger(c) && c >= 0))) {
  console.error(`--affinity expects CLIENT_CPU,SERVER_CPU (e.g. 0,1), got ${args.affinity}`);
  process.exit(2);
}
const engineAffinity = AFFINITY ? { client: AFFINITY[0], server: AFFINITY[1] } : undefined;
/** The command line under `taskset -c cpu` when the sides are pinned. */
const pinned = (cpu: number | undefined, cmd: string, argv: string[]): [string, string[]] =>
  (cpu === undefined ? [cmd, argv] : ['taskset', ['-c', String(cpu), cmd, ...argv]]);
const PAIRS = Number(args.pairs);
const SECONDS = Number(args.seconds);
const IPERF_PORT = 52011;
const SOCKPERF_PORT = 52012;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const fmt = (x: number, digits = 2): string => x.toFixed(digits);

/** 95% percentile-bootstrap interval of the median of `xs` (10,000 resamples). */
function bootstrapMedian(xs: number[]): [number, number] {
  const medians: number[] = [];
  for (let i = 0; i < 10_000; i++) medians.push(median(xs.map(() => xs[Math.floor(Math.random() * xs.length)])));
  medians.sort((a, b) => a - b);
  return [medians[Math.floor(0.025 * medians.length)], medians[Math.floor(0.975 * medians.length)]];
}
const installed = (tool: string): boolean => spawnSync('which', [tool]).status === 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function background(cmd: string, argv: string[]): ChildProcess {
  const child = spawn(cmd, argv, { stdio: 'ignore' });
  process.on('exit', () => child.kill());
  return child;
}

function run(cmd: string, argv: string[]): string {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
  return r.stdout + r.stderr;
}

interface StreamSample { gbps: number; userShare: number; systemShare: number }
type Cpu = { userMs: number; systemMs: number };
interface Run {
  status: string;
  error: { code: string; message: string } | null;
  result: { summary: { bitsPerSecond: number; seconds: number; verified: boolean; latencyMicros: { p50: number }; cpu: { client: Cpu; server: Cpu }; sentBy?: 'client' | 'server' | 'both' } } | null;
}

/** One benchmark through the built service's API, exactly as a user would run it with curl. */
async function engineRun(service: BuiltService, body: Record<string, unknown>): Promise<NonNullable<Run['result']>['summary']> {
  const run = await service.post<Run>('/v1/benchmarks', { ...body, ...(engineAffinity ? { affinity: engineAffinity } : {}) });
  if (run.status !== 'done' || !run.result) throw new Error(`engine run ${run.status}: ${JSON.stringify(run.error ?? run)}`);
  return run.result.summary;
}

async function engineStream(service: BuiltService, extra: Record<string, unknown> = {}): Promise<StreamSample> {
  const r = await engineRun(service, { transport: 'tcp4', pattern: 'stream', messageSize: 131072, durationMs: SECONDS * 1000, warmupMs: 0, ...extra });
  if (!r.verified) throw new Error('engine stream: byte accounting failed');
  const windowMs = r.seconds * 1000;
  // The sender's thread: the server side's when it is the one that sends.
  const sender = r.sentBy === 'server' ? r.cpu.server : r.cpu.client;
  return { gbps: r.bitsPerSecond / 1e9, userShare: sender.userMs / windowMs, systemShare: sender.systemMs / windowMs };
}

function iperfStream(extra: string[] = []): StreamSample {
  const out = JSON.parse(run('iperf3', ['-c', '127.0.0.1', '-p', String(IPERF_PORT), '-l', '128K', '-t', String(SECONDS), '-J', ...extra, ...(AFFINITY ? ['-A', AFFINITY.join(',')] : [])]));
  const cpu = out.end.cpu_utilization_percent;
  // -R: the server process sends, and iperf3 reports it as the remote host.
  const [user, system] = extra.includes('-R') ? [cpu.remote_user, cpu.remote_system] : [cpu.host_user, cpu.host_system];
  return { gbps: out.end.sum_received.bits_per_second / 1e9, userShare: user / 100, systemShare: system / 100 };
}

async function engineRr(service: BuiltService): Promise<number> {
  const r = await engineRun(service, { transport: 'tcp4', pattern: 'rr', messageSize: 64, durationMs: SECONDS * 1000, warmupMs: 500, options: { both: { TCP_NODELAY: true } } });
  return r.latencyMicros.p50;
}

/** sockperf prints half the round trip unless --full-rtt: ask for the whole one, as the engine measures. */
function sockperfRr(): number {
  const out = run(...pinned(AFFINITY?.[0], 'sockperf', ['ping-pong', '--tcp', '-i', '127.0.0.1', '-p', String(SOCKPERF_PORT), '-m', '64', '-t', String(SECONDS), '--full-rtt']));
  const m = /percentile 50\.000 =\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`no p50 in sockperf output:\n${out}`);
  return Number(m[1]);
}

interface Reference { name: string; measure: () => number }

/** A alternates with each reference, pair after pair; then medians, and ratios to each reference. */
async function compare(name: string, a: () => Promise<number>, refs: Reference[], unit: string, lowerIsBetter: boolean): Promise<void> {
  const as: number[] = [];
  const bs: number[][] = refs.map(() => []);
  for (let i = 0; i < PAIRS; i++) {
    as.push(await a());
    refs.forEach((ref, r) => bs[r].push(ref.measure()));
    console.log(`  pair ${i + 1}: engine ${fmt(as[i])} ${unit}${refs.map((ref, r) => `, ${ref.name} ${fmt(bs[r][i])} ${unit}`).join('')}`);
  }
  const range = (xs: number[]) => `median ${fmt(median(xs))} (min ${fmt(Math.min(...xs))}, max ${fmt(Math.max(...xs))}) ${unit}`;
  console.log(`${name}: engine ${range(as)}`);
  refs.forEach((ref, r) => {
    const b = bs[r];
    console.log(`${name}: ${ref.name} ${range(b)}`);
    const ratio = median(as) / median(b);
    // Pairs ran back to back, so the ratio within each pair is less exposed to drift on a noisy host.
    const ratios = as.map((x, i) => x / b[i]);
    const paired = median(ratios);
    const verdict = lowerIsBetter ? (ratio <= 1 ? 'engine no worse' : `engine ${fmt((ratio - 1) * 100, 1)}% worse`)
      : (ratio >= 1 ? 'engine no slower' : `engine ${fmt((1 - ratio) * 100, 1)}% slower`);
    console.log(`${name}: engine/${ref.name} ratio of medians ${fmt(ratio, 3)} (${verdict}); median of per-pair ratios ${fmt(paired, 3)}`);
    // How far the per-pair median could move by chance, given the spread these pairs showed.
    const [lo, hi] = bootstrapMedian(ratios);
    const decided = lowerIsBetter ? (hi <= 1 ? 'engine no worse' : lo > 1 ? 'engine worse' : 'not decided: the interval contains 1.00')
      : (lo >= 1 ? 'engine no slower' : hi < 1 ? 'engine slower' : 'not decided: the interval contains 1.00');
    console.log(`${name}: 95% bootstrap interval of the per-pair median [${fmt(lo, 3)}, ${fmt(hi, 3)}]: ${decided}`);
  });
}

/**
 * scripts/stream-baseline.c built with cc: the engine's own design (a blocking sender and a
 * blocking receiver thread in one process) in C, so that engine/C is the cost of JavaScript and
 * koffi alone. Null (and said) without a C compiler.
 */
function streamBaseline(): Reference | null {
  const dir = mkdtempSync(join(tmpdir(), 'sockbench-baseline-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const binary = join(dir, 'stream-baseline');
  const built = spawnSync('cc', ['-O2', '-pthread', '-o', binary, fileURLToPath(new URL('stream-baseline.c', import.meta.url))]);
  if (built.error || built.status !== 0) {
    console.log('no C compiler (cc): the C baseline of the engine\'s design is skipped (apt-get install -y gcc)');
    return null;
  }
  return {
    name: 'C baseline',
    measure: () => {
      const out = run(binary, ['block', String(SECONDS), ...(AFFINITY ? AFFINITY.map(String) : [])]);
      const m = /([\d.]+) Gbit\/s/.exec(out);
      if (!m) throw new Error(`no rate in the C baseline's output: ${out}`);
      return Number(m[1]);
    },
  };
}

/**
 * The engine's tcp4 stream with `body` against iperf3 with `iperfArgs` (and the C baseline of
 * the engine's design with `withBaseline`), pair after pair, with each sender's CPU share.
 */
async function streamComparison(service: BuiltService, name: string, body: Record<string, unknown>, iperfArgs: string[], withBaseline: boolean): Promise<void> {
  const iperf = installed('iperf3');
  const server = iperf ? background('iperf3', ['-s', '-p', String(IPERF_PORT)]) : null;
  if (server) await sleep(300);
  else console.log('iperf3 not installed: engine figures only');
  const iperfName = ['iperf3', ...iperfArgs].join(' ');
  const cpu: { engine: StreamSample[]; iperf: StreamSample[] } = { engine: [], iperf: [] };
  const refs: Reference[] = [];
  if (iperf) {
    refs.push({ name: iperfName, measure: () => {
      const s = iperfStream(iperfArgs);
      cpu.iperf.push(s);
      return s.gbps;
    } });
  }
  const baseline = withBaseline ? streamBaseline() : null;
  if (baseline) refs.push(baseline);
  await compare(name, async () => {
    const s = await engineStream(service, body);
    cpu.engine.push(s);
    return s.gbps;
  }, refs, 'Gbit/s', false);
  const share = (xs: StreamSample[], k: 'userShare' | 'systemShare') => fmt(median(xs.map((x) => x[k])) * 100, 1);
  console.log(`  sender CPU (median): engine user ${share(cpu.engine, 'userShare')}% system ${share(cpu.engine, 'systemShare')}% of its thread`);
  if (iperf) console.log(`  sender CPU (median): ${iperfName} user ${share(cpu.iperf, 'userShare')}% system ${share(cpu.iperf, 'systemShare')}% of the process (${iperfArgs.includes('-R') ? 'remote_user/remote_system' : 'host_user/host_system'})`);
  server?.kill();
}

async function main(): Promise<void> {
  if (args.pin !== undefined) {
    // -a: every thread of this process, and so the service and the tools it spawns.
    run('taskset', ['-a', '-cp', args.pin, String(process.pid)]);
  }
  // The engine as it runs in production: the built service (npm run build), driven over its API.
  const service = await startBuiltService();
  const placement = args.pin !== undefined ? `, all on CPU ${args.pin}` : AFFINITY ? `, client side on CPU ${AFFINITY[0]}, server side on CPU ${AFFINITY[1]}` : '';
  console.log(`sockbench engine vs iperf3/sockperf: ${PAIRS} pairs of ${SECONDS} s runs, alternating${placement}`);
  if (!args.only || args.only === 'stream') {
    await streamComparison(service, 'stream tcp4 128 KiB', {}, [], true);
  }
  if (!args.only || args.only === 'sendfile') {
    await streamComparison(service, 'stream tcp4 128 KiB sendfile', { sendMode: 'sendfile' }, ['-Z'], false);
  }
  if (!args.only || args.only === 'reverse') {
    await streamComparison(service, 'stream tcp4 128 KiB reverse', { direction: 'reverse' }, ['-R'], false);
  }
  if (!args.only || args.only === 'rr') {
    const sockperf = installed('sockperf');
    const server = sockperf ? background(...pinned(AFFINITY?.[1], 'sockperf', ['server', '--tcp', '-i', '127.0.0.1', '-p', String(SOCKPERF_PORT)])) : null;
    if (server) await sleep(300);
    else console.log('sockperf not installed: engine figures only');
    await compare('rr tcp4 64 B TCP_NODELAY round-trip p50', () => engineRr(service), sockperf ? [{ name: 'sockperf', measure: sockperfRr }] : [], 'us', true);
    server?.kill();
  }
  service.stop();
}

await main();
