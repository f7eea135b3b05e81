import type { TcpInfo } from '../../native-bindings/index.js';
import type { Phase, Transport } from '../options/types.js';
import type { PairHooks, Role } from '../sockets/pair.js';
import type { BackgroundConfig, CpuUsage, DatagramFigures, DirectionFigures, IntervalSample, ResolvedBenchConfig, StreamFigures, TransactionFigures, ZerocopyCounts } from './schema.js';

// The figures' types are the result schemas' Static<> (schema.ts); these are the engine's own.
export type {
  BackgroundConfig, BackgroundFigures, CpuPerGigabyte, CpuUsage, DatagramFigures, DirectionFigures, GroCounts, IntervalSample, LatencySummary, ResolvedBenchConfig, SideAffinity,
  SideCongestion, StreamFigures, TransactionFigures, ZerocopyCounts,
} from './schema.js';

// The side workers load this file: only type imports of the schemas, so that a worker does not load
// TypeBox and every schema to start.
import { BACKGROUND_DIRECTIONS, DIRECTIONS, PATTERNS, SEND_MODES } from './names.js';
import type { WindowSnapshots } from '../kernel/kernel-counters.js';
export { BACKGROUND_DIRECTIONS, DIRECTIONS, PATTERNS, SEND_MODES };

/**
 * stream: bulk data one way, client to server. rr: request/response ping-pong on one
 * connection. crr: connect, request, response, close, a new connection per transaction (TCP).
 */
export type Pattern = (typeof PATTERNS)[number];

/**
 * How a stream sender hands its bytes to the kernel. copy: send(2) from a buffer; zerocopy:
 * send(MSG_ZEROCOPY) from a ring of buffers, each reused only after its completion; sendfile:
 * sendfile(2) from a memfd, like iperf3 -Z.
 */
export type SendMode = (typeof SEND_MODES)[number];

/**
 * Which way a stream's bytes go. forward: client to server; reverse: the server sends and the
 * client receives (iperf3 -R); bidirectional: both at once on one connection (iperf3 --bidir).
 */
export type Direction = (typeof DIRECTIONS)[number];

export type BackgroundDirection = (typeof BACKGROUND_DIRECTIONS)[number];

/**
 * TCP_CONGESTION for a run: one algorithm for both sides ("bbr"), or per side
 * ({"client": "bbr", "server": "cubic"}); a side left out keeps its host's default.
 */
export type CongestionInput = string | { client?: string | null; server?: string | null };

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
  /** stream: how the sender hands bytes to the kernel (default copy). */
  sendMode?: SendMode;
  /** udp4/udp6 stream: each send carries several datagrams of messageSize (UDP_SEGMENT). */
  gso?: boolean;
  /** udp4/udp6 stream: the receiver takes coalesced datagrams (UDP_GRO) and counts their segments. */
  gro?: boolean;
  /** rr: requests outstanding per connection (default 1: ping-pong). */
  inFlight?: number;
  /** rr: bulk streams beside the pair for the whole window. */
  background?: Partial<BackgroundConfig> | null;
  /** TCP: the congestion control algorithm of each side (TCP_CONGESTION). */
  congestion?: CongestionInput | null;
  /** stream on a stream transport: which way the bytes go (default forward). */
  direction?: Direction;
  /** TCP stream: the sender's SO_MAX_PACING_RATE (64-bit form), in bits per second; the kernel paces, not the tool. */
  pacingRateBitsPerSecond?: number | null;
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
   * Ends the measured window early when it fires, as the deadline would: a stream sender stops,
   * the receiver drains to end of file, and the figures cover the window as far as it ran
   * (background streams end this way when the rr pair beside them is done).
   */
  endSignal?: AbortSignal;
  /**
   * Awaited once both workers are ready, before the warm-up starts (within the start-up limit):
   * runs that must start together (an rr pair and its background streams) meet here, with
   * every thread already loaded.
   */
  beforeStart?: () => Promise<void>;
  /**
   * A connected data pair the caller built and owns (one direction of a bidirectional stream):
   * used as it is, no option hooks, never closed here, and shut down only if the run fails.
   */
  pair?: { client: number; server: number };
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

/** What a sender's data path adds to its report (send-paths.ts). */
export interface SendPathReport {
  zerocopy?: ZerocopyCounts;
  gsoSegmentsPerSend?: number;
}

// The counter files' texts at a window's edges are the kernel counters' (src/kernel/kernel-counters.ts).
export type { WindowSnapshots };

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
  /** TCP only: each data socket's TCP_CONGESTION read back at the end (null: unreadable, or a connection per transaction). */
  congestion: { client: string | null; server: string | null } | null;
  intervals: IntervalSample[] | null;
  /** The server needed a nudge byte to accept (TCP_DEFER_ACCEPT, TCP_FASTOPEN_CONNECT); it is not counted. */
  nudged: boolean;
  /** The run's end had to be forced (a side stalled past the deadline): figures cover what was done. */
  forcedEnd: boolean;
  /** The CPUs each side's thread was allowed to run on during the run, as the kernel reported them. */
  cpus: { client: number[] | null; server: number[] | null };
  /** EngineOptions.windowSnapshotFiles as the client read them at its window's edges; null when not asked for. */
  windowSnapshots: WindowSnapshots | null;
  /** Streams with a direction other than forward: who sent (both: bidirectional), and each direction's own figures; `stream` is their sum. */
  sentBy?: Role | 'both';
  directions?: { forward?: DirectionFigures; reverse?: DirectionFigures };
}
