import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { errors } from '../errors.js';
import { same } from '../json-documents.js';
import { escapeSegment, isPlainObject, isStructValue, under } from '../json-documents.js';
import { OptionDefaultSchema, SysctlValueSchema } from './schema.js';
import { SYSCTLS, type SysctlKind } from '../kernel/sysctls.js';

// Baselines with rules: each leaf of a baseline is a plain value (the host must have exactly it)
// or a rule, an object whose keys all start with "$" so that it cannot be mistaken for a struct
// value such as {"onoff":1,"linger":5}. For lists such as tcp_rmem a baseline may give one rule
// per element, null meaning any value. A pure module: compileBaseline turns a baseline document
// into entries once (400s naming the path for anything it cannot check), checkBaseline checks any
// snapshot document against them. A baseline as clients give it (a document, or a profile with
// overrides) becomes entries through resolveBaseline (profiles.ts).

export const RULE_OPERATORS = ['$min', '$max', '$range', '$oneOf', '$not', '$absent', '$persisted'] as const;
export type RuleOperator = (typeof RULE_OPERATORS)[number];
/** `$eq` is a plain value in the baseline: the host must have exactly it. */
export type RuleName = RuleOperator | '$eq';

/** One condition on a value: an operator and its operand, as the baseline wrote it. */
export interface Condition {
  rule: RuleName;
  operand: unknown;
}

/** Where an entry came from, when a named profile supplied it. */
export interface EntryOrigin {
  profile: string;
  /** The page or measurement the profile cites for this value. */
  source: string;
}

/** One checked leaf of a baseline. */
export interface BaselineEntry {
  /** JSON Pointer (RFC 6901) into a snapshot, e.g. /sysctls/net.core.rmem_max. */
  path: string;
  /** What the baseline says here, as written (for display). */
  expected: unknown;
  /** Conditions on the whole value; all must hold. */
  conditions: Condition[];
  /** Per-element conditions for a list value; null: any value. Absent for whole-value entries. */
  elements?: Array<Condition[] | null>;
  origin?: EntryOrigin;
}

export interface RuleMismatch {
  /** The value's pointer; an element of a list has its index appended (/sysctls/net.ipv4.tcp_rmem/2). */
  path: string;
  rule: RuleName;
  /** The rule's operand: the value for $eq, the bound for $min, [lo, hi] for $range. */
  expected: unknown;
  /** null where this host has no such key (`absent` says so). */
  actual: unknown;
  absent?: true;
  /** The mismatch in words: "net.core.rmem_max is 4194304, below the minimum 16777216". */
  message: string;
  profile?: string;
  source?: string;
}

export interface RuleCheck {
  /** Entries of the baseline compared (a list with per-element rules counts once). */
  checked: number;
  /** Pointers of the entries that hold. */
  passed: string[];
  mismatches: RuleMismatch[];
}

/** What a snapshot says about its sysctl files, as far as $persisted needs it (see sysctl-sources.ts). */
interface PersistedValue {
  file: string;
  line: number;
  value: unknown;
  differs: boolean;
}

const MAX_ONE_OF = 64;
const MAX_ELEMENTS = 16;
const KIND = new Map<string, SysctlKind>(SYSCTLS.map((s) => [s.name, s.kind]));
const SnapshotValue = TypeCompiler.Compile(Type.Union([SysctlValueSchema, OptionDefaultSchema]));
const RULE_LIST = RULE_OPERATORS.join(', ');

function unescapeSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

function isRule(v: unknown): v is Record<string, unknown> {
  return isPlainObject(v) && Object.keys(v).some((k) => k.startsWith('$'));
}

/** "body.sysctls.net.core.rmem_max" for a pointer under `field`, as validation errors name fields. */
function fieldOf(field: string, path: string): string {
  return `${field}${path.split('/').map(unescapeSegment).join('.')}`;
}

/** The sysctl a pointer names, if it is one of the listed ones. */
function sysctlKind(path: string): SysctlKind | undefined {
  const m = /^\/sysctls\/([^/]+)$/.exec(path);
  return m ? KIND.get(unescapeSegment(m[1])) : undefined;
}

