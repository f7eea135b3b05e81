import { hdrHistogram, type Histogram } from './hdr.js';
import { EMPTY_LATENCY } from './histogram.js';
import { ratio } from './results.js';
import type { CpuPerGigabyte, DatagramFigures, GroCounts, ZerocopyCounts, LatencySummary, RunResult, StreamFigures, TransactionFigures } from './types.js';

// Parallel pairs ("streams", like iperf3 -P) run as separate engine runs at the same time; their
// figures add up the way iperf3's SUM line does: bytes, calls and rates summed, the window the
// longest of them, latency from the union of every round trip.

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const sumOrNull = (xs: Array<number | null>): number | null => (xs.some((x) => x === null) ? null : sum(xs as number[]));
const maxOrNull = (xs: Array<number | null>): number | null => (xs.some((x) => x === null) ? null : Math.max(...(xs as number[])));
const round3 = (x: number): number => Math.round(x * 1000) / 1000;
/** Loss ratios are rounded like a single run's (results.ts). */
const round6 = (x: number): number => Number(x.toFixed(6));

/** Per side, the streams' CPU per gigabyte weighted by the bytes each moved. */
function mergeCpuPerGigabyte(all: Array<{ bytes: number; cpuMsPerGigabyte: CpuPerGigabyte }>): CpuPerGigabyte {
  const side = (s: 'client' | 'server'): number | null => {
    if (all.some((f) => f.cpuMsPerGigabyte[s] === null)) return null;
    const bytes = sum(all.map((f) => f.bytes));
    return bytes > 0 ? round3(sum(all.map((f) => f.cpuMsPerGigabyte[s]! * f.bytes)) / bytes) : null;
  };
  return { client: side('client'), server: side('server') };
}

function mergeZerocopy(all: Array<ZerocopyCounts | null>): ZerocopyCounts | null {
  if (all.some((z) => z === null)) return null;
  const zs = all as ZerocopyCounts[];
  const total = (k: keyof ZerocopyCounts): number => sum(zs.map((z) => z[k]));
  return {
    sends: total('sends'), completed: total('completed'), copied: total('copied'), unconfirmed: total('unconfirmed'),
    notifications: total('notifications'), ringBuffers: zs[0].ringBuffers, bufferWaits: total('bufferWaits'),
  };
}

function mergeGro(all: Array<GroCounts | null>): GroCounts | null {
  if (all.some((g) => g === null)) return null;
  const gs = all as GroCounts[];
  const sizes: Record<string, number> = {};
  for (const g of gs) for (const [k, v] of Object.entries(g.segmentSizes)) sizes[k] = (sizes[k] ?? 0) + v;
  return { receives: sum(gs.map((g) => g.receives)), coalesced: sum(gs.map((g) => g.coalesced)), segments: sum(gs.map((g) => g.segments)), segmentSizes: sizes };
}

export function mergeStream(all: StreamFigures[]): StreamFigures {
  return {
    bytes: sum(all.map((f) => f.bytes)),
    seconds: maxOrNull(all.map((f) => f.seconds)),
    bitsPerSecond: sumOrNull(all.map((f) => f.bitsPerSecond)),
    senderBitsPerSecond: sumOrNull(all.map((f) => f.senderBitsPerSecond)),
    sendCalls: sum(all.map((f) => f.sendCalls)),
    recvCalls: sum(all.map((f) => f.recvCalls)),
    sentBytesTotal: sum(all.map((f) => f.sentBytesTotal)),
    receivedBytesTotal: sum(all.map((f) => f.receivedBytesTotal)),
    verified: all.every((f) => f.verified),
    cpuMsPerGigabyte: mergeCpuPerGigabyte(all),
    zerocopy: mergeZerocopy(all.map((f) => f.zerocopy)),
  };
}

