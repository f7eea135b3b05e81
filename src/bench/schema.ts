import { Type, type Static } from '@sinclair/typebox';
import { Nullable, NullableInteger, NullableNumber, StringEnum } from '../schema-types.js';
import { OptionsEchoSchema, TcpInfoSchema, TransportSchema } from '../options/schema.js';

// TCP_INFO's and the transport's schemas are the options' (options/schema.ts); the bench layer's surface passes them on.
export { TcpInfoSchema, TransportSchema };
import { BACKGROUND_DIRECTIONS, DIRECTIONS, PATTERNS, SEND_MODES } from './names.js';

// A benchmark's figures as a contract: the engine produces them, results and the API show them,
// and their types are these schemas' Static<>. The suite checks every reply against them, extra
// fields included (src/response-contract.ts), so every field the engine emits is here.


export const PatternSchema = StringEnum(PATTERNS, { description: 'stream: bulk client→server; rr: request/response; crr: connect, request, response, close (TCP)' });
export const SendModeSchema = StringEnum(SEND_MODES, { description: 'How the stream sender hands bytes to the kernel: send(2), MSG_ZEROCOPY or sendfile(2)' });
export const DirectionSchema = StringEnum(DIRECTIONS, { description: 'stream: forward, client to server; reverse, the server sends (iperf3 -R); bidirectional, both at once on one connection (iperf3 --bidir)' });
export const SideCongestionSchema = Type.Object({
  client: Nullable(Type.String(), 'TCP_CONGESTION of the client side (null: its host\'s default)'),
  server: Nullable(Type.String(), 'TCP_CONGESTION of the server side (null: its host\'s default)'),
}, { additionalProperties: false });
export const BackgroundDirectionSchema = StringEnum(BACKGROUND_DIRECTIONS, { description: 'forward: client to server, as the requests go' });

export const SideTcpInfoSchema = Type.Object({ client: Nullable(TcpInfoSchema), server: Nullable(TcpInfoSchema) }, { additionalProperties: false });

export const BackgroundConfigSchema = Type.Object({
  streams: Type.Integer({ minimum: 1 }),
  direction: BackgroundDirectionSchema,
  messageSize: Type.Integer({ minimum: 1 }),
}, { additionalProperties: false, description: 'Bulk streams that run beside an rr pair for its whole window (latency under load)' });

export const SideAffinitySchema = Type.Object({
  client: NullableInteger, server: NullableInteger,
}, { additionalProperties: false, description: 'The CPU each side\'s thread is pinned to (null: the scheduler places it)' });

/** A config with every default filled in; this is what a result reports. */
export const ResolvedBenchConfigSchema = Type.Object({
  transport: TransportSchema,
  pattern: PatternSchema,
  durationMs: Type.Integer(),
  warmupMs: Type.Integer(),
  messageSize: Type.Integer(),
  responseSize: Type.Integer(),
  requestWrites: Type.Integer(),
  rateBitsPerSecond: Type.Number(),
  intervalMs: NullableInteger,
  affinity: SideAffinitySchema,
  sendMode: SendModeSchema,
  gso: Type.Boolean(),
  gro: Type.Boolean(),
  inFlight: Type.Integer(),
  background: Nullable(BackgroundConfigSchema),
  congestion: SideCongestionSchema,
  direction: DirectionSchema,
  pacingRateBitsPerSecond: Nullable(Type.Number(), 'The sender\'s SO_MAX_PACING_RATE in bit/s (null: not capped)'),
}, { additionalProperties: false });

export const CpuUsageSchema = Type.Object({
  userMs: Type.Number(),
  systemMs: Type.Number(),
  waitMs: Nullable(Type.Number(), 'Time the thread was runnable but waited for a CPU (other load on the host); null where the kernel does not say'),
}, { additionalProperties: false });

export const LatencySummarySchema = Type.Object({
  min: NullableNumber, mean: NullableNumber, p50: NullableNumber, p90: NullableNumber, p99: NullableNumber,
  p999: NullableNumber, max: NullableNumber, stdev: NullableNumber,
}, { additionalProperties: false, description: 'Round-trip latency in microseconds (HdrHistogram); null when nothing was measured' });

