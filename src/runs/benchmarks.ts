import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Config } from '../config.js';
import { errors, type SockbenchError } from '../errors.js';
import { Type, type Static } from '@sinclair/typebox';
import { hostFacts, HostFactsSchema } from '../kernel/facts.js';
import { sysctlValue, SysctlValueSchema, type SysctlName } from '../kernel/sysctls.js';
import { OptionReportSchema, OptionsInputSchema } from '../options/schema.js';
import {
  BACKGROUND_DIRECTIONS, type CongestionInput, DIRECTIONS, MAX_BACKGROUND_STREAMS, MAX_CONGESTION_NAME, MAX_GSO_SEGMENTS, MAX_IN_FLIGHT, MAX_IN_FLIGHT_BYTES, MAX_MESSAGE_SIZE,
  MAX_PACING_BITS_PER_SECOND, MIN_PACING_BITS_PER_SECOND, PATTERNS, SEND_MODES,
} from '../bench/index.js';
import { BackgroundConfigSchema, PatternSchema, SideAffinitySchema, TransportSchema, type BenchConfig, BenchConfigError, type BenchmarkSummary, BenchmarkSummarySchema, type RepeatView, BenchOptions, IntervalSampleSchema, RepeatSchema, ResolvedBenchConfigSchema, SideOptionsSchema, BenchTimeoutError, BenchWorkerError, type Executor, type PacingSummary, type RepeatOutcome, resolveBenchConfig, type ResolvedBenchConfig, type RunResult, type SenderQdisc, type SideAffinity, type SideCongestion, type SideOptionsInput, sendersOf, summarize, withRunOptions } from '../bench/index.js';
import { threadAffinity } from '../../native-bindings/index.js';
import { COUNTERS_NOTE, COUNTERS_SCOPE, flagOtherTraffic, KernelCountersSchema, type KernelCounters } from '../advice/counters.js';
import { explainRun, FindingSchema, type Finding } from '../advice/findings.js';
import { counterWindow, kernelCounterFiles, type KernelCounterWindow } from '../kernel/kernel-counters.js';
import { parsePeers, peerAllowed } from '../security/peers.js';
import { Nullable, StringEnum } from '../schema-types.js';
import { runDocumentSchema, type RunError, type RunReporter, type RunView } from './registry.js';
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

