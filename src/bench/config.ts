import { CPU_SETSIZE } from '../../native-bindings/index.js';
import { TRANSPORTS, type Transport } from '../options/types.js';
import { TRANSPORT_INFO } from '../sockets/transports.js';
import { BenchConfigError } from './errors.js';
import { behaviourOf } from './patterns.js';
import {
  BACKGROUND_DIRECTIONS, DIRECTIONS, PATTERNS, SEND_MODES, type BackgroundConfig, type BenchConfig, type Direction, type Pattern, type ResolvedBenchConfig,
  type SendMode, type SideAffinity, type SideCongestion,
} from './types.js';

export const MAX_MESSAGE_SIZE = 16 * 1024 * 1024;
/** Across hosts: a new data connection that has not sent the session key within this is closed. */
export const SESSION_KEY_TIMEOUT_MS = 2000;
/** Largest payload of one datagram: 65535 minus the IP (IPv4 only) and UDP headers. */
const MAX_DATAGRAM: Partial<Record<Transport, number>> = { udp4: 65507, udp6: 65527 };
export const MIN_INTERVAL_MS = 10;
/** The kernel takes up to 128 segments per UDP_SEGMENT send (docs/kernel-facts.md §1.5); one send here carries at most 64. */
export const MAX_GSO_SEGMENTS = 64;
/** rr: at most this many requests outstanding on one connection. */
export const MAX_IN_FLIGHT = 256;
/**
 * rr with inFlight: the outstanding requests (and their responses) must fit in the socket buffers
 * at once, or client and server block on each other's full buffer; this keeps far inside the
 * defaults (16 KiB send plus 128 KiB receive buffer for TCP).
 */
export const MAX_IN_FLIGHT_BYTES = 65536;
/** rr: bulk streams beside the pair, each with two threads of its own. */
export const MAX_BACKGROUND_STREAMS = 8;
/** zerocopy: the ring's buffers together stay under this (and it holds 2 to 64 of them). */
export const ZEROCOPY_RING_BYTES = 64 * 1024 * 1024;
export const MAX_DURATION_MS = 3_600_000;
/** TCP_CA_NAME_MAX is 16 with the terminating NUL (docs/kernel-facts.md §1.2). */
export const MAX_CONGESTION_NAME = 15;
/** pacingRateBitsPerSecond: at least one byte per second; at most what a JSON number holds exactly, in bytes per second. */
export const MIN_PACING_BITS_PER_SECOND = 8;
export const MAX_PACING_BITS_PER_SECOND = Number.MAX_SAFE_INTEGER;

/** Patterns each transport supports (crr needs connections, which only TCP makes per transaction). */
export function patternApplies(transport: Transport, pattern: Pattern): boolean {
  return behaviourOf({ pattern, transport }).transports.includes(transport);
}

export const isDatagram = (transport: Transport): boolean => !TRANSPORT_INFO[transport].stream;
export const isTcp = (transport: Transport): boolean => transport === 'tcp4' || transport === 'tcp6';
const isUdp = (transport: Transport): boolean => transport === 'udp4' || transport === 'udp6';

/** Datagrams of `messageSize` one GSO send carries: as many as fit in one UDP payload, at most MAX_GSO_SEGMENTS. */
export function gsoSegments(transport: Transport, messageSize: number): number {
  return Math.min(MAX_GSO_SEGMENTS, Math.floor((MAX_DATAGRAM[transport] ?? 0) / messageSize));
}

/**
 * Buffers in a zerocopy sender's ring (each waits for its completion before it is reused): a
 * power of two from 2 to 64, so that slots follow the kernel's 32-bit send numbers across a wrap.
 */
export function zerocopyRing(messageSize: number): number {
  const fit = Math.max(2, Math.min(64, Math.floor(ZEROCOPY_RING_BYTES / messageSize)));
  return 2 ** Math.floor(Math.log2(fit));
}

