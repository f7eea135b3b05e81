import { TRANSPORTS, type Transport } from '../options/types.js';
import { TRANSPORT_INFO } from '../sockets/transports.js';
import type { Pattern } from './types.js';

// What differs between the patterns, in one table, the way iperf keeps one `struct protocol` per
// test: the engine, the peer executor, the peer sessions, the config checks and the result read
// these fields instead of asking "is this crr?". The worker's loops per behaviour are in
// workers/side.ts (they run on the worker thread only). A new pattern is a new row here.

/** A pattern as it behaves on a transport: a stream on a datagram transport is a datagram stream. */
export type BehaviourName = 'stream' | 'datagram' | 'rr' | 'crr';

export interface PatternBehaviour {
  name: BehaviourName;
  /**
   * run: one data connection (or datagram pair) for the whole run, built on the main thread,
   * where the option hooks reach it and TCP_INFO is read from it at the end.
   * transaction: a new connection per transaction, made by the workers: the main thread builds
   * only the server's listener (whose connected-phase options every accepted socket inherits),
   * the client worker sets the client options on each socket it opens, and TCP_INFO is each
   * side's last connection's.
   */
  connection: 'run' | 'transaction';
  /** listen(2) backlog of a server's listener on a stream transport. */
  backlog: number;
  /**
   * What the server needs once the client has finished its window. eof: nothing, it reads to
   * end of file by itself; drain: time for the last datagrams, then its reads are shut down;
   * unblock: its blocked read is shut down at once (a datagram transport has no end of file);
   * stop-accepting: its listener is shut down.
   */
  serverEnd: 'eof' | 'drain' | 'unblock' | 'stop-accepting';
  /** Which figures of a result it fills. */
  figures: 'stream' | 'datagram' | 'transactions';
  /** The client counts every figure of an interval, so the client alone can publish it (across hosts too). */
  clientCountsIntervals: boolean;
  /** A request is answered: responseSize and requestWrites apply. */
  responds: boolean;
  /** rateBitsPerSecond paces it. */
  paced: boolean;
  defaultMessageSize: number;
  /** Smallest messageSize here, and across hosts (a datagram there also carries the window's first sequence number). */
  minMessageSize: { local: number; remote: number };
  transports: readonly Transport[];
}

/** A full Ethernet frame's UDP payload: what a datagram stream sends unless told otherwise. */
export const DEFAULT_DATAGRAM_SIZE = 1472;
export const DEFAULT_STREAM_SIZE = 131072;
export const DEFAULT_RR_SIZE = 64;
/** Every stream datagram carries its sequence number (a float64) in its first bytes. */
export const SEQUENCE_BYTES = 8;
/** Across hosts a stream datagram also carries the window's first sequence number (float64, -1 during warm-up). */
export const REMOTE_DATAGRAM_HEADER = 16;

/** A listener that accepts one data connection (and closes strays). */
const ONE_CONNECTION_BACKLOG = 4;
/** A listener that accepts one connection per transaction: room for a burst of them. */
const PER_TRANSACTION_BACKLOG = 128;

const streamTransports = TRANSPORTS.filter((t) => TRANSPORT_INFO[t].stream);
const datagramTransports = TRANSPORTS.filter((t) => !TRANSPORT_INFO[t].stream);

export const BEHAVIOURS: Record<BehaviourName, PatternBehaviour> = {
  stream: {
    name: 'stream', connection: 'run', backlog: ONE_CONNECTION_BACKLOG, serverEnd: 'eof', figures: 'stream',
    clientCountsIntervals: false, responds: false, paced: true,
    defaultMessageSize: DEFAULT_STREAM_SIZE, minMessageSize: { local: 1, remote: 1 }, transports: streamTransports,
  },
  datagram: {
    name: 'datagram', connection: 'run', backlog: ONE_CONNECTION_BACKLOG, serverEnd: 'drain', figures: 'datagram',
    clientCountsIntervals: false, responds: false, paced: true,
    defaultMessageSize: DEFAULT_DATAGRAM_SIZE, minMessageSize: { local: SEQUENCE_BYTES, remote: REMOTE_DATAGRAM_HEADER }, transports: datagramTransports,
  },
  rr: {
    name: 'rr', connection: 'run', backlog: ONE_CONNECTION_BACKLOG, serverEnd: 'eof', figures: 'transactions',
    clientCountsIntervals: true, responds: true, paced: false,
    defaultMessageSize: DEFAULT_RR_SIZE, minMessageSize: { local: 1, remote: 1 }, transports: TRANSPORTS,
  },
  crr: {
    name: 'crr', connection: 'transaction', backlog: PER_TRANSACTION_BACKLOG, serverEnd: 'stop-accepting', figures: 'transactions',
    clientCountsIntervals: true, responds: true, paced: false,
    defaultMessageSize: DEFAULT_RR_SIZE, minMessageSize: { local: 1, remote: 1 }, transports: ['tcp4', 'tcp6'],
  },
};

/** The row of `pattern` on `transport`. */
export function behaviourOf({ pattern, transport }: { pattern: Pattern; transport: Transport }): PatternBehaviour {
  const stream = TRANSPORT_INFO[transport].stream;
  if (pattern === 'stream') return stream ? BEHAVIOURS.stream : BEHAVIOURS.datagram;
  const row = BEHAVIOURS[pattern];
  // A server waiting for the end of file that a datagram transport never sends.
  return !stream && row.serverEnd === 'eof' ? { ...row, serverEnd: 'unblock' } : row;
}
