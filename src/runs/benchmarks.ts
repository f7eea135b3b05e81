import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { FastifyError } from 'fastify';
import type { Config } from '../config.js';
import { errors, type SockbenchError } from '../errors.js';
import { hostFacts, type HostFacts } from '../host/facts.js';
import { sysctlValue, type SysctlName, type SysctlValue } from '../host/sysctls.js';
import type { OptionReport } from '../options/types.js';
import { type BenchConfig, BenchConfigError, BenchOptions, BenchTimeoutError, BenchWorkerError, type Executor, type IntervalSample, type RepeatOutcome, resolveBenchConfig, type ResolvedBenchConfig, type RunResult, type SideAffinity, type SideCongestion, type SideOptionsInput, sendersOf, summarize, withRunOptions } from '../bench/index.js';
import { threadAffinity } from '../../native-bindings/index.js';
import { COUNTERS_NOTE, COUNTERS_SCOPE, flagOtherTraffic, type FlaggedWindow } from '../advice/counters.js';
import { explainRun, type Finding } from '../advice/findings.js';
import { counterWindow, kernelCounterFiles, type KernelCounterWindow } from '../host/kernel-counters.js';
import { parsePeers, peerAllowed } from '../security/peers.js';
import type { RunError, RunReporter, RunView } from './registry.js';
import type { Runs } from './runs.js';

export const DEFAULT_DURATION_MS = 3000;
export const DEFAULT_WARMUP_MS = 500;
export const MAX_REPEATS = 20;
export const MAX_STREAMS = 16;

export interface BenchmarkRequest extends Omit<BenchConfig, 'durationMs'> {
  durationMs?: number;
  repeats?: number;
  /** Parallel pairs (like iperf3 -P), each with its own two worker threads; figures add up. */
  streams?: number;
  options?: SideOptionsInput;
  /** Base URL of another sockbench instance (one of SOCKBENCH_PEERS) that runs the server side. */
  peer?: string;
}

export type BenchmarkConfig = ResolvedBenchConfig & { repeats: number; streams: number; options: SideOptionsInput; peer?: string };

export interface BenchmarkOutcome {
  host: HostFacts & { sysctls: Record<string, SysctlValue | null> };
  /** Per side, every option set (and SO_SNDBUF/SO_RCVBUF always): requested, before, effective, connected, end. */
  sockets: { client: OptionReport[]; server: OptionReport[] };
  /** The figures: the median repeat's, with min, max, cpu and tcpInfo beside them. */
  summary: Record<string, unknown>;
  /** What bounded the median repeat's figures, strongest first. */
  explanation: Finding[];
  /** The median repeat's kernel counter deltas, read on each host at its side's window edges. */
  kernelCounters: KernelCounters;
  repeats: Array<Record<string, unknown>>;
  intervals: IntervalSample[] | null;
  /** Peer runs: the far host, as its own side reported it. */
  peer?: { url: string; host: BenchmarkOutcome['host'] };
}

export interface KernelCounters {
  scope: typeof COUNTERS_SCOPE;
  note: string;
  /** This host's reading: both sides for a loopback run, the client's across hosts. */
  thisHost: FlaggedWindow | null;
  /** Peer runs: the far host's own reading around its server side's window. */
  peer: FlaggedWindow | null;
}

/** One repeat's counter windows, by the side whose host read them. */
export interface RepeatCounters {
  client: KernelCounterWindow | null;
  server: KernelCounterWindow | null;
}

export type BenchmarkRun = RunView<BenchmarkConfig, BenchmarkOutcome>;

/** A TCP stream's pacing, as the sender's socket ended it. */
export interface PacingSummary {
  /** pacingRateBitsPerSecond as asked (null: not capped). */
  requestedBitsPerSecond: number | null;
  /** The sender's SO_MAX_PACING_RATE read back at the end, in bit/s (null: unlimited, or not read). */
  effectiveBitsPerSecond: number | null;
  /** The sender's TCP_INFO at the end: tcpi_pacing_rate (TCP's own current rate) and tcpi_max_pacing_rate (the cap; null: unlimited), in bit/s. */
  tcpInfoPacingRateBitsPerSecond: number | null;
  tcpInfoMaxPacingRateBitsPerSecond: number | null;
  /** The stream went at the pacing rate (the "paced" finding): the cap, not the path, set the figure. */
  bounded: boolean;
}

