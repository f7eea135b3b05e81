import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, SideSchema } from '../schema-types.js';

/** EngineOptions.windowSnapshotFiles (a side's SideStart.snapshotFiles) read at the window's edges: texts in the order asked (null: unreadable). */
export interface WindowSnapshots {
  open: Array<string | null>;
  close: Array<string | null>;
  /** Between the two readings. */
  ms: number;
}

// Kernel counters that explain a run's losses and drops: read at both edges of the measured
// window, reported as deltas. They count for the whole network namespace (every socket in it),
// not for the run's sockets; the names are the kernel's own, prefixed with the table they come
// from, and every one counts events (datagrams, segments or packets), so CI can compare them.

export const PROC = '/proc';

/** Where a counter is read: its file and, for the header/value tables, the table's name. */
type Source = { file: 'net/snmp' | 'net/netstat'; table: string; field: string } | { file: 'net/snmp6'; field: string } | { file: 'net/softnet_stat'; column: number };

/** name, what one count is, where it is read. */
export const KERNEL_COUNTERS = [
  { name: 'Udp.RcvbufErrors', unit: 'datagrams', source: { file: 'net/snmp', table: 'Udp', field: 'RcvbufErrors' } },
  { name: 'Udp.SndbufErrors', unit: 'datagrams', source: { file: 'net/snmp', table: 'Udp', field: 'SndbufErrors' } },
  { name: 'Udp.InErrors', unit: 'datagrams', source: { file: 'net/snmp', table: 'Udp', field: 'InErrors' } },
  { name: 'Udp.NoPorts', unit: 'datagrams', source: { file: 'net/snmp', table: 'Udp', field: 'NoPorts' } },
  { name: 'Udp6.RcvbufErrors', unit: 'datagrams', source: { file: 'net/snmp6', field: 'Udp6RcvbufErrors' } },
  { name: 'Udp6.SndbufErrors', unit: 'datagrams', source: { file: 'net/snmp6', field: 'Udp6SndbufErrors' } },
  { name: 'Udp6.InErrors', unit: 'datagrams', source: { file: 'net/snmp6', field: 'Udp6InErrors' } },
  { name: 'Udp6.NoPorts', unit: 'datagrams', source: { file: 'net/snmp6', field: 'Udp6NoPorts' } },
  { name: 'Tcp.RetransSegs', unit: 'segments', source: { file: 'net/snmp', table: 'Tcp', field: 'RetransSegs' } },
  { name: 'Tcp.InErrs', unit: 'segments', source: { file: 'net/snmp', table: 'Tcp', field: 'InErrs' } },
  { name: 'Tcp.OutRsts', unit: 'segments', source: { file: 'net/snmp', table: 'Tcp', field: 'OutRsts' } },
  { name: 'TcpExt.TCPRcvCollapsed', unit: 'packets', source: { file: 'net/netstat', table: 'TcpExt', field: 'TCPRcvCollapsed' } },
  { name: 'TcpExt.PruneCalled', unit: 'events', source: { file: 'net/netstat', table: 'TcpExt', field: 'PruneCalled' } },
  { name: 'TcpExt.RcvPruned', unit: 'events', source: { file: 'net/netstat', table: 'TcpExt', field: 'RcvPruned' } },
  { name: 'TcpExt.TCPBacklogDrop', unit: 'packets', source: { file: 'net/netstat', table: 'TcpExt', field: 'TCPBacklogDrop' } },
  { name: 'TcpExt.TCPZeroWindowDrop', unit: 'packets', source: { file: 'net/netstat', table: 'TcpExt', field: 'TCPZeroWindowDrop' } },
  { name: 'TcpExt.ListenOverflows', unit: 'connections', source: { file: 'net/netstat', table: 'TcpExt', field: 'ListenOverflows' } },
  { name: 'TcpExt.ListenDrops', unit: 'connections', source: { file: 'net/netstat', table: 'TcpExt', field: 'ListenDrops' } },
  { name: 'TcpExt.TCPTimeouts', unit: 'events', source: { file: 'net/netstat', table: 'TcpExt', field: 'TCPTimeouts' } },
  { name: 'TcpExt.TCPLossProbes', unit: 'segments', source: { file: 'net/netstat', table: 'TcpExt', field: 'TCPLossProbes' } },
  { name: 'TcpExt.DelayedACKs', unit: 'segments', source: { file: 'net/netstat', table: 'TcpExt', field: 'DelayedACKs' } },
  { name: 'Softnet.dropped', unit: 'packets', source: { file: 'net/softnet_stat', column: 1 } },
  { name: 'Softnet.time_squeeze', unit: 'events', source: { file: 'net/softnet_stat', column: 2 } },
] as const satisfies readonly { name: string; unit: string; source: Source }[];

export type KernelCounterName = (typeof KERNEL_COUNTERS)[number]['name'];
export const KERNEL_COUNTER_NAMES = KERNEL_COUNTERS.map((c) => c.name) as KernelCounterName[];
/** Every counter; null where this kernel or namespace has no such counter (or /proc cannot be read). */
export type KernelCounterValues = Record<KernelCounterName, number | null>;

