import { Type, type Static } from '@sinclair/typebox';
import { leaves, under } from './compare.js';

// N snapshots side by side: for every key whose value is not the same everywhere, which hosts
// hold which value. A pure function of the documents, so that the route, the fleet command and
// the benchmark all see the same answer.

const Name = Type.String({ description: 'The host as this answer names it: its hostname, with the label of a stored snapshot in parentheses, and #N when it repeats' });

export const MatrixHostSchema = Type.Object({
  index: Type.Integer({ minimum: 0, description: 'Position in the request' }),
  name: Name,
  hostname: Type.Union([Type.String(), Type.Null()]),
  label: Type.Union([Type.String(), Type.Null()], { description: 'The label of a stored snapshot' }),
  source: Type.Union([Type.Literal('stored'), Type.Literal('inline'), Type.Literal('current')]),
  id: Type.Union([Type.String(), Type.Null()], { description: 'The stored snapshot id' }),
  takenAt: Type.Union([Type.String(), Type.Null()]),
  state: Type.Union([Type.String(), Type.Null()]),
  differs: Type.Integer({ minimum: 0, description: 'Keys on which this host is an outlier' }),
}, { additionalProperties: false });

const ValueHostsSchema = Type.Object({
  value: Type.Unknown({ description: 'null where the hosts have no such key (see absent)' }),
  absent: Type.Optional(Type.Literal(true, { description: 'These hosts have no such key' })),
  count: Type.Integer({ minimum: 1 }),
  hosts: Type.Array(Name),
}, { additionalProperties: false });

export const MatrixKeySchema = Type.Object({
  path: Type.String({ description: 'JSON Pointer (RFC 6901), e.g. /sysctls/net.core.rmem_max' }),
  values: Type.Array(ValueHostsSchema, { description: 'Each distinct value, most hosts first' }),
  majority: Type.Unknown({ description: 'The most common value (the first listed in values)' }),
  majorityCount: Type.Integer({ minimum: 1 }),
  tied: Type.Boolean({ description: 'Another value has as many hosts; the tie goes to the value of the earliest snapshot in the request' }),
  outliers: Type.Array(Name, { description: 'Hosts that hold another value than the majority' }),
}, { additionalProperties: false });

export const MatrixSchema = Type.Object({
  summary: Type.String({ description: 'e.g. "3 of 40 hosts differ on 2 keys"' }),
  identical: Type.Boolean({ description: 'Every compared key has one value on every host' }),
  hostCount: Type.Integer({ minimum: 2 }),
  differingHosts: Type.Integer({ minimum: 0, description: 'Hosts that are an outlier on at least one key' }),
  differingKeys: Type.Integer({ minimum: 0 }),
  comparedKeys: Type.Integer({ minimum: 0, description: 'Keys present on at least one host, ignored paths aside' }),
  keys: Type.Array(MatrixKeySchema, { description: 'Only the keys whose values differ, in document order' }),
  hosts: Type.Array(MatrixHostSchema),
  ignored: Type.Array(Type.String(), { description: 'Paths left out: host identity, and those asked for' }),
}, { additionalProperties: false });

export type MatrixResult = Static<typeof MatrixSchema>;
export type MatrixHost = Static<typeof MatrixHostSchema>;
export type MatrixKey = Static<typeof MatrixKeySchema>;

/** One snapshot of the matrix, and who it is. */
export interface MatrixEntry {
  doc: unknown;
  host: Omit<MatrixHost, 'index' | 'name' | 'differs'>;
}

/** Unique names: "db-7", "db-7 (before tuning)", and "db-7 #2" for the second snapshot of one name. */
function namesOf(entries: MatrixEntry[]): string[] {
  const seen = new Map<string, number>();
  return entries.map(({ host }, i) => {
    const base = (host.hostname ?? `snapshot ${i}`) + (host.label ? ` (${host.label})` : '');
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} #${n}`;
  });
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Where `differingHosts` hosts of `hostCount` are outliers on `differingKeys` keys, in one line. */
export function matrixSummary(hostCount: number, differingHosts: number, differingKeys: number, comparedKeys: number): string {
  if (differingKeys === 0) return `all ${hostCount} hosts agree on all ${plural(comparedKeys, 'key', 'keys')}`;
  return `${differingHosts} of ${hostCount} hosts ${differingHosts === 1 ? 'differs' : 'differ'} on ${plural(differingKeys, 'key', 'keys')}`;
}

interface Group { value: unknown; absent: boolean; members: number[] }

/**
 * The matrix of `entries`, `ignore` (JSON Pointers, with everything under them) left out. Values
 * are equal when their JSON is, as in diffDocuments; a key missing from a document is a value
 * of its own ("absent").
 */
export function matrixOf(entries: MatrixEntry[], ignore: string[]): MatrixResult {
  const names = namesOf(entries);
  const docs = entries.map((e) => leaves(e.doc));
  // Document order: the first snapshot's keys, then keys only later ones have.
  const paths = new Set<string>();
  for (const doc of docs) for (const path of doc.keys()) paths.add(path);
  const differs = new Array<number>(entries.length).fill(0);
  const keys: MatrixKey[] = [];
  let compared = 0;
  for (const path of paths) {
    if (ignore.some((p) => under(path, p))) continue;
    compared++;
    const groups = new Map<string, Group>();
    docs.forEach((doc, i) => {
      const absent = !doc.has(path);
      const value = absent ? null : doc.get(path);
      const key = absent ? '' : JSON.stringify(value);
      const group = groups.get(key);
      if (group) group.members.push(i);
      else groups.set(key, { value, absent, members: [i] });
    });
    if (groups.size === 1) continue;
    // Stable sort: among equal counts the group first seen (the earliest snapshot's) stays first.
    const ranked = [...groups.values()].sort((a, b) => b.members.length - a.members.length);
    const [top, ...rest] = ranked;
    const outliers = rest.flatMap((g) => g.members).sort((a, b) => a - b);
    for (const i of outliers) differs[i]++;
    keys.push({
      path,
      values: ranked.map((g) => ({ value: g.value, ...(g.absent ? { absent: true as const } : {}), count: g.members.length, hosts: g.members.map((i) => names[i]) })),
      majority: top.value,
      majorityCount: top.members.length,
      tied: rest[0].members.length === top.members.length,
      outliers: outliers.map((i) => names[i]),
    });
  }
  const differingHosts = differs.filter((n) => n > 0).length;
  return {
    summary: matrixSummary(entries.length, differingHosts, keys.length, compared),
    identical: keys.length === 0,
    hostCount: entries.length,
    differingHosts,
    differingKeys: keys.length,
    comparedKeys: compared,
    keys,
    hosts: entries.map((e, index) => ({ index, name: names[index], ...e.host, differs: differs[index] })),
    ignored: ignore,
  };
}