export const ZerocopyCountsSchema = Type.Object({
  sends: Type.Integer(),
  completed: Type.Integer({ description: 'Sends whose completion arrived' }),
  copied: Type.Integer({ description: 'Of those, sends the kernel copied anyway (SO_EE_CODE_ZEROCOPY_COPIED; loopback always does)' }),
  unconfirmed: Type.Integer({ description: 'Sends still without a completion when the sender gave up waiting at the end' }),
  notifications: Type.Integer({ description: 'Error-queue messages read (the kernel merges consecutive sends into one range)' }),
  ringBuffers: Type.Integer(),
  bufferWaits: Type.Integer({ description: 'Times a send had to wait for its buffer\'s previous completion' }),
}, { additionalProperties: false, description: 'MSG_ZEROCOPY sends over the whole run (warm-up included), as the error queue confirmed them' });

export const GroCountsSchema = Type.Object({
  receives: Type.Integer({ description: 'recvmsg calls that returned data' }),
  coalesced: Type.Integer({ description: 'Of those, how many carried a UDP_GRO cmsg (several datagrams coalesced)' }),
  segments: Type.Integer({ description: 'Datagrams delivered, counting each segment of a coalesced read' }),
  segmentSizes: Type.Record(Type.String(), Type.Integer(), { description: 'Segments by size in bytes (the key): gso_size from the cmsg, and the shorter last segment of a read' }),
}, { additionalProperties: false, description: 'A UDP_GRO receiver\'s counts over the whole run (warm-up included)' });

export const CpuPerGigabyteSchema = Type.Object({
  client: NullableNumber, server: NullableNumber,
}, { additionalProperties: false, description: 'CPU time (user + system, ms) each side spent per 10^9 bytes it moved in the measured window (null: nothing moved)' });

export const StreamFiguresSchema = Type.Object({
  bytes: Type.Integer({ description: 'Bytes the receiver counted in the measured window' }),
  seconds: NullableNumber,
  bitsPerSecond: NullableNumber,
  senderBitsPerSecond: Nullable(Type.Number(), 'The same window seen from the sender: its bytes over its own clock'),
  sendCalls: Type.Integer(),
  recvCalls: Type.Integer(),
  sentBytesTotal: Type.Integer({ description: 'Every byte sent, warm-up included: the accounting check' }),
  receivedBytesTotal: Type.Integer({ description: 'Every byte received, warm-up included' }),
  verified: Type.Boolean({ description: 'The receiver drained to EOF and counted exactly what the sender sent' }),
  cpuMsPerGigabyte: CpuPerGigabyteSchema,
  zerocopy: Nullable(ZerocopyCountsSchema, 'sendMode zerocopy: the sends and their completions; null otherwise'),
}, { additionalProperties: false, description: 'Bulk transfer on a stream transport (tcp4, tcp6, unix), seen from the receiver' });

export const DirectionFiguresSchema = Type.Object({
  ...StreamFiguresSchema.properties,
  sentBy: StringEnum(['client', 'server'] as const, { description: 'The side whose socket sent these bytes' }),
  cpu: Type.Object({ client: Nullable(CpuUsageSchema), server: Nullable(CpuUsageSchema) }, { additionalProperties: false, description: 'The CPU of this direction\'s two threads' }),
}, { additionalProperties: false, description: 'One direction of a reverse or bidirectional stream: its own figures, checked by its receiver' });

/** A TCP stream's pacing, as the sender's socket ended it. */
export const PacingSummarySchema = Type.Object({
  requestedBitsPerSecond: Nullable(Type.Number(), 'pacingRateBitsPerSecond as asked (null: not capped)'),
  effectiveBitsPerSecond: Nullable(Type.Number(), 'The sender\'s SO_MAX_PACING_RATE read back at the end, in bit/s (null: unlimited, or not read)'),
  tcpInfoPacingRateBitsPerSecond: Nullable(Type.Number(), 'The sender\'s tcpi_pacing_rate at the end (TCP\'s own current rate), in bit/s'),
  tcpInfoMaxPacingRateBitsPerSecond: Nullable(Type.Number(), 'The sender\'s tcpi_max_pacing_rate at the end (the cap; null: unlimited), in bit/s'),
  bounded: Type.Boolean({ description: 'The stream went at the pacing rate (the "paced" finding): the cap, not the path, set the figure' }),
}, { additionalProperties: false });