function integer(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new BenchConfigError(field, `${field} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** Fills in defaults and checks every field; throws BenchConfigError naming the field at fault. */
export function resolveBenchConfig(config: BenchConfig): ResolvedBenchConfig {
  const { transport, pattern } = config;
  if (!(TRANSPORTS as readonly string[]).includes(transport)) {
    throw new BenchConfigError('transport', `transport must be one of ${TRANSPORTS.join(', ')}, got ${String(transport)}`);
  }
  if (!(PATTERNS as readonly string[]).includes(pattern)) {
    throw new BenchConfigError('pattern', `pattern must be one of ${PATTERNS.join(', ')}, got ${String(pattern)}`);
  }
  if (!patternApplies(transport, pattern)) {
    throw new BenchConfigError('pattern', `pattern ${pattern} needs a TCP transport (tcp4 or tcp6), got ${transport}`);
  }
  const behaviour = behaviourOf({ pattern, transport });
  const durationMs = integer('durationMs', config.durationMs, 1, MAX_DURATION_MS);
  const warmupMs = integer('warmupMs', config.warmupMs ?? 0, 0, MAX_DURATION_MS);

  const maxSize = MAX_DATAGRAM[transport] ?? MAX_MESSAGE_SIZE;
  const messageSize = integer('messageSize', config.messageSize ?? behaviour.defaultMessageSize, behaviour.minMessageSize.local, maxSize);
  const responseSize = behaviour.responds ? integer('responseSize', config.responseSize ?? messageSize, 1, maxSize) : 0;

  const requestWrites = integer('requestWrites', config.requestWrites ?? 1, 1, behaviour.responds ? messageSize : 1);
  const rateBitsPerSecond = config.rateBitsPerSecond ?? 0;
  if (typeof rateBitsPerSecond !== 'number' || !Number.isFinite(rateBitsPerSecond) || rateBitsPerSecond < 0) {
    throw new BenchConfigError('rateBitsPerSecond', `rateBitsPerSecond must be a number >= 0 (0: unpaced), got ${String(rateBitsPerSecond)}`);
  }
  if (rateBitsPerSecond > 0 && !behaviour.paced) {
    throw new BenchConfigError('rateBitsPerSecond', 'rateBitsPerSecond paces a stream; rr and crr are paced by their round trips');
  }
  const intervalMs = config.intervalMs === undefined || config.intervalMs === 0
    ? null
    : integer('intervalMs', config.intervalMs, MIN_INTERVAL_MS, durationMs);

  const sendMode = resolveSendMode(config, transport, pattern);
  const gso = datagramOffload(config, 'gso', transport, pattern);
  if (gso && gsoSegments(transport, messageSize) < 2) {
    throw new BenchConfigError('gso', `gso: needs at least two datagrams of messageSize in one ${MAX_DATAGRAM[transport]}-byte send; use a messageSize of at most ${Math.floor(MAX_DATAGRAM[transport]! / 2)}`);
  }
  const gro = datagramOffload(config, 'gro', transport, pattern);
  if (config.inFlight !== undefined && config.inFlight !== 1 && pattern !== 'rr') {
    throw new BenchConfigError('inFlight', 'inFlight: several requests outstanding on one connection is for pattern rr');
  }
  const inFlight = integer('inFlight', config.inFlight ?? 1, 1, MAX_IN_FLIGHT);
  if (inFlight > 1 && inFlight * Math.max(messageSize, responseSize) > MAX_IN_FLIGHT_BYTES) {
    throw new BenchConfigError('inFlight', `inFlight: ${inFlight} × ${Math.max(messageSize, responseSize)}-byte messages is more than ${MAX_IN_FLIGHT_BYTES} bytes outstanding; lower inFlight to at most ${Math.floor(MAX_IN_FLIGHT_BYTES / Math.max(messageSize, responseSize))} or use smaller messages`);
  }
  const background = resolveBackground(config.background, transport, pattern);
  const congestion = resolveCongestion(config.congestion, transport);
  const pacingRateBitsPerSecond = resolvePacing(config.pacingRateBitsPerSecond, transport, pattern);
  const direction = resolveDirection(config.direction, transport, pattern);

  return {
    transport, pattern, durationMs, warmupMs, messageSize, responseSize, requestWrites, rateBitsPerSecond, intervalMs,
    affinity: resolveAffinity(config.affinity), sendMode, gso, gro, inFlight, background, congestion, direction, pacingRateBitsPerSecond,
  };
}

function resolveDirection(input: BenchConfig['direction'], transport: Transport, pattern: Pattern): Direction {
  const direction = input ?? 'forward';
  if (!(DIRECTIONS as readonly string[]).includes(direction)) {
    throw new BenchConfigError('direction', `direction must be one of ${DIRECTIONS.join(', ')}, got ${String(direction)}`);
  }
  if (direction !== 'forward' && (pattern !== 'stream' || isDatagram(transport))) {
    throw new BenchConfigError('direction', `direction ${direction} turns a stream around; it applies to pattern stream on tcp4, tcp6 and unix, got ${transport} ${pattern}`);
  }
  return direction;
}

/** The shape of `congestion` only: whether a host has the algorithm is its own check (it reads that host's list). */
function resolveCongestion(input: BenchConfig['congestion'], transport: Transport): SideCongestion {
  if (input === undefined || input === null) return { client: null, server: null };
  const sides = typeof input === 'string' ? { client: input, server: input } : input;
  if (typeof sides !== 'object' || Array.isArray(sides) || Object.keys(sides).some((k) => k !== 'client' && k !== 'server')) throw new BenchConfigError('congestion', `congestion must be an algorithm name such as "bbr", or {"client": ..., "server": ...}, got ${JSON.stringify(input)}`);
  // A resolved config comes back through here (each engine run resolves its own): nothing asked, nothing to check.
  if ((sides.client ?? null) === null && (sides.server ?? null) === null) return { client: null, server: null };
  if (!isTcp(transport)) throw new BenchConfigError('congestion', `congestion (TCP_CONGESTION) applies to tcp4 and tcp6, got ${transport}`);
  const name = (side: 'client' | 'server'): string | null => {
    const value = sides[side];
    if (value === undefined || value === null) return null;
    const field = typeof input === 'string' ? 'congestion' : `congestion.${side}`;
    if (typeof value !== 'string' || !/^[a-z0-9_]+$/.test(value) || value.length > MAX_CONGESTION_NAME) {
      throw new BenchConfigError(field, `${field} must be an algorithm name of 1 to ${MAX_CONGESTION_NAME} lower-case letters, digits or _ (such as "bbr" or "cubic"), got ${JSON.stringify(value)}`);
    }
    return value;
  };
  return { client: name('client'), server: name('server') };
}

function resolvePacing(input: BenchConfig['pacingRateBitsPerSecond'], transport: Transport, pattern: Pattern): number | null {
  if (input === undefined || input === null) return null;
  const bits = integer('pacingRateBitsPerSecond', input, MIN_PACING_BITS_PER_SECOND, MAX_PACING_BITS_PER_SECOND);
  // docs/kernel-facts.md §1.1: only TCP's internal pacing or the fq qdisc act on SO_MAX_PACING_RATE.
  if (!isTcp(transport) || pattern !== 'stream') {
    throw new BenchConfigError('pacingRateBitsPerSecond', `pacingRateBitsPerSecond (SO_MAX_PACING_RATE) caps a TCP stream's sender, which TCP paces by itself; got ${transport} ${pattern}. For datagrams, rateBitsPerSecond paces the sender`);
  }
  return bits;
}

