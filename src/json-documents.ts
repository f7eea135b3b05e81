// JSON documents compared, and differences between them addressed by JSON Pointer (RFC 6901):
// sysctl names have dots in them, so "/sysctls/net.core.rmem_max" is unambiguous where a dotted
// path is not. Plain data in, plain data out: every layer that compares (option reports, runs,
// snapshots, baselines) imports it from here.

/** Equal as JSON: the same keys in the same order and the same values (option values, leaves). */
export const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export interface Difference {
  path: string;
  /** null where the document has no value at this path (see `absent`). */
  a: unknown;
  b: unknown;
}

export function escapeSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
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
export function isStructValue(v: Record<string, unknown>): boolean {
  // Counted first: this runs on every object of every document a fleet matrix walks.
  if (Object.keys(v).length !== 2) return false;
  return ('onoff' in v && 'linger' in v) || ('sec' in v && 'usec' in v);
}

/** True when `path` is `prefix` or lies under it. */
export function under(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** Paths present in either document whose values differ, in a stable order (a's keys first). */
export function diffDocuments(a: unknown, b: unknown, ignore: string[] = []): Difference[] {
  return compareDocuments(a, b, ignore).differences;
}

/** diffDocuments, with the number of paths compared (those of either document, `ignore` aside). */
export function compareDocuments(a: unknown, b: unknown, ignore: string[] = []): { compared: number; differences: Difference[] } {
  const la = leaves(a);
  const lb = leaves(b);
  const paths = [...new Set([...la.keys(), ...lb.keys()])];
  const differences: Difference[] = [];
  let compared = 0;
  for (const path of paths) {
    if (ignore.some((p) => under(path, p))) continue;
    compared++;
    const va = la.has(path) ? la.get(path) : null;
    const vb = lb.has(path) ? lb.get(path) : null;
    if (la.has(path) !== lb.has(path) || !same(va, vb)) differences.push({ path, a: va, b: vb });
  }
  return { compared, differences };
}
