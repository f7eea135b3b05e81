import type { TcpInfo } from '../../native-bindings/index.js';
import type { Phase, Transport } from '../options/types.js';
import type { PairHooks, Role } from '../sockets/pair.js';

export const PATTERNS = ['stream', 'rr', 'crr'] as const;
/**
 * stream: bulk data one way, client to server. rr: request/response ping-pong on one
 * connection. crr: connect, request, response, close, a new connection per transaction (TCP).
 */
export type Pattern = (typeof PATTERNS)[number];

/** What a caller asks for; omitted fields take the defaults in config.ts. */
export interface BenchConfig {
  transport: Transport;
  pattern: Pattern;
  durationMs: number;
  /** Run before the measured window and excluded from every figure. */
  warmupMs?: number;
  /** Bytes per send (stream) or per request (rr, crr). */
  messageSize?: number;
  /** Bytes per response (rr, crr); defaults to messageSize. */
  responseSize?: number;
  /** Each request is sent as this many separate writes (rr, crr), to reproduce Nagle/delayed-ACK effects. */
  requestWrites?: number;
  /** Paces the sender (stream) to this rate; 0 sends as fast as it can. */
  rateBitsPerSecond?: number;
  /** Adds samples every intervalMs of the measured window. */
  intervalMs?: number;
  /** Pins a side's thread to one CPU (like iperf3 -A client,server); a side left out may run anywhere. */
  affinity?: { client?: number | null; server?: number | null };
}

/** The CPU each side's thread is pinned to, or null: the scheduler places it. */
export interface SideAffinity {
  client: number | null;
  server: number | null;
}

/** A config with every default filled in; this is what a result reports. */
export interface ResolvedBenchConfig {
  transport: Transport;
  pattern: Pattern;
  durationMs: number;
  warmupMs: number;
  messageSize: number;
  responseSize: number;
  requestWrites: number;
  rateBitsPerSecond: number;
  intervalMs: number | null;
  affinity: SideAffinity;
}

/** A setsockopt that a worker applies itself, on sockets it creates (a client with a connection per transaction). */
export interface RawSocketOption {
  level: number;
  optname: number;
  value: Uint8Array;
  phase: Phase;
}

/** Where callers configure the sockets the main thread builds, in phase order. */
export interface BenchHooks extends PairHooks {
  /** Once connected (the "any" phase), on both data sockets; never with a connection per transaction (its sockets live in the workers). */
  afterConnect?(role: Role, fd: number): void;
  /** When the transfer has ended, before the sockets are closed; never with a connection per transaction. */
  atEnd?(role: Role, fd: number): void;
}

export interface EngineOptions {
  signal?: AbortSignal;
  hooks?: BenchHooks;
  /** A connection per transaction (crr): applied by the client worker, in phase order, to every socket it creates. */
  clientSocketOptions?: RawSocketOption[];
  /**
   * Files to read at both edges of the measured window (the host's kernel counters), by the
   * client's thread as it opens and closes the window; the texts come back as `windowSnapshots`.
   */
  windowSnapshotFiles?: string[];
  /** Called once both workers are running (warm-up starts). */
  onStarted?(): void;
  /**
   * With intervalMs set: called on this thread with each interval as soon as both sides have
   * closed it, with index 0, 1, 2... in order; the sample deep-equals the result's
   * `intervals[index]`, the last one (closed at the deadline) included. Nothing is delivered once
   * the run has failed or been aborted. Errors it throws are ignored: a failing consumer (a closed
   * event stream) must not end the run.
   */
  onInterval?: (sample: IntervalSample, index: number) => void;
  /**
   * Node options for the side workers, which inherit this process's by default. Running from
   * source, the workers need the TypeScript loader but not a test runner's other hooks, which
   * would only make each worker slower to start.
   */
  workerExecArgv?: string[];
}

export interface CpuUsage {
  userMs: number;
  systemMs: number;
  /** Time the thread was runnable but waited for a CPU (other load on the host); null where the kernel does not say. */
  waitMs: number | null;
}

