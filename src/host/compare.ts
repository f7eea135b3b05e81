import { same } from '../options/explain.js';

// Differences between JSON documents, addressed by JSON Pointer (RFC 6901): sysctl names have
// dots in them, so "/sysctls/net.core.rmem_max" is unambiguous where a dotted path is not.

export interface Difference {
  path: string;
  /** null where the document has no value at this path (see `absent`). */
  a: unknown;
  b: unknown;
}

export interface Mismatch {
  path: string;
  expected: unknown;
  /** null where this host has no such key; `absent` says so. */
  actual: unknown;
  absent?: true;
}

function escapeSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Every leaf of `doc` with its pointer. Arrays are leaves: a sysctl like tcp_rmem ("4096 131072
 * 6291456") is one setting, and so is a struct linger.
 */
function leaves(doc: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const walk = (value: unknown, path: string) => {
    if (isPlainObject(value) && !isStructValue(value)) {
      for (const [k, v] of Object.entries(value)) walk(v, `${path}/${escapeSegment(k)}`);
    } else {
      out.set(path, value);
    }
  };
  walk(doc, prefix);
  return out;
}

/** linger and timeval values are compared whole, like arrays. */
function isStructValue(v: Record<string, unknown>): boolean {
  const keys = Object.keys(v).sort().join(',');
  return keys === 'linger,onoff' || keys === 'sec,usec';
}

/** True when `path` is `prefix` or lies under it. */
function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** Paths present in either document whose values differ, in a stable order (a's keys first). */
export function diffDocuments(a: unknown, b: unknown, ignore: string[] = []): Difference[] {
  const la = leaves(a);
  const lb = leaves(b);
  const paths = [...new Set([...la.keys(), ...lb.keys()])];
  const differences: Difference[] = [];
  for (const path of paths) {
    if (ignore.some((p) => under(path, p))) continue;
    const va = la.has(path) ? la.get(path) : null;
    const vb = lb.has(path) ? lb.get(path) : null;
    if (la.has(path) !== lb.has(path) || !same(va, vb)) differences.push({ path, a: va, b: vb });
  }
  return differences;
}

/** Each leaf of `expected` against `actual`: the count compared, and those that differ. */
export function checkDocument(expected: unknown, actual: unknown, ignore: string[] = []): { checked: number; mismatches: Mismatch[] } {
  const have = leaves(actual);
  let checked = 0;
  const mismatches: Mismatch[] = [];
  for (const [path, value] of leaves(expected)) {
    if (ignore.some((p) => under(path, p))) continue;
    checked++;
    if (!have.has(path)) mismatches.push({ path, expected: value, actual: null, absent: true });
    else if (!same(value, have.get(path))) mismatches.push({ path, expected: value, actual: have.get(path) });
  }
  return { checked, mismatches };
}
