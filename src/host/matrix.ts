import { Type, type Static } from '@sinclair/typebox';
import { escapeSegment, isPlainObject, isStructValue, under } from '../json-documents.js';

// N snapshots side by side: for every key whose value is not the same everywhere, which hosts
// hold which value. A pure function of the documents, so that the route, the fleet command and
// the benchmark all see the same answer.

/** A matrix compares at least two snapshots; a thousand inline ones are about 9 MB of JSON. */
export const MIN_SNAPSHOTS = 2;
export const MAX_SNAPSHOTS = 1000;

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
 * A path of the documents, shared by all of them: each document's walk looks its keys up here
 * rather than building pointer strings, which is what makes a thousand documents cheap.
 */
interface PathNode {
  path: string;
  children: Map<string, PathNode>;
  /** Values at this path when it is a leaf somewhere: primitives by themselves, others by their JSON. */
  groups: Map<unknown, Group> | null;
  /** Documents with a leaf here. */
  seen: number;
  /** Left out, with everything under it: the walks do not enter it. */
  ignored: boolean;
}

/** The tree's root; `ignore` is decided once per path, when a path is first met. */
function pathTree(ignore: string[]): { root: PathNode; child: (at: PathNode, key: string) => PathNode } {
  const node = (path: string): PathNode => ({ path, children: new Map(), groups: null, seen: 0, ignored: ignore.some((p) => under(path, p)) });
  const child = (at: PathNode, key: string) => {
    let found = at.children.get(key);
    if (!found) at.children.set(key, (found = node(`${at.path}/${escapeSegment(key)}`)));
    return found;
  };
  return { root: node(''), child };
}

/** Adds document `i`'s leaves (arrays and struct values are leaves, as in diffDocuments) to the tree. */
function addLeaves(tree: ReturnType<typeof pathTree>, doc: unknown, i: number): void {
  const walk = (value: unknown, at: PathNode) => {
    if (at.ignored) return;
    if (isPlainObject(value) && !isStructValue(value)) {
      // for-in allocates no key array; JSON documents have no inherited enumerable keys.
      for (const k in value) walk(value[k], tree.child(at, k));
      return;
    }
    const key = typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
    const groups = (at.groups ??= new Map());
    const group = groups.get(key);
    if (group) group.members.push(i);
    else groups.set(key, { value, absent: false, members: [i] });
    at.seen++;
  };
  walk(doc, tree.root);
}

/** Every leaf path in document order: the first snapshot's keys, a later one's new keys beside their siblings. */
function* leafNodes(at: PathNode): Generator<PathNode> {
  if (at.ignored) return;
  if (at.groups) yield at;
  for (const child of at.children.values()) yield* leafNodes(child);
}

/** The hosts without a leaf at this path: those in none of its groups. */
function absentGroup(groups: Group[], hostCount: number): Group {
  const present = new Uint8Array(hostCount);
  for (const g of groups) for (const i of g.members) present[i] = 1;
  const members: number[] = [];
  for (let i = 0; i < hostCount; i++) if (!present[i]) members.push(i);
  return { value: null, absent: true, members };
}

/**
 * The matrix of `entries`, `ignore` (JSON Pointers, with everything under them) left out. Values
 * are equal when their JSON is, as in diffDocuments; a key missing from a document is a value
 * of its own ("absent").
 */
export function matrixOf(entries: MatrixEntry[], ignore: string[]): MatrixResult {
  const names = namesOf(entries);
  const n = entries.length;
  const tree = pathTree(ignore);
  entries.forEach((e, i) => addLeaves(tree, e.doc, i));
  const differs = new Array<number>(n).fill(0);
  const keys: MatrixKey[] = [];
  let compared = 0;
  for (const leaf of leafNodes(tree.root)) {
    const path = leaf.path;
    compared++;
    const groups = [...leaf.groups!.values()];
    if (leaf.seen < n) groups.push(absentGroup(groups, n));
    if (groups.length === 1) continue;
    // Most hosts first; among equal counts, the value of the earliest snapshot.
    const ranked = groups.sort((a, b) => b.members.length - a.members.length || a.members[0] - b.members[0]);
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
  const differingHosts = differs.filter((c) => c > 0).length;
  return {
    summary: matrixSummary(n, differingHosts, keys.length, compared),
    identical: keys.length === 0,
    hostCount: n,
    differingHosts,
    differingKeys: keys.length,
    comparedKeys: compared,
    keys,
    hosts: entries.map((e, index) => ({ index, name: names[index], ...e.host, differs: differs[index] })),
    ignored: ignore,
  };
}
