import type { LevelName } from '../../native-bindings/index.js';
import { TRANSPORTS, type Transport } from '../sockets/transports.js';

// The catalog speaks of transports, which sockets/transports.ts owns; re-exported for its users.
export { TRANSPORTS, type Transport };

export const ALL: Transport[] = [...TRANSPORTS];
export const TCP: Transport[] = ['tcp4', 'tcp6'];
export const UDP: Transport[] = ['udp4', 'udp6'];
export const INET: Transport[] = [...TCP, ...UDP];
/** IPPROTO_IP options work on AF_INET and on dual-stack AF_INET6 sockets. */
export const IP = INET;
export const IPV6: Transport[] = ['tcp6', 'udp6'];
export const UNIX: Transport[] = ['unix', 'unix-dgram'];

export const VALUE_TYPES = ['int', 'uint32', 'uint64', 'bool', 'linger', 'timeval', 'string', 'bytes', 'tcp_info'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

export const ACCESS = ['rw', 'ro', 'wo'] as const;
export type Access = (typeof ACCESS)[number];

/** When an option must be set to take effect; options are applied in this order. */
export const PHASES = ['before-bind', 'before-connect', 'any'] as const;
export type Phase = (typeof PHASES)[number];

/** One catalogued option: data only. The number comes from native-bindings' OPTNAMES. */
export interface OptionSpec {
  name: string;
  level: LevelName;
  type: ValueType;
  access: Access;
  /** Transports whose sockets accept the option (set for rw/wo, get for ro). Elsewhere the kernel refuses it. */
  transports: Transport[];
  /** Where it changes behaviour, when narrower than `transports` (elsewhere it is accepted and ignored). */
  effectiveOn?: Transport[];
  phase: Phase;
  /** The capability setting it needs, with the condition when it depends on the value; null when none. */
  privilege: string | null;
  summary: string;
  /** Man page section that documents it, e.g. "socket(7)". */
  man: string;
  /** Write-only options: the readable option that shows their effect (SO_SNDBUFFORCE -> SO_SNDBUF). */
  readVia?: string;
  /** getsockopt answers ENOTCONN until the socket is connected. */
  getNeeds?: 'connected';
  /** getsockopt installs a new descriptor in the caller and returns its number (SO_PEERPIDFD): the reader must close it. */
  returnsFd?: boolean;
  /** Its value differs per socket or per moment (a cookie, a clock): left out of defaults snapshots. */
  volatile?: boolean;
  /** A value the kernel accepts without privilege on every listed transport (docs and catalog tests). */
  example?: OptionValue;
}

export interface CatalogEntry extends OptionSpec {
  levelNumber: number;
  optname: number;
}

export interface LingerValue { onoff: number; linger: number }
export interface TimevalValue { sec: number; usec: number }
export interface HexValue { hex: string }
export type OptionValue = number | boolean | string | LingerValue | TimevalValue | HexValue;
/** What a decoded option looks like in JSON. */
export type DecodedValue = number | boolean | string | LingerValue | TimevalValue | HexValue | Record<string, number | null>;

// What applying or reading an option reports: owned here so that apply.ts and explain.ts both
// depend on this file, not on each other.

export interface OptionError {
  /** errno name, e.g. EPERM */
  code: string;
  errno: number;
  message: string;
  hint: string;
}

/** What happened to one option on one socket. */
export interface OptionReport {
  name: string;
  level: string;
  optname: number;
  /** null: not set by the client, reported because it matters (benchmark buffers). */
  requested: OptionValue | null;
  appliedAt: Phase;
  /** Read right before setsockopt; null when the option cannot be read. */
  before: DecodedValue | null;
  /** Read right after setsockopt. */
  effective: DecodedValue | null;
  /** Read again once the pair is connected, for options applied before that. */
  connected?: DecodedValue | null;
  /** Benchmarks: read again when the transfer ends (autotuning moves unlocked buffers during a run). */
  end?: DecodedValue | null;
  /** Which option the values were read through, for write-only options (SO_SNDBUFFORCE → SO_SNDBUF). */
  readVia?: string;
  ok: boolean;
  note?: string;
  error?: OptionError;
}

export interface GetReport {
  name: string;
  level: string;
  optname: number;
  buflen: number;
  ok: boolean;
  /** Bytes the kernel returned (optlen after the call). */
  length?: number;
  hex?: string;
  /** Decoded by the catalogued type; absent for raw options. */
  value?: DecodedValue;
  error?: OptionError;
}