/** "Udp: InDatagrams NoPorts ..." / "Udp: 1 2 ..." pairs (snmp, netstat): table -> field -> value. */
export function parseTables(text: string): Map<string, Map<string, number>> {
  const tables = new Map<string, Map<string, number>>();
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const head = /^(\w+):\s+(.*)$/.exec(lines[i]);
    const values = head && new RegExp(`^${head[1]}:\\s+(.*)$`).exec(lines[i + 1]);
    if (!head || !values || /[A-Za-z]/.test(values[1])) continue;
    const names = head[2].trim().split(/\s+/);
    const numbers = values[1].trim().split(/\s+/).map(Number);
    tables.set(head[1], new Map(names.map((n, k) => [n, numbers[k]])));
    i++;
  }
  return tables;
}

/** snmp6: one "Name value" per line. */
export function parsePairs(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(\d+)\s*$/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

/** softnet_stat: one line per CPU of hex columns; `column` summed over CPUs. */
export function sumSoftnetColumn(text: string, column: number): number | null {
  const rows = text.split('\n').filter((l) => l.trim() !== '').map((l) => l.trim().split(/\s+/));
  if (rows.length === 0 || rows.some((r) => r.length <= column)) return null;
  return rows.reduce((sum, r) => sum + parseInt(r[column], 16), 0);
}

/** The files the counters come from, relative to /proc, in the order the window snapshots hold them. */
export const KERNEL_COUNTER_FILES = ['net/snmp', 'net/snmp6', 'net/netstat', 'net/softnet_stat'] as const;
type CounterFile = (typeof KERNEL_COUNTER_FILES)[number];

/** The counter files under `root`, to read at a window's edges. */
export function kernelCounterFiles(root = PROC): string[] {
  return KERNEL_COUNTER_FILES.map((file) => join(root, file));
}

/** Every counter from the files' texts (null: a file that could not be read). */
export function countersFromTexts(texts: ReadonlyMap<CounterFile, string | null>): KernelCounterValues {
  const tables = new Map<string, Map<string, Map<string, number>>>();
  const out = {} as KernelCounterValues;
  for (const { name, source } of KERNEL_COUNTERS as readonly { name: KernelCounterName; source: Source }[]) {
    const body = texts.get(source.file) ?? null;
    let value: number | null | undefined = null;
    if (body !== null) {
      if ('column' in source) value = sumSoftnetColumn(body, source.column);
      else if (source.file === 'net/snmp6') value = parsePairs(body).get(source.field);
      else {
        if (!tables.has(source.file)) tables.set(source.file, parseTables(body));
        value = tables.get(source.file)!.get(source.table)?.get(source.field);
      }
    }
    out[name] = typeof value === 'number' && Number.isFinite(value) ? value : null;
  }
  return out;
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // Hidden in this namespace or container, or not a Linux /proc.
    return null;
  }
}

const byFile = (texts: ReadonlyArray<string | null>): Map<CounterFile, string | null> =>
  new Map(KERNEL_COUNTER_FILES.map((file, i) => [file, texts[i] ?? null]));

/** One reading of every counter, now. Never throws. */
export function readKernelCounters(root = PROC): KernelCounterValues {
  return countersFromTexts(byFile(kernelCounterFiles(root).map(readText)));
}

/** end - start per counter; null where either reading lacks it (or it went backwards: a counter reset). */
export function counterDeltas(start: KernelCounterValues, end: KernelCounterValues): KernelCounterValues {
  const out = {} as KernelCounterValues;
  for (const name of KERNEL_COUNTER_NAMES) {
    const a = start[name];
    const b = end[name];
    out[name] = a === null || b === null || b < a ? null : b - a;
  }
  return out;
}

/** KernelCounterWindow as the API and the peer wire show it. */
export const KernelCounterWindowSchema = Type.Object({
  sides: Type.Array(SideSchema, { description: 'The run\'s sides whose window this host\'s reading brackets' }),
  windowMs: Type.Number({ description: 'Time between the two readings' }),
  // Listed from KERNEL_COUNTERS, so TypeScript sees a string-keyed record: typed as the values it lists.
  deltas: Type.Unsafe<KernelCounterValues>(Type.Object(Object.fromEntries(KERNEL_COUNTERS.map((c) => [c.name, Nullable(Type.Integer({ minimum: 0 }), `${c.unit}; null: this kernel or namespace does not have it`)])), { additionalProperties: false })),
}, { additionalProperties: false });

/** The counters over one measured window, read on the host where its side ran (sides: both for a local run, one across hosts). */
export type KernelCounterWindow = Static<typeof KernelCounterWindowSchema>;

/**
 * The deltas from the counter files as a side's thread read them at its window's edges
 * (kernelCounterFiles passed as the engine's windowSnapshotFiles); null if it never did.
 */
export function counterWindow(snapshots: WindowSnapshots | null | undefined, sides: Array<'client' | 'server'>): KernelCounterWindow | null {
  if (!snapshots) return null;
  return {
    sides,
    windowMs: snapshots.ms,
    deltas: counterDeltas(countersFromTexts(byFile(snapshots.open)), countersFromTexts(byFile(snapshots.close))),
  };
}