/** The root qdisc of the device a sender's packets leave by. */
export const SenderQdiscSchema = Type.Object({
  device: Type.String({ description: 'The device `ip route get` names for the destination' }),
  root: Nullable(Type.String(), 'The root qdisc\'s kind (noqueue, pfifo_fast, fq, mq...), from `tc qdisc show dev`; null when tc could not say'),
  tc: Type.Array(Type.String(), { description: '`tc qdisc show dev DEVICE` as it answered, a line per qdisc' }),
  pacedBy: StringEnum(['fq', 'tcp'] as const, { description: 'fq paces flows itself (EDT); otherwise TCP paces internally, which SO_MAX_PACING_RATE also caps' }),
}, { additionalProperties: false });

export const DatagramFiguresSchema = Type.Object({
  sent: Type.Integer({ description: 'Datagrams sent in the measured window' }),
  received: Type.Integer({ description: 'Of those, how many arrived' }),
  lost: Type.Integer(),
  lossRatio: NullableNumber,
  reordered: Type.Integer({ description: 'Arrived after a datagram with a higher sequence number' }),
  bytes: Type.Integer({ description: 'Payload bytes received in the measured window' }),
  seconds: Nullable(Type.Number(), 'The sender\'s measured window'),
  bitsPerSecond: Nullable(Type.Number(), 'Received payload over the sender\'s window'),
  sendCalls: Type.Integer(),
  recvCalls: Type.Integer(),
  cpuMsPerGigabyte: CpuPerGigabyteSchema,
  zerocopy: Nullable(ZerocopyCountsSchema, 'sendMode zerocopy: the sends and their completions; null otherwise'),
  gsoSegmentsPerSend: Nullable(Type.Integer(), 'gso: datagrams each send carried (UDP_SEGMENT); null without gso'),
  gro: Nullable(GroCountsSchema, 'gro: what the receiver\'s coalesced reads held; null without gro'),
}, { additionalProperties: false, description: 'Bulk datagrams (udp4, udp6, unix-dgram), counted by sequence number' });

export const BackgroundFiguresSchema = Type.Object({
  streams: Type.Integer(),
  direction: BackgroundDirectionSchema,
  messageSize: Type.Integer(),
  seconds: Nullable(Type.Number(), 'Their window: from before the rr pair\'s warm-up until its end'),
  bytes: Type.Integer(),
  bitsPerSecond: NullableNumber,
  coveredWindow: Type.Boolean({ description: 'Every stream was running before the rr window opened and until it closed' }),
  cpuMsPerGigabyte: CpuPerGigabyteSchema,
}, { additionalProperties: false, description: 'The background load of an rr run: what the bulk streams moved while the round trips were timed' });

const transactionFields = {
  transactions: Type.Integer(),
  seconds: NullableNumber,
  transactionsPerSecond: NullableNumber,
  latencyMicros: LatencySummarySchema,
  inFlight: Type.Integer({ description: 'Requests outstanding on the connection (config.inFlight)' }),
  background: Nullable(BackgroundFiguresSchema, 'rr with background: the bulk streams that ran beside the pair, their figures summed'),
};

export const TransactionFiguresSchema = Type.Object({
  ...transactionFields,
  histogram: Nullable(Type.String(), 'HdrHistogram of the round trips in nanoseconds, compressed base64, for merging repeats'),
}, { additionalProperties: false, description: 'Request/response (rr) and connect/request/response/close (crr)' });

export const IntervalSampleSchema = Type.Object({
  startMs: Type.Number({ description: 'Relative to the start of the measured window, on the client\'s clock' }),
  endMs: Type.Number(),
  bytes: Type.Optional(Nullable(Type.Integer(), 'stream: bytes at the receiver (null: the receiver saw no edge for this interval)')),
  bitsPerSecond: Type.Optional(NullableNumber),
  sent: Type.Optional(Type.Integer({ description: 'datagram streams' })),
  received: Type.Optional(NullableInteger),
  transactions: Type.Optional(Type.Integer({ description: 'rr, crr' })),
  transactionsPerSecond: Type.Optional(NullableNumber),
  latencyMicros: Type.Optional(LatencySummarySchema),
  tcpInfo: Type.Optional(Nullable(TcpInfoSchema, 'TCP stream and rr: the client socket\'s TCP_INFO at the end of the interval')),
}, { additionalProperties: false });

