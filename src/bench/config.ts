import { CPU_SETSIZE } from '../../native-bindings/index.js';
import { TRANSPORTS, type Transport } from '../options/types.js';
import { TRANSPORT_INFO } from '../sockets/transports.js';
import { BenchConfigError } from './errors.js';
import { behaviourOf } from './patterns.js';
import { PATTERNS, type BenchConfig, type Pattern, type ResolvedBenchConfig, type SideAffinity } from './types.js';

export const MAX_MESSAGE_SIZE = 16 * 1024 * 1024;
/** Across hosts: a new data connection that has not sent the session key within this is closed. */
export const SESSION_KEY_TIMEOUT_MS = 2000;
/** Largest payload of one datagram: 65535 minus the IP (IPv4 only) and UDP headers. */
const MAX_DATAGRAM: Partial<Record<Transport, number>> = { udp4: 65507, udp6: 65527 };
export const MIN_INTERVAL_MS = 10;
export const MAX_DURATION_MS = 3_600_000;

/** Patterns each transport supports (crr needs connections, which only TCP makes per transaction). */
export function patternApplies(transport: Transport, pattern: Pattern): boolean {
  return behaviourOf({ pattern, transport }).transports.includes(transport);
}

export const isDatagram = (transport: Transport): boolean => !TRANSPORT_INFO[transport].stream;
export const isTcp = (transport: Transport): boolean => transport === 'tcp4' || transport === 'tcp6';

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

  return { transport, pattern, durationMs, warmupMs, messageSize, responseSize, requestWrites, rateBitsPerSecond, intervalMs, affinity: resolveAffinity(config.affinity) };
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