/** POST /v1/benchmarks (and a peer session, and a sweep's base): what a client asks for, with every limit. */
export const BenchmarkBodySchema = Type.Object({
  transport: TransportSchema,
  pattern: StringEnum(PATTERNS, { description: 'stream: bulk client→server; rr: request/response; crr: connect, request, response, close (TCP)' }),
  durationMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 3600000, description: 'Measured time (default 3000; at most SOCKBENCH_MAX_DURATION_MS)' })),
  warmupMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600000, description: 'Run before measuring, excluded from figures (default 500)' })),
  repeats: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_REPEATS, description: 'The result is the median over repeats (default 1)' })),
  streams: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_STREAMS, description: 'Parallel pairs, like iperf3 -P (default 1); figures add up' })),
  messageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_MESSAGE_SIZE, description: 'Bytes per write (stream, default 131072; 1472 for datagrams) or per request (rr, default 64)' })),
  responseSize: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_MESSAGE_SIZE, description: 'rr/crr: bytes per response (default: messageSize)' })),
  requestWrites: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_MESSAGE_SIZE, description: 'rr/crr: send each request as this many writes (Nagle and delayed ACK)' })),
  rateBitsPerSecond: Type.Optional(Type.Number({ minimum: 0, description: 'stream: pace the sender (0: as fast as possible)' })),
  intervalMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600000, description: 'Samples every intervalMs (0 or absent: none)' })),
  affinity: Type.Optional(Type.Object({
    client: Type.Optional(Type.Integer({ minimum: 0, maximum: 1023, description: 'CPU for the client side\'s thread' })),
    server: Type.Optional(Type.Integer({ minimum: 0, maximum: 1023, description: 'CPU for the server side\'s thread (on the peer, for peer runs)' })),
  }, { additionalProperties: false, description: 'Pin each side\'s thread to one CPU, like iperf3 -A client,server; a side left out is placed by the scheduler' })),
  sendMode: Type.Optional(StringEnum(SEND_MODES, { description: 'stream: copy (send), zerocopy (MSG_ZEROCOPY from a ring of buffers; tcp4, tcp6, udp4, udp6) or sendfile (from a memfd, like iperf3 -Z; tcp4, tcp6, unix). Default copy' })),
  gso: Type.Optional(Type.Boolean({ description: `udp4/udp6 stream: each send carries up to ${MAX_GSO_SEGMENTS} datagrams of messageSize (UDP_SEGMENT)` })),
  gro: Type.Optional(Type.Boolean({ description: 'udp4/udp6 stream: the receiver sets UDP_GRO and counts the segments of each coalesced read' })),
  inFlight: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_IN_FLIGHT, description: `rr: requests outstanding per connection, like neper's burst (default 1; inFlight × the larger message at most ${MAX_IN_FLIGHT_BYTES} bytes)` })),
  background: Type.Optional(Type.Object({
    streams: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BACKGROUND_STREAMS, description: 'Bulk streams (default 1)' })),
    direction: Type.Optional(StringEnum(BACKGROUND_DIRECTIONS, { description: 'forward: client to server, as the requests go' })),
    messageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_MESSAGE_SIZE, description: 'Bytes per send of each stream (default 131072; 1472 for datagrams)' })),
  }, { additionalProperties: false, description: 'rr: bulk streams on the same transport for the whole window, for latency under load (flent RRUL); the result gives rr.background' })),
  direction: Type.Optional(StringEnum(DIRECTIONS, { description: 'stream on tcp4, tcp6, unix: forward (client to server, default), reverse (the server sends, like iperf3 -R) or bidirectional (both at once on one connection, like iperf3 --bidir); the result gives summary.directions, each direction\'s figures, and summary.sentBy' })),
  // Checked by the config's resolution, which names the field at fault, rather than by an anyOf whose errors name every branch.
  congestion: Type.Optional(Type.Unsafe<CongestionInput>({
    description: `TCP: congestion control (TCP_CONGESTION, like iperf3 -C): "bbr" for both sides, or {"client": "bbr", "server": "cubic"}; a side left out keeps its host's default. Each must be in its host's net.ipv4.tcp_available_congestion_control (the peer's for the server side: GET /v1/peer/capabilities), else 400 SOCKBENCH_CONGESTION_UNAVAILABLE; names of at most ${MAX_CONGESTION_NAME} characters`,
    examples: ['bbr', { client: 'bbr', server: 'cubic' }],
  })),
  pacingRateBitsPerSecond: Type.Optional(Type.Integer({ minimum: MIN_PACING_BITS_PER_SECOND, maximum: MAX_PACING_BITS_PER_SECOND, description: 'TCP stream: cap the sender with SO_MAX_PACING_RATE (the 64-bit form, so beyond 34 Gbit/s), like iperf3 --fq-rate; TCP paces by itself without fq. The result\'s summary.pacing says what the socket held and whether the cap bounded the run' })),
  peer: Type.Optional(Type.String({ maxLength: 2048, description: 'Base URL of another sockbench (one of SOCKBENCH_PEERS): it runs the server side, this instance the client side; tcp4, tcp6, udp4, udp6 with stream or rr' })),
  options: Type.Optional(Type.Object({
    both: Type.Optional(OptionsInputSchema),
    client: Type.Optional(OptionsInputSchema),
    server: Type.Optional(OptionsInputSchema),
  }, { additionalProperties: false, description: 'Options per side, in the probe forms; both first, then the side\'s own' })),
}, { additionalProperties: false });

export const ResultHostSchema = Type.Object({
  ...HostFactsSchema.properties,
  sysctls: Type.Record(Type.String(), SysctlValueSchema, { description: 'The sysctls that explain a transfer, by name (null: cannot be read here)' }),
}, { additionalProperties: false, description: 'The host, as it was when the run ended' });

export const BenchmarkConfigSchema = Type.Object({
  ...ResolvedBenchConfigSchema.properties,
  repeats: Type.Integer(),
  streams: Type.Integer({ description: 'Parallel pairs, each with its own two worker threads; figures add up' }),
  options: SideOptionsSchema,
  peer: Type.Optional(Type.String({ description: 'The other sockbench instance that ran the server side' })),
}, { additionalProperties: false, description: 'The request with every default filled in' });
export type BenchmarkConfig = Static<typeof BenchmarkConfigSchema>;

/** A benchmark request as it was sent (a sweep's base): the config's fields, each optional but the transport and pattern. */
export const BenchmarkRequestSchema = Type.Object({
  ...Type.Partial(BenchmarkConfigSchema).properties,
  transport: TransportSchema,
  pattern: PatternSchema,
  affinity: Type.Optional(Type.Partial(SideAffinitySchema)),
  background: Type.Optional(Nullable(Type.Partial(BackgroundConfigSchema))),
  congestion: Type.Optional(Type.Union([
    Type.String(),
    Type.Object({ client: Type.Optional(Nullable(Type.String())), server: Type.Optional(Nullable(Type.String())) }, { additionalProperties: false }),
    Type.Null(),
  ], { description: 'As asked: one algorithm for both sides, or per side' })),
}, { additionalProperties: false });

