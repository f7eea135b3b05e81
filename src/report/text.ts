// Plain-text renderings for terminals: aligned columns, one header line, no colour.

type Cell = string | number | boolean | null | undefined;

export function table(headers: string[], rows: Cell[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(cellText))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(cells[0]), ...cells.slice(1).map(line)].join('\n') + '\n';
}

function cellText(c: Cell): string {
  if (c === null || c === undefined) return '-';
  return String(c);
}

/**
 * A decoded option or sysctl value in a few characters: 8192, true, reno, onoff=1 linger=5s,
 * 1.500000s, and lists as "4096 131072 6291456", as the sysctl file has them.
 */
export function valueText(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return v.join(' ');
  if (typeof v !== 'object') return String(v);
  const o = v as Record<string, unknown>;
  if ('onoff' in o && 'linger' in o) return `onoff=${String(o.onoff)} linger=${String(o.linger)}s`;
  if ('sec' in o && 'usec' in o) return `${String(o.sec)}.${String(o.usec).padStart(6, '0')}s`;
  if ('hex' in o) return `0x${String(o.hex)}`;
  return `{${Object.keys(o).length} fields}`;
}
