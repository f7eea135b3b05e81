import type { TcpInfo } from '../../native-bindings/index.js';
import { isTcp } from './config.js';
import { behaviourOf } from './patterns.js';
import { EMPTY_LATENCY } from './histogram.js';
import type { SideInterval, SideReport } from './protocol.js';
import type {
  CpuPerGigabyte, CpuUsage, DatagramFigures, IntervalSample, ResolvedBenchConfig, RunResult, StreamFigures, TransactionFigures,
} from './types.js';

// Turns the two sides' reports into the figures of a run. No NaN or Infinity ever leaves here:
// a figure that cannot be computed (nothing measured, a zero-length window) is null.

const NS_PER_SECOND = 1e9;
const NS_PER_MS = 1e6;

/** a / b, or null when b is not a positive number. */
export function ratio(a: number, b: number | null): number | null {
  if (b === null || !(b > 0)) return null;
  const r = a / b;
  return Number.isFinite(r) ? r : null;
}

const seconds = (ns: number | null): number | null => (ns === null || !(ns > 0) ? null : ns / NS_PER_SECOND);
const round = (x: number, digits: number): number => Number(x.toFixed(digits));
const roundOrNull = (x: number | null, digits: number): number | null => (x === null ? null : round(x, digits));

function cpu(usage: CpuUsage | null): CpuUsage | null {
  return usage && { userMs: round(usage.userMs, 3), systemMs: round(usage.systemMs, 3), waitMs: roundOrNull(usage.waitMs ?? null, 3) };
}

const cpuMs = (usage: CpuUsage | null): number | null => (usage === null ? null : usage.userMs + usage.systemMs);

/** CPU ms per 10^9 bytes of each side's window (see CpuPerGigabyte). */
export function cpuPerGigabyte(client: SideReport, server: SideReport): CpuPerGigabyte {
  const per = (usage: CpuUsage | null, bytes: number): number | null => {
    const ms = cpuMs(usage);
    return ms === null ? null : roundOrNull(ratio(ms, bytes / 1e9), 3);
  };
  return { client: per(client.cpu, client.windowBytes), server: per(server.cpu, server.windowBytes) };
}

function streamFigures(client: SideReport, server: SideReport, forcedEnd: boolean): StreamFigures {
  const receiverSeconds = seconds(server.windowNs);
  return {
    bytes: server.windowBytes,
    seconds: roundOrNull(receiverSeconds, 6),
    bitsPerSecond: roundOrNull(ratio(server.windowBytes * 8, receiverSeconds), 0),
    senderBitsPerSecond: roundOrNull(ratio(client.windowBytes * 8, seconds(client.windowNs)), 0),
    sendCalls: client.windowCalls,
    recvCalls: server.windowCalls,
    sentBytesTotal: client.totalBytes,
    receivedBytesTotal: server.totalBytes,
    verified: server.eof && !forcedEnd && client.totalBytes === server.totalBytes,
    cpuMsPerGigabyte: cpuPerGigabyte(client, server),
    zerocopy: client.sendPath?.zerocopy ?? null,
  };
}

function datagramFigures(client: SideReport, server: SideReport): DatagramFigures {
  const sent = client.datagrams;
  const received = Math.min(server.datagrams, sent);
  const senderSeconds = seconds(client.windowNs);
  return {
    sent,
    received,
    lost: sent - received,
    lossRatio: roundOrNull(ratio(sent - received, sent), 6),
    reordered: server.reordered,
    bytes: server.windowBytes,
    seconds: roundOrNull(senderSeconds, 6),
    bitsPerSecond: roundOrNull(ratio(server.windowBytes * 8, senderSeconds), 0),
    sendCalls: client.windowCalls,
    recvCalls: server.windowCalls,
    cpuMsPerGigabyte: cpuPerGigabyte(client, server),
    zerocopy: client.sendPath?.zerocopy ?? null,
    gsoSegmentsPerSend: client.sendPath?.gsoSegmentsPerSend ?? null,
    gro: server.gro ?? null,
  };
}

function transactionFigures(config: ResolvedBenchConfig, client: SideReport): TransactionFigures {
  const s = seconds(client.windowNs);
  return {
    transactions: client.transactions,
    seconds: roundOrNull(s, 6),
    transactionsPerSecond: roundOrNull(ratio(client.transactions, s), 1),
    latencyMicros: client.latency ?? { ...EMPTY_LATENCY },
    histogram: client.histogram,
    inFlight: config.inFlight,
    background: null,
  };
}