/** The sysctls that explain a transfer, copied into every result. */
const RESULT_SYSCTLS: SysctlName[] = [
  'net.core.rmem_max', 'net.core.wmem_max', 'net.core.rmem_default', 'net.core.wmem_default',
  'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'net.ipv4.tcp_congestion_control', 'net.ipv4.tcp_autocorking',
  'net.ipv4.tcp_slow_start_after_idle', 'net.ipv4.tcp_no_metrics_save', 'net.core.netdev_max_backlog',
];

/** This host as a result shows it: facts and the sysctls that explain a transfer. */
export function resultHost(): BenchmarkOutcome['host'] {
  return { ...hostFacts(), sysctls: Object.fromEntries(RESULT_SYSCTLS.map((n) => [n, sysctlValue(n)])) };
}

export function describeError(err: unknown): RunError {
  if (err instanceof BenchTimeoutError) return { code: 'SOCKBENCH_RUN_TIMEOUT', message: err.message };
  if (err instanceof BenchWorkerError) {
    return { code: 'SOCKBENCH_RUN_FAILED', message: `${err.message}${err.code ? ` (${err.code})` : ''}` };
  }
  const { code, retryAfterSeconds } = err as SockbenchError;
  if (typeof code === 'string' && code.startsWith('SOCKBENCH_')) {
    return { code, message: (err as Error).message, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
  }
  return { code: 'SOCKBENCH_RUN_FAILED', message: (err as Error).message ?? String(err) };
}

/**
 * What a failure's log line needs beyond the error and its stack: the side that failed and the
 * libc call (with its errno) that did, where the error knows them (a worker's report, a failed
 * step of building the sockets).
 */
export function traceError(err: unknown): { side: string | null; syscall: string | null; errno: string | null } {
  const e = (err ?? {}) as { side?: unknown; syscall?: unknown; code?: unknown; cause?: { syscall?: unknown; code?: unknown } };
  const call = typeof e.syscall === 'string' ? e : typeof e.cause?.syscall === 'string' ? e.cause : null;
  return {
    side: typeof e.side === 'string' ? e.side : null,
    syscall: call ? String(call.syscall) : null,
    errno: call && typeof call.code === 'string' ? call.code : null,
  };
}

function repeatView(r: RunResult): Record<string, unknown> {
  const { histogram: _h, ...figures } = (r.stream ?? r.datagram ?? r.rr) as unknown as Record<string, unknown>;
  return { ...figures, cpu: r.cpu, forcedEnd: r.forcedEnd, nudged: r.nudged };
}

/** Lists CPUs compactly for messages: 0-3,6. */
function cpuList(cpus: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cpus.length; i++) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j] + 1) j++;
    parts.push(j > i ? `${cpus[i]}-${cpus[j]}` : String(cpus[i]));
    i = j;
  }
  return parts.join(',');
}

/** A pinned side must name a CPU this process may run on (its affinity mask, cgroups and taskset included). */
function checkAffinity(affinity: SideAffinity, sides: Array<keyof SideAffinity>, fieldPrefix: string): void {
  // Most requests pin nothing: no syscall for them.
  if (sides.every((side) => affinity[side] === null)) return;
  const allowed = threadAffinity();
  for (const side of sides) {
    const cpu = affinity[side];
    if (cpu === null || allowed.includes(cpu)) continue;
    const field = `${fieldPrefix}.affinity.${side}`;
    throw errors.invalidValue(`${field}: CPU ${cpu} is not one this service may run on; use one of ${cpuList(allowed)}.`, field);
  }
}

/** Each named algorithm must be one this host has (the far host checks its own side). */
function checkCongestion(probes: HostProbes, congestion: SideCongestion, oneForBoth: boolean, sides: Array<keyof SideCongestion>, fieldPrefix: string): void {
  if (sides.every((side) => congestion[side] === null)) return;
  const available = probes.availableCongestion();
  for (const side of sides) {
    const name = congestion[side];
    if (name === null || available.includes(name)) continue;
    const field = oneForBoth ? `${fieldPrefix}.congestion` : `${fieldPrefix}.congestion.${side}`;
    throw errors.congestionUnavailable(`${field}: this host has no congestion control "${name}"; use one of ${available.join(', ') || 'none listed'} (net.ipv4.tcp_available_congestion_control).`, field, available);
  }
}