function mergeDatagram(all: DatagramFigures[]): DatagramFigures {
  const sent = sum(all.map((f) => f.sent));
  const lost = sum(all.map((f) => f.lost));
  const loss = ratio(lost, sent);
  return {
    sent,
    received: sum(all.map((f) => f.received)),
    lost,
    lossRatio: loss === null ? null : round6(loss),
    reordered: sum(all.map((f) => f.reordered)),
    bytes: sum(all.map((f) => f.bytes)),
    seconds: maxOrNull(all.map((f) => f.seconds)),
    bitsPerSecond: sumOrNull(all.map((f) => f.bitsPerSecond)),
    sendCalls: sum(all.map((f) => f.sendCalls)),
    recvCalls: sum(all.map((f) => f.recvCalls)),
    cpuMsPerGigabyte: mergeCpuPerGigabyte(all),
    zerocopy: mergeZerocopy(all.map((f) => f.zerocopy)),
    gsoSegmentsPerSend: all[0].gsoSegmentsPerSend,
    gro: mergeGro(all.map((f) => f.gro)),
  };
}

function mergedLatency(histograms: Array<string | null>): LatencySummary {
  const parts = histograms.filter((h): h is string => h !== null);
  if (parts.length === 0) return { ...EMPTY_LATENCY };
  const total: Histogram = hdrHistogram().build({ bitBucketSize: 64, autoResize: true, numberOfSignificantValueDigits: 3, useWebAssembly: false });
  for (const encoded of parts) {
    const h = hdrHistogram().decodeFromCompressedBase64(encoded, 64, false);
    total.add(h);
    h.destroy();
  }
  const us = (ns: number): number => round3(ns / 1000);
  const summary: LatencySummary = {
    min: us(total.minNonZeroValue), mean: us(total.mean),
    p50: us(total.getValueAtPercentile(50)), p90: us(total.getValueAtPercentile(90)),
    p99: us(total.getValueAtPercentile(99)), p999: us(total.getValueAtPercentile(99.9)),
    max: us(total.maxValue), stdev: us(total.stdDeviation),
  };
  total.destroy();
  return summary;
}

function mergeTransactions(all: TransactionFigures[]): TransactionFigures {
  return {
    transactions: sum(all.map((f) => f.transactions)),
    seconds: maxOrNull(all.map((f) => f.seconds)),
    transactionsPerSecond: sumOrNull(all.map((f) => f.transactionsPerSecond)),
    latencyMicros: mergedLatency(all.map((f) => f.histogram)),
    // The union is already summarised; a merged encoding would only grow the result.
    histogram: null,
    inFlight: all[0].inFlight,
    background: all[0].background,
  };
}

function addCpu(all: Array<Pick<RunResult, 'cpu'>>, side: 'client' | 'server') {
  const usages = all.map((r) => r.cpu[side]);
  if (usages.some((u) => u === null)) return null;
  return { userMs: sum(usages.map((u) => u!.userMs)), systemMs: sum(usages.map((u) => u!.systemMs)), waitMs: sumOrNull(usages.map((u) => u!.waitMs)) };
}

/** Each direction's figures summed over the streams, with each side's CPU over their threads. */
function mergeDirections(all: RunResult[]): RunResult['directions'] {
  const merged: NonNullable<RunResult['directions']> = {};
  for (const key of ['forward', 'reverse'] as const) {
    const each = all.map((r) => r.directions?.[key]).filter((d): d is NonNullable<typeof d> => d !== undefined);
    if (each.length !== all.length) continue;
    const cpu = (side: 'client' | 'server') => addCpu(each, side);
    merged[key] = { ...mergeStream(each), sentBy: each[0].sentBy, cpu: { client: cpu('client'), server: cpu('server') } };
  }
  return merged;
}

/** One result for parallel runs of the same config; a single run is returned as it is. */
export function mergeStreams(all: RunResult[]): RunResult {
  if (all.length === 1) return all[0];
  const [first] = all;
  return {
    ...first,
    stream: first.stream ? mergeStream(all.map((r) => r.stream!)) : null,
    datagram: first.datagram ? mergeDatagram(all.map((r) => r.datagram!)) : null,
    rr: first.rr ? mergeTransactions(all.map((r) => r.rr!)) : null,
    cpu: { client: addCpu(all, 'client'), server: addCpu(all, 'server') },
    // TCP_INFO and intervals describe one connection: the first stream's stand for all.
    ...(first.directions ? { directions: mergeDirections(all) } : {}),
    nudged: all.some((r) => r.nudged),
    forcedEnd: all.some((r) => r.forcedEnd),
  };
}