/** One interval of the run: the client's counters, with the server's for the same index where it saw it. */
export function mergeInterval(config: ResolvedBenchConfig, c: SideInterval, s: SideInterval | undefined): IntervalSample {
  const sample: IntervalSample = { startMs: round(c.startNs / NS_PER_MS, 3), endMs: round(c.endNs / NS_PER_MS, 3) };
  const serverRate = s ? roundOrNull(ratio(s.bytes * 8, seconds(s.endNs - s.startNs)), 0) : null;
  const { figures } = behaviourOf(config);
  if (figures !== 'transactions') {
    sample.bytes = s ? s.bytes : null;
    sample.bitsPerSecond = serverRate;
    if (figures === 'datagram') {
      sample.sent = c.datagrams;
      sample.received = s ? s.datagrams : null;
    }
  } else {
    sample.transactions = c.transactions;
    sample.transactionsPerSecond = roundOrNull(ratio(c.transactions, seconds(c.endNs - c.startNs)), 1);
    if (c.latency) sample.latencyMicros = c.latency;
  }
  if (c.tcpInfo !== undefined) sample.tcpInfo = c.tcpInfo;
  return sample;
}

/** One sample per client interval (see mergeInterval). */
export function mergeIntervals(config: ResolvedBenchConfig, client: SideInterval[], server: SideInterval[]): IntervalSample[] {
  const byIndex = new Map(server.map((s) => [s.index, s]));
  return client.map((c) => mergeInterval(config, c, byIndex.get(c.index)));
}

export interface RunFacts {
  nudged: boolean;
  forcedEnd: boolean;
  /** TCP_INFO of the data sockets read by the main thread at the end (stream, rr). */
  tcpInfo: { client: TcpInfo | null; server: TcpInfo | null } | null;
  /** TCP_CONGESTION of the data sockets read at the end (stream, rr); absent: not read. */
  congestion?: { client: string | null; server: string | null } | null;
}

/**
 * A reverse stream as its sockets' sides see it: the engine ran the sender (the client worker's
 * loop) on the server's socket, so the per-side CPU figures are swapped back, and the result
 * says that the server sent. TCP_INFO and the congestion control were read from the sockets
 * themselves and stay as they are.
 */
export function reverseSides(result: RunResult): RunResult {
  const stream = result.stream && {
    ...result.stream,
    cpuMsPerGigabyte: { client: result.stream.cpuMsPerGigabyte.server, server: result.stream.cpuMsPerGigabyte.client },
  };
  const cpu = { client: result.cpu.server, server: result.cpu.client };
  return {
    ...result,
    stream,
    cpu,
    cpus: { client: result.cpus.server, server: result.cpus.client },
    sentBy: 'server',
    directions: stream ? { reverse: { ...stream, sentBy: 'server', cpu } } : undefined,
  };
}

export function assembleResult(config: ResolvedBenchConfig, client: SideReport, server: SideReport, facts: RunFacts): RunResult {
  const { figures, connection } = behaviourOf(config);
  let tcpInfo: RunResult['tcpInfo'] = null;
  if (isTcp(config.transport)) {
    // A connection per transaction: each side read its last connection's before closing it.
    tcpInfo = connection === 'transaction' ? { client: client.tcpInfo, server: server.tcpInfo } : facts.tcpInfo;
  }
  return {
    transport: config.transport,
    pattern: config.pattern,
    config,
    stream: figures === 'stream' ? streamFigures(client, server, facts.forcedEnd) : null,
    datagram: figures === 'datagram' ? datagramFigures(client, server) : null,
    rr: figures === 'transactions' ? transactionFigures(config, client) : null,
    cpu: { client: cpu(client.cpu), server: cpu(server.cpu) },
    tcpInfo,
    congestion: isTcp(config.transport) ? facts.congestion ?? null : null,
    intervals: config.intervalMs === null ? null : mergeIntervals(config, client.intervals, server.intervals),
    nudged: facts.nudged,
    forcedEnd: facts.forcedEnd,
    cpus: { client: client.cpus ?? null, server: server.cpus ?? null },
    windowSnapshots: client.snapshots ?? null,
  };
}
