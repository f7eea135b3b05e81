import type { MatrixResult } from '../host/matrix.js';
import type { CsvCell } from './csv.js';
import { table, valueText } from './text.js';

// POST /v1/defaults/matrix for people and spreadsheets: one row per key and distinct value, with
// how many hosts hold it. The route answers curl with these, and `sockbench fleet` prints the
// route's JSON with the same text renderer.

/** Host names a row shows before "and N more": a fleet's majority may be thousands of hosts. */
const NAMES_SHOWN = 5;

function who(hosts: string[], majority: boolean): string {
  if (majority) return hosts.length <= NAMES_SHOWN ? hosts.join(', ') : '(majority)';
  const shown = hosts.slice(0, NAMES_SHOWN).join(', ');
  return hosts.length > NAMES_SHOWN ? `${shown} and ${hosts.length - NAMES_SHOWN} more` : shown;
}

export function matrixText(m: MatrixResult): string {
  const head = `${m.summary}\n`;
  if (m.identical) return head;
  const rows = m.keys.flatMap((k) => k.values.map((v, i) => [
    i === 0 ? k.path : '',
    v.absent ? '(absent)' : valueText(v.value),
    v.count,
    who(v.hosts, i === 0) + (i === 0 && k.tied ? ' (tied)' : ''),
  ]));
  const outliers = m.hosts.filter((h) => h.differs > 0).map((h) => `${h.name} (${h.differs})`);
  return `${head}outliers: ${outliers.join(', ')}\n\n${table(['KEY', 'VALUE', 'HOSTS', 'WHICH'], rows)}`;
}

export const MATRIX_CSV_HEADER = ['path', 'value', 'absent', 'hosts', 'majority', 'hostnames'];

/** One record per key and distinct value; the hosts' names are separated by "; " (a name may hold spaces: "db-7 (before tuning)"). */
export function matrixCsvRows(m: MatrixResult): CsvCell[][] {
  return m.keys.flatMap((k) => k.values.map((v, i): CsvCell[] => [
    k.path, v.absent ? null : valueText(v.value), v.absent === true, v.count, i === 0, v.hosts.join('; '),
  ]));
}