function resolveSendMode(config: BenchConfig, transport: Transport, pattern: Pattern): SendMode {
  const mode = config.sendMode ?? 'copy';
  if (!(SEND_MODES as readonly string[]).includes(mode)) {
    throw new BenchConfigError('sendMode', `sendMode must be one of ${SEND_MODES.join(', ')}, got ${String(mode)}`);
  }
  if (mode === 'copy') return mode;
  if (pattern !== 'stream') throw new BenchConfigError('sendMode', `sendMode: ${mode} changes how a stream sender sends; use it with pattern stream`);
  if (mode === 'zerocopy' && !isTcp(transport) && !isUdp(transport)) {
    // docs/kernel-facts.md §1.1: SO_ZEROCOPY is for TCP and UDP; AF_UNIX answers EOPNOTSUPP.
    throw new BenchConfigError('sendMode', `sendMode: zerocopy (MSG_ZEROCOPY) works on tcp4, tcp6, udp4 and udp6 (AF_UNIX refuses SO_ZEROCOPY), got ${transport}`);
  }
  if (mode === 'zerocopy' && config.gso) throw new BenchConfigError('sendMode', 'sendMode: zerocopy with gso is not implemented; use one of them');
  if (mode === 'sendfile' && isDatagram(transport)) {
    throw new BenchConfigError('sendMode', `sendMode: sendfile needs a stream transport (tcp4, tcp6, unix), got ${transport}`);
  }
  return mode;
}

function datagramOffload(config: BenchConfig, field: 'gso' | 'gro', transport: Transport, pattern: Pattern): boolean {
  const value = config[field] ?? false;
  if (typeof value !== 'boolean') throw new BenchConfigError(field, `${field} must be true or false, got ${String(value)}`);
  if (value && (!isUdp(transport) || pattern !== 'stream')) {
    throw new BenchConfigError(field, `${field} (${field === 'gso' ? 'UDP_SEGMENT' : 'UDP_GRO'}) applies to udp4 and udp6 streams, got ${transport} ${pattern}`);
  }
  return value;
}

function resolveBackground(input: BenchConfig['background'], transport: Transport, pattern: Pattern): BackgroundConfig | null {
  if (input === undefined || input === null) return null;
  if (typeof input !== 'object') throw new BenchConfigError('background', `background must be an object such as {"streams": 2}, got ${String(input)}`);
  if (pattern !== 'rr') throw new BenchConfigError('background', 'background: bulk streams under an rr pair (latency under load) are for pattern rr');
  const direction = input.direction ?? 'forward';
  if (!(BACKGROUND_DIRECTIONS as readonly string[]).includes(direction)) {
    throw new BenchConfigError('background.direction', `background.direction must be one of ${BACKGROUND_DIRECTIONS.join(', ')}, got ${String(direction)}`);
  }
  // The streams are this transport's stream pattern: its row of the pattern table sizes them.
  const row = behaviourOf({ pattern: 'stream', transport });
  return {
    streams: integer('background.streams', input.streams ?? 1, 1, MAX_BACKGROUND_STREAMS),
    direction,
    messageSize: integer('background.messageSize', input.messageSize ?? row.defaultMessageSize, row.minMessageSize.local, MAX_DATAGRAM[transport] ?? MAX_MESSAGE_SIZE),
  };
}

function resolveAffinity(affinity: BenchConfig['affinity']): SideAffinity {
  if (affinity === undefined) return { client: null, server: null };
  if (typeof affinity !== 'object' || affinity === null) {
    throw new BenchConfigError('affinity', `affinity must be an object such as {"client": 0, "server": 1}, got ${String(affinity)}`);
  }
  const cpu = (side: 'client' | 'server'): number | null =>
    affinity[side] === undefined || affinity[side] === null ? null : integer(`affinity.${side}`, affinity[side], 0, CPU_SETSIZE - 1);
  return { client: cpu('client'), server: cpu('server') };
}