export const BenchmarkOutcomeSchema = Type.Object({
  host: ResultHostSchema,
  sockets: Type.Object({
    client: Type.Array(OptionReportSchema), server: Type.Array(OptionReportSchema),
  }, { additionalProperties: false, description: 'Per side, every option set (and SO_SNDBUF/SO_RCVBUF always): requested, before, effective, connected, end' }),
  summary: BenchmarkSummarySchema,
  explanation: Type.Optional(Type.Array(FindingSchema, { description: 'What bounded the median repeat\'s figures, strongest first (empty: nothing stood out; absent: recorded by an older version)' })),
  kernelCounters: Type.Optional(KernelCountersSchema),
  repeats: Type.Array(RepeatSchema, { description: 'Every repeat\'s figures, in order' }),
  intervals: Nullable(Type.Array(IntervalSampleSchema), 'The median repeat\'s samples (with intervalMs)'),
  peer: Type.Optional(Type.Object({ url: Type.String(), host: ResultHostSchema }, { additionalProperties: false, description: 'Peer runs: the host that ran the server side, as its own side reported it' })),
}, { additionalProperties: false });
// explanation and kernelCounters are optional only for runs an older version stored; new ones always have them.
export type BenchmarkOutcome = Static<typeof BenchmarkOutcomeSchema> & { explanation: Finding[]; kernelCounters: KernelCounters };

/** The benchmark run document (GET /v1/benchmarks/{id}). */
export const BenchmarkRunSchema = runDocumentSchema('benchmark', BenchmarkConfigSchema, BenchmarkOutcomeSchema, 'A benchmark: its config, status, progress and result');

/** One repeat's counter windows, by the side whose host read them. */
export interface RepeatCounters {
  client: KernelCounterWindow | null;
  server: KernelCounterWindow | null;
}

export type BenchmarkRun = RunView<BenchmarkConfig, BenchmarkOutcome>;


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

function repeatView(r: RunResult): RepeatView {
  const facts = { cpu: r.cpu, forcedEnd: r.forcedEnd, nudged: r.nudged };
  if (r.stream) return { ...r.stream, ...facts };
  if (r.datagram) return { ...r.datagram, ...facts };
  // The histogram is for merging repeats, not for people.
  const { histogram: _histogram, ...rr } = r.rr!;
  return { ...rr, ...facts };
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
async function senderQdiscOf(probes: HostProbes, config: BenchmarkConfig, far: SenderQdisc | null | undefined): Promise<SenderQdisc | null> {
  // The far host alone sends: its qdisc is its own, as it read it.
  if (config.peer !== undefined && config.direction === 'reverse') return far ?? null;
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

  /** A request checked completely, here and (for a peer run) on the far host: admitted to the queue. */
  async admit(req: BenchmarkRequest, fieldPrefix = 'body'): Promise<PreparedBenchmark> {
    const prepared = this.prepare(req, fieldPrefix);
    await this.checkFar(prepared, fieldPrefix);
    return prepared;
  }

  /** `prepared`: the request as admit() already checked it. */
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

  /** The qdisc on the way to `address` from this host (a peer session's far host, when it sends). */
  senderQdiscToward(address: string): Promise<SenderQdisc | null> {
    return this.probes.senderQdisc(address);
  }

  #executorOf(config: BenchmarkConfig): Executor<BenchmarkOutcome['host'], KernelCounterWindow | null> {
    return config.peer === undefined ? this.executors.local : this.executors.peer;
  }

  /** Runs a prepared benchmark's repeats; `reporter` hears of each finished repeat. */
  async execute({ config, options }: PreparedBenchmark, signal: AbortSignal, reporter: RunReporter): Promise<BenchmarkOutcome> {
    const results: RunResult[] = [];
    const counters: RepeatCounters[] = [];
    const farQdiscs: Array<SenderQdisc | null | undefined> = [];
    let sockets: BenchmarkOutcome['sockets'] = { client: [], server: [] };
    let peerHost: BenchmarkOutcome['host'] | null = null;
    const executor = this.#executorOf(config);
    for (let i = 0; i < config.repeats; i++) {
      // Each side's thread reads the counter files at its window's edges, on its own host.
      const repeat: RepeatOutcome<BenchmarkOutcome['host'], KernelCounterWindow | null> = await executor.repeat({ config, options, windowSnapshotFiles: kernelCounterFiles() }, signal, (stream, sample, index) =>
        reporter.emit({ event: 'interval', data: { repeat: i, stream, index, ...sample } }));
      if (repeat.farHost !== undefined) peerHost = repeat.farHost;
      farQdiscs.push(repeat.farSenderQdisc);
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
      // The combined trees have the figures' shape, leaf by leaf (the response contract test checks it).
      summary: {
        ...summary.figures, min: summary.min, max: summary.max, cpu: summary.cpu, cpus: median.cpus,
        tcpInfo: summary.tcpInfo, medianRepeat: summary.medianRepeat,
        ...(median.congestion ? { congestion: median.congestion } : {}),
        ...(median.directions ? { direction: config.direction, sentBy: median.sentBy, directions: median.directions } : {}),
        ...(tcpStream ? { pacing: pacingSummary(config, median, sockets, explanation), senderQdisc: await senderQdiscOf(this.probes, config, farQdiscs[summary.medianRepeat]) } : {}),
      } as unknown as BenchmarkSummary,
      explanation,
      kernelCounters,
      repeats: results.map(repeatView),
      intervals: results[summary.medianRepeat].intervals,
      ...(peerHost === null ? {} : { peer: { url: config.peer!, host: peerHost } }),
    };
  }
}