/** A bit rate from a bytes-per-second figure; ~0 (no cap) and unreadable values are null. */
function bitsOf(bytesPerSecond: unknown): number | null {
  return typeof bytesPerSecond === 'number' && bytesPerSecond >= 0 && bytesPerSecond < 2 ** 53 ? bytesPerSecond * 8 : null;
}

/** The sender's pacing at the end of the median repeat: what was asked, what the socket held, what TCP_INFO says. */
function pacingSummary(config: BenchmarkConfig, result: RunResult, sockets: BenchmarkOutcome['sockets'], explanation: Finding[]): PacingSummary {
  // Bidirectional: the client's, as the forward direction's sender.
  const [sender] = sendersOf(config.direction);
  const option = sockets[sender].find((o) => o.name === 'SO_MAX_PACING_RATE');
  const info = result.tcpInfo?.[sender] ?? null;
  return {
    requestedBitsPerSecond: config.pacingRateBitsPerSecond,
    effectiveBitsPerSecond: option ? bitsOf(option.end ?? option.effective) : null,
    tcpInfoPacingRateBitsPerSecond: info ? bitsOf(info.pacing_rate) : null,
    tcpInfoMaxPacingRateBitsPerSecond: info ? bitsOf(info.max_pacing_rate) : null,
    bounded: explanation.some((f) => f.code === 'paced'),
  };
}

/** The qdisc the sender's packets leave by: loopback here, the route to the peer across hosts. */
async function senderQdiscOf(probes: HostProbes, config: BenchmarkConfig): Promise<SenderQdisc | null> {
  // The far host alone sends: its qdisc is its own, which this host cannot read.
  if (config.peer !== undefined && config.direction === 'reverse') return null;
  if (config.peer === undefined) return probes.senderQdisc(config.transport === 'tcp6' ? '::1' : '127.0.0.1');
  const host = new URL(config.peer).hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0) return probes.senderQdisc(host);
  try {
    return await probes.senderQdisc((await lookup(host, { family: config.transport === 'tcp6' ? 6 : 4 })).address);
  } catch {
    return null;
  }
}

/** A request checked completely and ready to run. */
export interface PreparedBenchmark {
  config: BenchmarkConfig;
  options: BenchOptions;
  expectedMs: number;
}

/** The root qdisc of the device a sender's packets leave by: fq paces by itself, anything else leaves pacing to TCP. */
export interface SenderQdisc {
  /** The device `ip route get` names for the destination. */
  device: string;
  /** The root qdisc's kind (noqueue, pfifo_fast, fq, mq...), from `tc qdisc show dev`; null when tc could not say. */
  root: string | null;
  /** `tc qdisc show dev DEVICE` as it answered, a line per qdisc. */
  tc: string[];
  /** fq paces flows itself (EDT); otherwise TCP paces internally (since Linux 4.13), which SO_MAX_PACING_RATE also caps. */
  pacedBy: 'fq' | 'tcp';
}

/** What a run needs to know of this host beyond its sockets (src/host/, wired by src/app.ts). */
export interface HostProbes {
  /** net.ipv4.tcp_available_congestion_control, read live. */
  availableCongestion(): string[];
  /** The qdisc on the way to `destination` (an IP address); null when the tools could not say. */
  senderQdisc(destination: string): Promise<SenderQdisc | null>;
}

/** Who runs a repeat: both sides here, or the server side on a peer (wired by src/app.ts). */
export interface Executors {
  local: Executor;
  peer: Executor<BenchmarkOutcome['host'], KernelCounterWindow | null>;
}

/**
 * Benchmarks as a service: checks a request completely before queueing it (so mistakes are
 * 400s, not failed runs), runs its repeats one after another through an executor, and
 * summarises them. Runs go through the shared Runs: one at a time, bounded queue, cancel, history.
 */
export class BenchmarkService {
  /** SOCKBENCH_PEERS, normalized once. */
  readonly #allowedPeers: readonly string[];

  constructor(private readonly config: Config, private readonly runs: Runs, private readonly executors: Executors, private readonly probes: HostProbes) {
    this.#allowedPeers = parsePeers(config.SOCKBENCH_PEERS);
  }

