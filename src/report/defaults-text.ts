import type { DefaultsSnapshot } from '../host/schema.js';
import type { StoredSnapshot } from '../runs/store.js';
import { TRANSPORTS } from '../options/types.js';
import { table, valueText } from './text.js';

/** A defaults snapshot as tables: the host, the sysctls, then every option by transport. */
export function defaultsText(s: DefaultsSnapshot): string {
  const h = s.host;
  const head = `${h.hostname}  kernel ${h.kernel}  ${h.arch}  ${h.cpus} cpus  ${h.cpuModel ?? ''}  taken ${h.takenAt}  sockets ${s.state}\n\n`;
  const sysctls = table(['SYSCTL', 'VALUE'], Object.entries(s.sysctls).map(([k, v]) => [k, valueText(v)]));
  const names = [...new Set(TRANSPORTS.flatMap((t) => Object.keys(s.sockets[t])))];
  const sockets = table(['OPTION', ...TRANSPORTS], names.map((n) => [n, ...TRANSPORTS.map((t) => (n in s.sockets[t] ? valueText(s.sockets[t][n]) : ''))]));
  return head + sysctls + '\n' + sockets;
}

/** The stored snapshots, one line each. */
export function snapshotListText(list: { total: number; snapshots: Array<Omit<StoredSnapshot, 'document'>> }): string {
  return `${list.total} snapshots\n\n${table(['ID', 'CREATED', 'HOST', 'STATE', 'LABEL'], list.snapshots.map((s) => [s.id, s.createdAt, s.hostname, s.state, s.label ?? '']))}`;
}