const SideCpuSchema = Type.Object({ client: Nullable(CpuUsageSchema), server: Nullable(CpuUsageSchema) }, { additionalProperties: false, description: 'Per side, over the measured window only; null when that side never reached it' });
const SideCpusSchema = Type.Object({
  client: Nullable(Type.Array(Type.Integer())), server: Nullable(Type.Array(Type.Integer())),
}, { additionalProperties: false, description: 'The CPUs each side\'s thread was allowed to run on during the run, as the kernel reported them' });

/** One repeat as a result lists it: its figures (without the histogram), CPU and how it ended. */
const repeatFields = {
  cpu: SideCpuSchema,
  forcedEnd: Type.Boolean({ description: 'The end had to be forced (a side stalled past the deadline): figures cover what was done' }),
  nudged: Type.Boolean({ description: 'The server needed a nudge byte to accept (TCP_DEFER_ACCEPT, TCP_FASTOPEN_CONNECT); it is not counted' }),
};
export const RepeatSchema = Type.Union([
  Type.Object({ ...StreamFiguresSchema.properties, ...repeatFields }, { additionalProperties: false, title: 'StreamRepeat' }),
  Type.Object({ ...DatagramFiguresSchema.properties, ...repeatFields }, { additionalProperties: false, title: 'DatagramRepeat' }),
  Type.Object({ ...transactionFields, ...repeatFields }, { additionalProperties: false, title: 'TransactionRepeat' }),
]);

// The summary: the median repeat's figures, each the (lower) median over repeats, with min and
// max beside them (numbers only: booleans and labels hold or not for the run as a whole).
const { verified: _verified, ...streamSpread } = StreamFiguresSchema.properties;
const { direction: _direction, coveredWindow: _covered, ...backgroundSpread } = BackgroundFiguresSchema.properties;
const StreamSpreadSchema = Type.Object(streamSpread, { additionalProperties: false });
const DatagramSpreadSchema = Type.Object(DatagramFiguresSchema.properties, { additionalProperties: false });
const TransactionSpreadSchema = Type.Object({
  ...transactionFields, background: Nullable(Type.Object(backgroundSpread, { additionalProperties: false })),
}, { additionalProperties: false });

const NullableCpuSchema = Type.Object({ userMs: NullableNumber, systemMs: NullableNumber, waitMs: NullableNumber }, { additionalProperties: false });
const summaryFields = {
  cpu: Type.Object({ client: NullableCpuSchema, server: NullableCpuSchema }, { additionalProperties: false, description: 'Median CPU time per side over repeats (null: no repeat measured it)' }),
  cpus: SideCpusSchema,
  tcpInfo: Nullable(SideTcpInfoSchema, 'TCP only: TCP_INFO of both sides at the end of the median repeat (crr: its last connection)'),
  medianRepeat: Type.Integer({ description: 'Index (in repeats) of the repeat whose headline figure is the median' }),
  congestion: Type.Optional(Type.Object({ client: Nullable(Type.String()), server: Nullable(Type.String()) }, { additionalProperties: false, description: 'TCP stream and rr: each data socket\'s TCP_CONGESTION read back at the end of the median repeat (null: unreadable)' })),
};
export const StreamSummarySchema = Type.Object({
  ...StreamFiguresSchema.properties, min: StreamSpreadSchema, max: StreamSpreadSchema, ...summaryFields,
  direction: Type.Optional(DirectionSchema),
  sentBy: Type.Optional(StringEnum(['client', 'server', 'both'] as const, { description: 'Reverse and bidirectional streams: which side sent (both: bidirectional); the top-level figures are the directions\' sum' })),
  directions: Type.Optional(Type.Object({ forward: Type.Optional(DirectionFiguresSchema), reverse: Type.Optional(DirectionFiguresSchema) }, { additionalProperties: false, description: 'Each direction\'s own figures' })),
  pacing: Type.Optional(PacingSummarySchema),
  senderQdisc: Type.Optional(Nullable(SenderQdiscSchema, 'TCP streams: the qdisc the sender\'s packets leave by (reverse across hosts: the far host\'s, as it read it; null: the tools could not say, or a peer of an earlier version)')),
}, { additionalProperties: false, title: 'StreamSummary', description: 'stream on tcp4, tcp6, unix' });
export const DatagramSummarySchema = Type.Object({
  ...DatagramFiguresSchema.properties, min: DatagramSpreadSchema, max: DatagramSpreadSchema, ...summaryFields,
}, { additionalProperties: false, title: 'DatagramSummary', description: 'stream on udp4, udp6, unix-dgram' });
export const TransactionSummarySchema = Type.Object({
  ...transactionFields, min: TransactionSpreadSchema, max: TransactionSpreadSchema, ...summaryFields,
}, { additionalProperties: false, title: 'TransactionSummary', description: 'rr and crr' });