  /** `prepared`: the request as prepare() (and checkFar()) already checked it. */
  submit(req: BenchmarkRequest, prepared = this.prepare(req)): BenchmarkRun {
    return this.runs.registry.submit('benchmark', prepared.config, (signal, reporter) => this.execute(prepared, signal, reporter),
      prepared.expectedMs, prepared.config.repeats) as BenchmarkRun;
  }

  get(id: string): BenchmarkRun | undefined {
    return this.runs.get('benchmark', id) as BenchmarkRun | undefined;
  }

  /** Checks a request and resolves its defaults; throws the 400 that names the field at fault. */
  prepare(req: BenchmarkRequest, fieldPrefix = 'body'): PreparedBenchmark {
    const max = this.config.SOCKBENCH_MAX_DURATION_MS;
    const durationMs = req.durationMs ?? DEFAULT_DURATION_MS;
    const warmupMs = req.warmupMs ?? Math.min(DEFAULT_WARMUP_MS, max);
    for (const [field, value] of [['durationMs', durationMs], ['warmupMs', warmupMs]] as const) {
      if (value > max) throw errors.invalidValue(`${fieldPrefix}.${field}: ${value} ms is more than the limit of ${max} ms (SOCKBENCH_MAX_DURATION_MS).`, `${fieldPrefix}.${field}`);
    }
    const repeats = req.repeats ?? 1;
    const streams = req.streams ?? 1;
    let resolved: ResolvedBenchConfig;
    try {
      const { repeats: _r, streams: _s, options: _o, ...engineConfig } = req;
      resolved = resolveBenchConfig({ ...engineConfig, durationMs, warmupMs });
    } catch (err) {
      if (err instanceof BenchConfigError) throw errors.invalidValue(`${fieldPrefix}.${err.message}.`, `${fieldPrefix}.${err.field}`);
      throw err;
    }
    if (resolved.background && streams + resolved.background.streams > MAX_STREAMS) {
      const field = `${fieldPrefix}.background.streams`;
      throw errors.invalidValue(`${field}: ${streams} rr pairs and ${resolved.background.streams} background streams are more than ${MAX_STREAMS} pairs of threads; use at most ${MAX_STREAMS - streams} background streams.`, field);
    }
    // Across hosts the server side is pinned on the peer, which checks its own CPUs.
    checkAffinity(resolved.affinity, req.peer === undefined ? ['client', 'server'] : ['client'], fieldPrefix);
    // Across hosts the far host checks its own side's algorithm (and this one asks it first: checkFar).
    checkCongestion(this.probes, resolved.congestion, typeof req.congestion === 'string', req.peer === undefined ? ['client', 'server'] : ['client'], fieldPrefix);
    let optionsInput: SideOptionsInput;
    try {
      optionsInput = withRunOptions(req.options ?? {}, resolved);
    } catch (err) {
      if (err instanceof BenchConfigError) throw errors.invalidValue(`${fieldPrefix}.${err.message}.`, `${fieldPrefix}.${err.field}`);
      throw err;
    }
    const options = new BenchOptions(resolved.transport, optionsInput, this.config.SOCKBENCH_MAX_OPTIONS, `${fieldPrefix}.options`);
    const config: BenchmarkConfig = { ...resolved, repeats, streams, options: req.options ?? {} };
    const prepared = { config, options, expectedMs: repeats * (durationMs + warmupMs) };
    if (req.peer !== undefined) {
      const peer = peerAllowed(this.#allowedPeers, req.peer);
      if (peer === null) throw Object.assign(errors.peerNotAllowed(req.peer), { field: `${fieldPrefix}.peer` });
      config.peer = peer;
    }
    this.#executorOf(config).check(prepared, fieldPrefix);
    return prepared;
  }

  /**
   * What only the far host of a peer run can say, asked before the run is queued so that a
   * refusal is a 400 like this host's own: whether it has the server side's congestion control.
   */
  async checkFar({ config }: PreparedBenchmark, fieldPrefix = 'body'): Promise<void> {
    const wanted = config.congestion.server;
    if (config.peer === undefined || wanted === null || !this.executors.peer.capabilities) return;
    const far = await this.executors.peer.capabilities(config.peer);
    if (far.congestion.available.includes(wanted)) return;
    const field = config.congestion.client === wanted ? `${fieldPrefix}.congestion` : `${fieldPrefix}.congestion.server`;
    throw errors.congestionUnavailable(`${field}: the peer ${config.peer} has no congestion control "${wanted}"; use one of ${far.congestion.available.join(', ') || 'none listed'} (its net.ipv4.tcp_available_congestion_control).`, field, far.congestion.available);
  }

  /** The congestion control algorithms a run may use: this host's, less those the peer (if any) lacks. */
  async availableCongestion(peer: string | undefined, field: string): Promise<string[]> {
    const here = this.probes.availableCongestion();
    if (peer === undefined) return here;
    const allowed = peerAllowed(this.#allowedPeers, peer);
    if (allowed === null) throw Object.assign(errors.peerNotAllowed(peer), { field });
    if (!this.executors.peer.capabilities) return here;
    const far = await this.executors.peer.capabilities(allowed);
    return here.filter((name) => far.congestion.available.includes(name));
  }

  #executorOf(config: BenchmarkConfig): Executor<BenchmarkOutcome['host'], KernelCounterWindow | null> {
    return config.peer === undefined ? this.executors.local : this.executors.peer;
  }

  /** Runs a prepared benchmark's repeats; `reporter` hears of each finished repeat. */
  async execute({ config, options }: PreparedBenchmark, signal: AbortSignal, reporter: RunReporter): Promise<BenchmarkOutcome> {
    const results: RunResult[] = [];
    const counters: RepeatCounters[] = [];
    let sockets: BenchmarkOutcome['sockets'] = { client: [], server: [] };
    let peerHost: BenchmarkOutcome['host'] | null = null;
    const executor = this.#executorOf(config);
    for (let i = 0; i < config.repeats; i++) {
      // Each side's thread reads the counter files at its window's edges, on its own host.
      const repeat: RepeatOutcome<BenchmarkOutcome['host'], KernelCounterWindow | null> = await executor.repeat({ config, options, windowSnapshotFiles: kernelCounterFiles() }, signal, (stream, sample, index) =>
        reporter.emit({ event: 'interval', data: { repeat: i, stream, index, ...sample } }));
      if (repeat.farHost !== undefined) peerHost = repeat.farHost;
      const here = counterWindow(repeat.result.windowSnapshots, config.peer === undefined ? ['client', 'server'] : ['client']);
      counters.push({ client: here, server: config.peer === undefined ? here : repeat.farCounters ?? null });
      results.push(repeat.result);
      if (i === 0) sockets = repeat.sockets;
      reporter.progress({ done: i + 1, total: config.repeats });
    }
    const summary = summarize(results);
    const host = resultHost();
    const median = results[summary.medianRepeat];
    const windows = counters[summary.medianRepeat];
    const kernelCounters: KernelCounters = {
      scope: COUNTERS_SCOPE, note: COUNTERS_NOTE,
      thisHost: flagOtherTraffic(windows.client, median, config.streams),
      peer: peerHost === null ? null : flagOtherTraffic(windows.server, median, config.streams),
    };
    const explanation = explainRun({
      config, result: median, sockets,
      sysctls: { client: host.sysctls, server: (peerHost ?? host).sysctls },
      counters: windows,
    });
    const tcpStream = median.stream !== null && median.tcpInfo !== null;
    return {
      host,
      sockets,
      summary: {
        ...summary.figures, min: summary.min, max: summary.max, cpu: summary.cpu, cpus: median.cpus,
        tcpInfo: summary.tcpInfo, medianRepeat: summary.medianRepeat,
        ...(median.congestion ? { congestion: median.congestion } : {}),
        ...(median.directions ? { direction: config.direction, sentBy: median.sentBy, directions: median.directions } : {}),
        ...(tcpStream ? { pacing: pacingSummary(config, median, sockets, explanation), senderQdisc: await senderQdiscOf(this.probes, config) } : {}),
      },
      explanation,
      kernelCounters,
      repeats: results.map(repeatView),
      intervals: results[summary.medianRepeat].intervals,
      ...(peerHost === null ? {} : { peer: { url: config.peer!, host: peerHost } }),
    };
  }
}