/** The key a pointer names, in words: "net.core.rmem_max", "tcp4 SO_RCVBUF", "net.ipv4.tcp_rmem[2]". */
export function keyName(path: string): string {
  const parts = path.split('/').slice(1).map(unescapeSegment);
  const index = /^\d+$/.test(parts[parts.length - 1] ?? '') && parts.length > 2 ? `[${parts.pop()}]` : '';
  if (parts[0] === 'sysctls' && parts.length === 2) return `${parts[1]}${index}`;
  if (parts[0] === 'sockets' && parts.length === 3) return `${parts[1]} ${parts[2]}${index}`;
  return `${path}`;
}

/** A value in a few characters, as the sysctl file or the text tables show it. */
function shown(v: unknown): string {
  if (v === null || v === undefined) return 'absent';
  if (Array.isArray(v)) return v.map(shown).join(' ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

// ---- compiling -------------------------------------------------------------------------------

function invalid(field: string, path: string, message: string) {
  const at = fieldOf(field, path);
  return errors.invalidRule(`${at}: ${message}`, at);
}

function checkValue(field: string, path: string, value: unknown, what: string): void {
  if (!SnapshotValue.Check(value)) {
    throw invalid(field, path, `${what} ${JSON.stringify(value) ?? 'undefined'} is not a snapshot value (an integer, a list of integers, a string, a boolean, a linger or timeval object, or null).`);
  }
}

function number(field: string, path: string, op: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw invalid(field, path, `${op} takes a number, got ${JSON.stringify(v)}; e.g. {"${op}": 16777216}.`);
  }
  return v;
}

/** The conditions of one rule object; `element` when it applies to one element of a list. */
function compileRule(field: string, path: string, rule: Record<string, unknown>, element: boolean): Condition[] {
  const keys = Object.keys(rule);
  const plain = keys.filter((k) => !k.startsWith('$'));
  if (plain.length > 0) {
    throw invalid(field, path, `mixes rule operators with plain keys (${plain.join(', ')}); a rule has only $ keys (${RULE_LIST}), a struct value has none.`);
  }
  const kind = element ? 'number' : sysctlKind(path);
  const conditions: Condition[] = [];
  for (const op of keys) {
    const operand = rule[op];
    switch (op) {
      case '$min':
      case '$max':
        number(field, path, op, operand);
        break;
      case '$range': {
        if (!Array.isArray(operand) || operand.length !== 2) throw invalid(field, path, `$range takes [low, high], got ${JSON.stringify(operand)}.`);
        const [lo, hi] = [number(field, path, op, operand[0]), number(field, path, op, operand[1])];
        if (lo > hi) throw invalid(field, path, `$range [${lo}, ${hi}] is empty: its low end is above its high end; write [${hi}, ${lo}].`);
        break;
      }
      case '$oneOf':
        if (!Array.isArray(operand) || operand.length === 0 || operand.length > MAX_ONE_OF) {
          throw invalid(field, path, `$oneOf takes a list of 1 to ${MAX_ONE_OF} values, e.g. {"$oneOf": ["bbr", "cubic"]}.`);
        }
        operand.forEach((v, i) => checkValue(field, `${path}/$oneOf/${i}`, v, '$oneOf value'));
        break;
      case '$not':
        checkValue(field, path, operand, '$not value');
        break;
      case '$absent':
        if (element) throw invalid(field, path, '$absent applies to a whole key, not to one element of a list.');
        if (typeof operand !== 'boolean') throw invalid(field, path, `$absent takes true (the key must not exist) or false, got ${JSON.stringify(operand)}.`);
        break;
      case '$persisted':
        if (element) throw invalid(field, path, '$persisted applies to a whole sysctl, not to one element of a list.');
        if (!path.startsWith('/sysctls/')) throw invalid(field, path, '$persisted applies to sysctls only: sysctl files set them, nothing persists a socket option.');
        if (operand !== true) throw invalid(field, path, `$persisted takes true (the running value is the one a sysctl file sets), got ${JSON.stringify(operand)}.`);
        break;
      default:
        throw invalid(field, path, `unknown rule operator "${op}"; the operators are ${RULE_LIST}.`);
    }
    if ((op === '$min' || op === '$max' || op === '$range') && (kind === 'string' || kind === 'numbers')) {
      throw invalid(field, path, kind === 'string'
        ? `${keyName(path)} is text (e.g. "cubic"); ${op} compares numbers. Use $oneOf or a plain value.`
        : `${keyName(path)} is a list of numbers; give one rule per element, null for any value, e.g. [null, null, {"${op}": ...}].`);
    }
    conditions.push({ rule: op as RuleOperator, operand });
  }
  if (conditions.length === 0) throw invalid(field, path, `an empty rule; give one of ${RULE_LIST}.`);
  return conditions;
}

/** One leaf of a baseline as an entry. Throws SOCKBENCH_INVALID_RULE naming `field` + the path. */
export function compileEntry(path: string, value: unknown, field = 'body'): BaselineEntry {
  if (isRule(value)) return { path, expected: value, conditions: compileRule(field, path, value, false) };
  if (Array.isArray(value) && value.some((v) => v === null || isRule(v))) {
    if (value.length > MAX_ELEMENTS) throw invalid(field, path, `a list of at most ${MAX_ELEMENTS} element rules, got ${value.length}.`);
    const kind = sysctlKind(path);
    if (kind === 'string' || kind === 'number') throw invalid(field, path, `${keyName(path)} is one ${kind === 'string' ? 'text' : 'number'}, not a list; per-element rules apply to lists such as net.ipv4.tcp_rmem.`);
    const elements = value.map((v, i): Condition[] | null => {
      if (v === null) return null;
      if (isRule(v)) return compileRule(field, `${path}/${i}`, v, true);
      if (typeof v !== 'number') throw invalid(field, `${path}/${i}`, `an element is a number, a rule or null (any value), got ${JSON.stringify(v)}.`);
      return [{ rule: '$eq', operand: v }];
    });
    return { path, expected: value, conditions: [], elements };
  }
  checkValue(field, path, value, 'the value');
  return { path, expected: value, conditions: [{ rule: '$eq', operand: value }] };
}

/**
 * A baseline document (any subset of a snapshot, with rules at its leaves) as entries, in
 * document order. Paths under `ignore` are left out before anything is checked.
 */
export function compileBaseline(doc: unknown, field = 'body', ignore: string[] = []): BaselineEntry[] {
  const entries: BaselineEntry[] = [];
  const walk = (value: unknown, path: string) => {
    if (ignore.some((p) => under(path, p))) return;
    if (path !== '' && (!isPlainObject(value) || isStructValue(value) || isRule(value))) {
      entries.push(compileEntry(path, value, field));
      return;
    }
    if (!isPlainObject(value)) throw invalid(field, path, 'a baseline is an object, a subset of GET /v1/defaults.');
    for (const [k, v] of Object.entries(value)) walk(v, `${path}/${escapeSegment(k)}`);
  };
  walk(doc, '');
  return entries;
}

// ---- checking --------------------------------------------------------------------------------

/** The value at `path` in `doc`, or undefined where there is none. */
function lookup(doc: unknown, path: string): unknown {
  let v: unknown = doc;
  for (const seg of path.split('/').slice(1)) {
    if (!isPlainObject(v) || !Object.hasOwn(v, unescapeSegment(seg))) return undefined;
    v = v[unescapeSegment(seg)];
  }
  return v;
}

function persistedOf(snapshot: unknown, path: string): PersistedValue | null | undefined {
  const sysctls = lookup(snapshot, '/sources/sysctls');
  if (!isPlainObject(sysctls)) return undefined;
  const name = unescapeSegment(path.slice('/sysctls/'.length));
  const p = sysctls[name];
  return isPlainObject(p) ? (p as unknown as PersistedValue) : null;
}

/** Why `actual` fails `c`, in words, or null when it holds. `missing`: the host has no such key. */
function failure(c: Condition, key: string, actual: unknown, missing: boolean, snapshot: unknown, path: string): string | null {
  const a = shown(actual);
  if (c.rule === '$absent') {
    if (c.operand === true) return missing ? null : `${key} is ${a}, but it must be absent on this kernel`;
    return missing ? `${key} is absent, but it must exist` : null;
  }
  if (missing && c.rule !== '$eq') return `${key} is absent on this host, so it cannot meet ${c.rule} ${shown(c.operand)}`;
  switch (c.rule) {
    case '$eq':
      if (missing && c.operand !== null) return `${key} is absent on this host, not ${shown(c.operand)}`;
      return same(c.operand, actual) || (missing && c.operand === null) ? null : `${key} is ${a}, not ${shown(c.operand)}`;
    case '$min':
      if (typeof actual !== 'number') return `${key} is ${a}, not a number, so not at least ${shown(c.operand)}`;
      return actual >= (c.operand as number) ? null : `${key} is ${a}, below the minimum ${shown(c.operand)}`;
    case '$max':
      if (typeof actual !== 'number') return `${key} is ${a}, not a number, so not at most ${shown(c.operand)}`;
      return actual <= (c.operand as number) ? null : `${key} is ${a}, above the maximum ${shown(c.operand)}`;
    case '$range': {
      const [lo, hi] = c.operand as [number, number];
      if (typeof actual === 'number' && actual >= lo && actual <= hi) return null;
      return `${key} is ${a}, outside the range ${lo} to ${hi}`;
    }
    case '$oneOf':
      return (c.operand as unknown[]).some((v) => same(v, actual)) ? null : `${key} is ${a}, not one of ${(c.operand as unknown[]).map(shown).join(', ')}`;
    case '$not':
      return same(c.operand, actual) ? `${key} is ${a}, a value the baseline rules out` : null;
    case '$persisted': {
      const p = persistedOf(snapshot, path);
      if (p === undefined) return `${key} is ${a}, and this snapshot says nothing of sysctl files (taken by an older sockbench), so persistence cannot be checked`;
      if (p === null) return `${key} is ${a} but no sysctl file sets it, so a reboot resets it`;
      return p.differs ? `${key} is ${a} but ${p.file}:${p.line} sets ${shown(p.value)}, so a reboot changes it` : null;
    }
  }
}

/** The operand a mismatch reports, and the actual value for $persisted (the file's). */
function mismatch(c: Condition, path: string, actual: unknown, missing: boolean, message: string, origin: EntryOrigin | undefined, snapshot: unknown): RuleMismatch {
  const m: RuleMismatch = { path, rule: c.rule, expected: c.operand, actual: missing ? null : actual, message };
  if (missing) m.absent = true;
  if (c.rule === '$persisted') m.actual = persistedOf(snapshot, path)?.value ?? null;
  if (origin) Object.assign(m, { profile: origin.profile, source: origin.source });
  return m;
}

/** Each entry of `baseline` against `snapshot` (a snapshot document, from this host or any other). */
export function checkBaseline(snapshot: unknown, baseline: BaselineEntry[], ignore: string[] = []): RuleCheck {
  let checked = 0;
  const passed: string[] = [];
  const mismatches: RuleMismatch[] = [];
  for (const entry of baseline) {
    if (ignore.some((p) => under(entry.path, p))) continue;
    checked++;
    const value = lookup(snapshot, entry.path);
    // A sysctl this kernel lacks reads as null, the same as a key the snapshot does not have.
    const missing = value === undefined || (value === null && entry.path.startsWith('/sysctls/'));
    const before = mismatches.length;
    const key = keyName(entry.path);
    for (const c of entry.conditions) {
      const why = failure(c, key, value, missing, snapshot, entry.path);
      if (why) mismatches.push(mismatch(c, entry.path, value, missing, why, entry.origin, snapshot));
    }
    if (entry.elements) {
      const elements = entry.elements;
      if (missing || !Array.isArray(value) || value.length !== elements.length) {
        const why = missing ? `${key} is absent on this host` : `${key} is ${shown(value)}, not a list of ${elements.length} values`;
        mismatches.push(mismatch({ rule: '$eq', operand: entry.expected }, entry.path, value, missing, why, entry.origin, snapshot));
      } else {
        elements.forEach((conditions, i) => {
          for (const c of conditions ?? []) {
            const at = `${entry.path}/${i}`;
            const why = failure(c, keyName(at), value[i], false, snapshot, at);
            if (why) mismatches.push(mismatch(c, at, value[i], false, why, entry.origin, snapshot));
          }
        });
      }
    }
    if (mismatches.length === before) passed.push(entry.path);
  }
  return { checked, passed, mismatches };
}
