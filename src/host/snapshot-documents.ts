import { Type, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { errors } from '../errors.js';
import { StringEnum } from '../schema-types.js';
import { HostFactsSchema, OptionDefaultSchema, SysctlValueSchema } from './schema.js';
import { RULE_OPERATORS } from './rules.js';
import { CURRENT } from './snapshots.js';

// Snapshot documents as clients send them (to diff, check and the fleet matrix: from any host,
// maybe another version) and the answers about them: the schemas of the defaults routes' bodies
// and replies, with the strict check of the values that the route schemas leave open.

export const StateSchema = StringEnum(['fresh', 'connected'] as const, { description: 'fresh sockets (default) or the client side of a connected loopback pair' });

/**
 * A snapshot from any host, maybe another sockbench version: the top level must be a snapshot's,
 * values must be snapshot values, and unknown sysctl or option names are welcome (they differ).
 * `values` is the schema of sysctl and option values: in the route schema it is left open,
 * because Fastify's Ajv coerces types (false would become 0 against an integer-or-boolean
 * union); `strictly` checks the values afterwards, without coercion.
 */
function snapshotShape(values: { sysctl: TSchema; option: TSchema }, partial: boolean) {
  const maybe = <T extends TSchema>(s: T) => (partial ? Type.Optional(s) : s);
  return Type.Object({
    host: maybe(Type.Object({}, { additionalProperties: true })),
    state: Type.Optional(partial ? Type.Union([Type.Literal('fresh'), Type.Literal('connected')]) : Type.String()),
    sysctls: maybe(Type.Record(Type.String(), values.sysctl)),
    sockets: maybe(Type.Record(Type.String(), Type.Record(Type.String(), values.option))),
    errors: Type.Optional(Type.Array(Type.Object({}, { additionalProperties: true }))),
    sources: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'where the sysctls are persisted; not compared' })),
  }, { additionalProperties: false, description: partial ? 'The values that matter: any subset of a snapshot' : 'a snapshot document, as GET /v1/defaults answers on any host' });
}

const OPEN = { sysctl: Type.Unknown(), option: Type.Unknown() };
const STRICT = { sysctl: SysctlValueSchema, option: OptionDefaultSchema };
const SnapshotInput = snapshotShape(OPEN, false);
// Compiled once: interpreting the schemas would walk them again on every request.
export const StrictSnapshot = TypeCompiler.Compile(snapshotShape(STRICT, false));

/** Leaves are checked by the rule compiler, whose 400s name the path and the rule at fault. */
const BASELINE_VALUES = {
  sysctl: Type.Unknown({ description: `a value (exact match) or a rule: {"$min": n}, {"$max": n}, {"$range": [lo, hi]}, {"$oneOf": [...]}, {"$not": v}, {"$absent": true}, {"$persisted": true}; for lists one per element, null for any, e.g. [null, null, {"$min": 16777216}]` }),
  option: Type.Unknown({ description: `a value (exact match) or a rule (${RULE_OPERATORS.filter((o) => o !== '$persisted').join(', ')})` }),
};
const Baseline = snapshotShape(BASELINE_VALUES, true);
export const CheckBody = Type.Composite([Baseline, Type.Object({
  profile: Type.Optional(Type.String({ maxLength: 100, description: 'A named baseline (GET /v1/profiles), e.g. fasterdata-10g; then the values to check go under overrides' })),
  overrides: Type.Optional(Baseline),
})], { additionalProperties: false, description: 'A baseline (any subset of a snapshot, with rules at its leaves), or {"profile": NAME, "overrides": baseline}' });

/** Checks `value` with no coercion; the 400 names the first path at fault. */
export function strictly(check: TypeCheck<TSchema>, value: unknown, field: string): void {
  // Check is the compiled test; Errors walks the schema again, so it runs only for a document at fault.
  if (check.Check(value)) return;
  const first = check.Errors(value).First();
  if (first) {
    const got = JSON.stringify(first.value);
    const at = `${field}${first.path.replace(/\//g, '.')}`;
    if (got === undefined) throw errors.invalidValue(`${at} is missing: a snapshot document has host, sysctls and sockets, as GET /v1/defaults answers.`, at);
    throw errors.invalidValue(`${at}: ${got} is not a snapshot value (an integer, a list of integers, a string, a boolean, a linger or timeval object, or null).`, at);
  }
}

export const SnapshotRefInput = Type.Union([
  Type.String({ description: `a stored snapshot id, or "${CURRENT}" for this host now`, maxLength: 64 }),
  SnapshotInput,
], { description: `a snapshot document (as GET /v1/defaults answers), a stored snapshot id, or "${CURRENT}"` });

const Pointer = Type.String({ description: 'JSON Pointer (RFC 6901), e.g. /sysctls/net.core.rmem_max' });
const SourceSchema = Type.Object({
  source: StringEnum(['stored', 'inline', 'current'] as const), id: Type.Union([Type.String(), Type.Null()]),
  hostname: Type.Union([Type.String(), Type.Null()]), takenAt: Type.Union([Type.String(), Type.Null()]), state: Type.Union([Type.String(), Type.Null()]),
});
export const DiffSchema = Type.Object({
  identical: Type.Boolean(),
  compared: Type.Integer({ description: 'Paths compared: those of either document, the ignored ones aside' }),
  differences: Type.Array(Type.Object({ path: Pointer, a: Type.Unknown(), b: Type.Unknown() }), { description: 'null where a document has no such key' }),
  ignored: Type.Array(Pointer, { description: 'Paths left out: host identity, and those asked for' }),
  a: SourceSchema, b: SourceSchema,
});
export const CheckSchema = Type.Object({
  ok: Type.Boolean(),
  checked: Type.Integer({ description: 'Entries of the baseline compared (a list with per-element rules counts once)' }),
  passed: Type.Array(Pointer, { description: 'Entries this host meets' }),
  mismatches: Type.Array(Type.Object({
    path: Type.String({ description: 'JSON Pointer of the value; an element of a list has its index appended, e.g. /sysctls/net.ipv4.tcp_rmem/2' }),
    rule: StringEnum(['$eq', ...RULE_OPERATORS] as const, { description: '$eq: a plain value in the baseline' }),
    expected: Type.Unknown({ description: "The rule's operand: the value for $eq, the bound for $min and $max, [lo, hi] for $range, the list for $oneOf" }),
    actual: Type.Unknown({ description: "This host's value (for $persisted: the value the file sets); null where it has no such key" }),
    absent: Type.Optional(Type.Boolean({ description: 'This host has no such key' })),
    message: Type.String({ description: 'The mismatch in words, e.g. "net.core.rmem_max is 4194304, below the minimum 16777216"' }),
    profile: Type.Optional(Type.String({ description: 'The profile whose rule failed (absent for overrides)' })),
    source: Type.Optional(Type.String({ description: 'Where the profile has the value from' })),
  }, { additionalProperties: false })),
  profile: Type.Union([Type.String(), Type.Null()], { description: 'The profile checked, if any' }),
  state: StateSchema,
  host: HostFactsSchema,
}, { additionalProperties: false });