export const BenchmarkSummarySchema = Type.Union([StreamSummarySchema, DatagramSummarySchema, TransactionSummarySchema], {
  description: 'The figures: the median over repeats of each (bitsPerSecond for streams, transactionsPerSecond and latencyMicros for rr and crr), min and max beside them, CPU and TCP_INFO of the median repeat',
});

export type BackgroundConfig = Static<typeof BackgroundConfigSchema>;
export type SideAffinity = Static<typeof SideAffinitySchema>;
export type ResolvedBenchConfig = Static<typeof ResolvedBenchConfigSchema>;
export type CpuUsage = Static<typeof CpuUsageSchema>;
export type LatencySummary = Static<typeof LatencySummarySchema>;
export type ZerocopyCounts = Static<typeof ZerocopyCountsSchema>;
export type GroCounts = Static<typeof GroCountsSchema>;
export type CpuPerGigabyte = Static<typeof CpuPerGigabyteSchema>;
export type StreamFigures = Static<typeof StreamFiguresSchema>;
export type DirectionFigures = Static<typeof DirectionFiguresSchema>;
export type SideCongestion = Static<typeof SideCongestionSchema>;
export type PacingSummary = Static<typeof PacingSummarySchema>;
export type SenderQdisc = Static<typeof SenderQdiscSchema>;
export type DatagramFigures = Static<typeof DatagramFiguresSchema>;
export type BackgroundFigures = Static<typeof BackgroundFiguresSchema>;
export type TransactionFigures = Static<typeof TransactionFiguresSchema>;
export type IntervalSample = Static<typeof IntervalSampleSchema>;
export type RepeatView = Static<typeof RepeatSchema>;
export type StreamSummary = Static<typeof StreamSummarySchema>;
export type DatagramSummary = Static<typeof DatagramSummarySchema>;
export type TransactionSummary = Static<typeof TransactionSummarySchema>;
export type BenchmarkSummary = Static<typeof BenchmarkSummarySchema>;

const SideIntervalSchema = Type.Object({
  index: Type.Integer(), startNs: Type.Number(), endNs: Type.Number(), bytes: Type.Integer(), calls: Type.Integer(),
  datagrams: Type.Integer(), transactions: Type.Integer(),
  latency: Type.Optional(LatencySummarySchema), tcpInfo: Type.Optional(Nullable(TcpInfoSchema)),
}, { additionalProperties: false });

/** One side's report of one repeat (src/bench/protocol.ts SideReport), as a peer sends it back. */
export const SideReportSchema = Type.Object({
  role: StringEnum(['client', 'server'] as const),
  cpu: Nullable(CpuUsageSchema),
  totalBytes: Type.Integer(), windowNs: NullableNumber, windowBytes: Type.Integer(), windowCalls: Type.Integer(),
  eof: Type.Boolean(), datagrams: Type.Integer(), reordered: Type.Integer(), transactions: Type.Integer(),
  latency: Nullable(LatencySummarySchema), histogram: Nullable(Type.String()),
  intervals: Type.Array(SideIntervalSchema),
  tcpInfo: Nullable(TcpInfoSchema),
  rejected: Type.Optional(Type.Integer()), silent: Type.Optional(Type.Integer()),
  cpus: Type.Optional(Type.Array(Type.Integer())),
  sendPath: Type.Optional(Nullable(Type.Object({ zerocopy: Type.Optional(ZerocopyCountsSchema), gsoSegmentsPerSend: Type.Optional(Type.Integer()) }, { additionalProperties: false }))),
  gro: Type.Optional(GroCountsSchema),
  snapshots: Type.Optional(Type.Object({ open: Type.Array(Nullable(Type.String())), close: Type.Array(Nullable(Type.String())), ms: Type.Number() }, { additionalProperties: false })),
}, { additionalProperties: false, description: 'The serving side\'s raw counts, which the other instance merges with its own' });

/** Options per side as the request gave them (both first, then the side's own). */
export const SideOptionsSchema = Type.Object({
  both: Type.Optional(OptionsEchoSchema), client: Type.Optional(OptionsEchoSchema), server: Type.Optional(OptionsEchoSchema),
}, { additionalProperties: false });