/** Round-trip latency in microseconds; null when nothing was measured. */
export interface LatencySummary {
  min: number | null;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
  stdev: number | null;
}

/** Bulk transfer on a stream transport (tcp4, tcp6, unix), seen from the receiver. */
export interface StreamFigures {
  /** Bytes the receiver counted in the measured window. */
  bytes: number;
  seconds: number | null;
  bitsPerSecond: number | null;
  /** The same window seen from the sender: its bytes over its own clock. */
  senderBitsPerSecond: number | null;
  sendCalls: number;
  recvCalls: number;
  /** Every byte sent and received, warm-up included: the accounting check. */
  sentBytesTotal: number;
  receivedBytesTotal: number;
  /** The receiver drained to EOF and counted exactly what the sender sent. */
  verified: boolean;
}

/** Bulk datagrams (udp4, udp6, unix-dgram): counted by sequence number. */
export interface DatagramFigures {
  /** Datagrams sent in the measured window. */
  sent: number;
  /** Of those, how many arrived. */
  received: number;
  lost: number;
  lossRatio: number | null;
  /** Arrived after a datagram with a higher sequence number. */
  reordered: number;
  /** Payload bytes received in the measured window. */
  bytes: number;
  /** The sender's measured window. */
  seconds: number | null;
  /** Received payload over the sender's window. */
  bitsPerSecond: number | null;
  sendCalls: number;
  recvCalls: number;
}

/** Request/response (rr) and connect/request/response/close (crr). */
export interface TransactionFigures {
  transactions: number;
  seconds: number | null;
  transactionsPerSecond: number | null;
  latencyMicros: LatencySummary;
  /** HdrHistogram of the round trips in nanoseconds, compressed base64, for merging repeats. */
  histogram: string | null;
}

export interface IntervalSample {
  /** Relative to the start of the measured window, on the client's clock. */
  startMs: number;
  endMs: number;
  /** stream: bytes and rate at the receiver (null: the receiver saw no edge for this interval). */
  bytes?: number | null;
  bitsPerSecond?: number | null;
  /** datagram streams. */
  sent?: number;
  received?: number | null;
  /** rr, crr. */
  transactions?: number;
  transactionsPerSecond?: number | null;
  latencyMicros?: LatencySummary;
  /** TCP stream and rr: the client socket's TCP_INFO at the end of the interval. */
  tcpInfo?: TcpInfo | null;
}

/** EngineOptions.windowSnapshotFiles (a side's SideStart.snapshotFiles) read at the window's edges: texts in the order asked (null: unreadable). */
export interface WindowSnapshots {
  open: Array<string | null>;
  close: Array<string | null>;
  /** Between the two readings. */
  ms: number;
}

export interface RunResult {
  transport: Transport;
  pattern: Pattern;
  config: ResolvedBenchConfig;
  stream: StreamFigures | null;
  datagram: DatagramFigures | null;
  rr: TransactionFigures | null;
  /** Per side, over the measured window only; null when that side never reached it. */
  cpu: { client: CpuUsage | null; server: CpuUsage | null };
  /** TCP only: at the end of the run (crr: the last connection). */
  tcpInfo: { client: TcpInfo | null; server: TcpInfo | null } | null;
  intervals: IntervalSample[] | null;
  /** The server needed a nudge byte to accept (TCP_DEFER_ACCEPT, TCP_FASTOPEN_CONNECT); it is not counted. */
  nudged: boolean;
  /** The run's end had to be forced (a side stalled past the deadline): figures cover what was done. */
  forcedEnd: boolean;
  /** The CPUs each side's thread was allowed to run on during the run, as the kernel reported them. */
  cpus: { client: number[] | null; server: number[] | null };
  /** EngineOptions.windowSnapshotFiles as the client read them at its window's edges; null when not asked for. */
  windowSnapshots: WindowSnapshots | null;
}
