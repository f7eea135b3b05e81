import { CATALOG } from '../options/catalog.js';
import type { CatalogEntry, Transport, ValueType } from '../options/types.js';

export const SNAPSHOT_STATES = ['fresh', 'connected'] as const;
/** fresh: a socket straight from socket(); connected: the client end of a loopback pair. */
export type SnapshotState = (typeof SNAPSHOT_STATES)[number];

/** Types whose value is one small JSON value; raw bytes and tcp_info are no defaults. */
export type SnapshotType = Exclude<ValueType, 'bytes' | 'tcp_info'>;
export type SnapshotEntry = CatalogEntry & { type: SnapshotType };

const isSnapshotType = (e: CatalogEntry): e is SnapshotEntry => e.type !== 'bytes' && e.type !== 'tcp_info';

/**
 * The options a defaults snapshot reads on `transport`, in catalog order: every readable,
 * non-volatile one, except those that only answer on a connected socket when `state` is fresh.
 */
export function snapshotOptions(transport: Transport, state: SnapshotState): SnapshotEntry[] {
  return CATALOG.filter(isSnapshotType).filter((e) =>
    e.access !== 'wo' && e.transports.includes(transport) && !e.volatile &&
    (state === 'connected' || e.getNeeds !== 'connected'));
}
