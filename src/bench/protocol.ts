import type { SockAddr, TcpInfo } from '../../native-bindings/index.js';
import type { Role } from '../sockets/pair.js';
import type { SerializedError } from './errors.js';
import type { CpuUsage, GroCounts, LatencySummary, RawSocketOption, ResolvedBenchConfig, SendPathReport, WindowSnapshots } from './types.js';

// Messages between the engine (main thread) and the side workers. A worker (pooled, see
// worker-pool.ts) says loaded once, then runs one SideJob after another.
// Main -> worker: a SideJob once the run's sockets exist.
// Worker -> main: ready (buffers allocated, waiting for go), an interval each time the side's
// meter closes one (intervals on only), then result, stopped or error: the job's last message.

export interface SideWorkerData {
  role: Role;
  config: ResolvedBenchConfig;
  control: SharedArrayBuffer;
}

/** One side of one run, as a worker receives it. */
export interface SideJob {
  data: SideWorkerData;
  start: SideStart;
}

export interface SideStart {
  /** The data socket (stream, rr), or the listener (crr server); -1 for the crr client. */
  fd: number;
  /** Bytes the server must read and discard first: the nudge byte of a deferred accept. */
  skipBytes: number;
  /**
   * The other side is on another host (peer benchmarks): nothing shares this side's Control, so a
   * datagram sender also writes the window's first sequence number into each datagram, and the
   * receiver takes it from there.
   */
  remote?: boolean;
  /** crr across hosts: every connection starts with these bytes (the peer session's key); the server closes one that does not. */
  sessionKey?: Uint8Array;
  /**
   * Files this side reads at both edges of its measured window (host counters), as close to the
   * edges as the thread that measures can be; their texts come back in the report.
   */
  snapshotFiles?: string[];
  /** crr client: where to connect, and what to set on each new socket. */
  serverAddress?: SockAddr;
  socketOptions?: RawSocketOption[];
}

/** Counters of one interval as one side saw them; times on that side's clock, from its window start. */
export interface SideInterval {
  /** Which interval of the window; a server that missed an edge merges two and reports the later index. */
  index: number;
  startNs: number;
  endNs: number;
  bytes: number;
  calls: number;
  datagrams: number;
  transactions: number;
  latency?: LatencySummary;
  tcpInfo?: TcpInfo | null;
}

export interface SideReport {
  role: Role;
  cpu: CpuUsage | null;
  /** Everything this side moved, warm-up included (stream accounting). */
  totalBytes: number;
  /** The measured window on this side's clock; null if the side never reached it. */
  windowNs: number | null;
  windowBytes: number;
  windowCalls: number;
  /** stream receiver: it drained to end of file. */
  eof: boolean;
  /** datagram streams: sent by the client, received by the server. */
  datagrams: number;
  reordered: number;
  transactions: number;
  latency: LatencySummary | null;
  histogram: string | null;
  intervals: SideInterval[];
  /** crr: TCP_INFO of this side's last connection. */
  tcpInfo: TcpInfo | null;
  /** crr server across hosts: connections closed because they started with another key. */
  rejected?: number;
  /** crr server across hosts: connections closed before they had sent a whole key (silent, closed, or the run ended). */
  silent?: number;
  /** The CPUs this side's thread was allowed to run on (its affinity mask, read back from the kernel). */
  cpus?: number[];
  /** Stream sender: its data path's own counts (zerocopy, GSO). */
  sendPath?: SendPathReport | null;
  /** Datagram receiver with UDP_GRO. */
  gro?: GroCounts;
  /** SideStart.snapshotFiles at the window's edges, when asked for and the window closed. */
  snapshots?: WindowSnapshots;
}

export type WorkerMessage =
  | { type: 'loaded' }
  | { type: 'ready' }
  | { type: 'interval'; sample: SideInterval }
  | { type: 'result'; report: SideReport }
  | { type: 'stopped' }
  | { type: 'error'; error: SerializedError };
