import { Type, type Static } from '@sinclair/typebox';
import { errors } from '../errors.js';
import { nearestNames } from '../options/catalog.js';
import { NOT_COMPARED } from './schema.js';
import { PROFILE_DATA, type ProfileData } from './profile-data.js';
import { compileBaseline, compileEntry, type BaselineEntry } from './rules.js';

// Named baselines (profile-data.ts), resolved once at start: a profile that extends another
// starts from its entries, and its own replace those at the same path.

/** A profile in the list (GET /v1/profiles). */
export const ProfileSummarySchema = Type.Object({
  name: Type.String({ examples: ['fasterdata-10g'] }),
  summary: Type.String(),
  extends: Type.Union([Type.String(), Type.Null()], { description: 'The profile this one starts from' }),
  entries: Type.Integer({ description: 'Entries, those inherited included' }),
}, { additionalProperties: false });

/** One profile's entry: a path into a snapshot, its rule, and where the value comes from. */
const ProfileEntrySchema = Type.Object({
  path: Type.String({ description: 'JSON Pointer into a defaults snapshot' }),
  rule: Type.Unknown({ description: 'A plain value or a rule, as a baseline holds it' }),
  source: Type.String({ description: 'Where the value comes from: a page, or a measurement' }),
  note: Type.Optional(Type.String()),
  profile: Type.String({ description: 'The profile that defines the entry: this one or one it extends' }),
}, { additionalProperties: false });

/** A profile with every entry (GET /v1/profiles/{name}). */
export const ProfileSchema = Type.Object({
  name: Type.String(),
  summary: Type.String(),
  extends: Type.Union([Type.String(), Type.Null()]),
  entries: Type.Array(ProfileEntrySchema, { description: 'Inherited entries first, then this profile\'s own' }),
}, { additionalProperties: false });

export type ProfileEntry = Static<typeof ProfileEntrySchema>;
export type Profile = Static<typeof ProfileSchema>;
export type ProfileSummary = Static<typeof ProfileSummarySchema>;

/** A baseline as clients give it: a baseline document (rules at its leaves), or a profile with overrides. */
export type BaselineInput = Record<string, unknown> & { profile?: string; overrides?: Record<string, unknown> };

export interface ResolvedBaseline {
  baseline: BaselineEntry[];
  /** The profile named, if any. */
  profile: string | null;
  /** The socket state the baseline asks for ("state": "connected" in it), if any. */
  state: 'fresh' | 'connected' | null;
}

const MAX_DEPTH = 8;
/** The top-level keys of a baseline with a profile; values to check go under `overrides`. */
const PROFILE_KEYS = new Set(['profile', 'overrides', 'state']);
/** Left out of every baseline: what comparisons leave out, and read failures; so a whole snapshot of this host is a baseline it meets. */
const NOT_CHECKED = [...NOT_COMPARED, '/errors'];

function resolve(data: ProfileData, byName: Map<string, ProfileData>, depth = 0): ProfileEntry[] {
  if (depth > MAX_DEPTH) throw new Error(`profile ${data.name}: extends more than ${MAX_DEPTH} deep (a cycle?)`);
  const base = data.extends === undefined ? [] : resolve(byName.get(data.extends) ?? missing(data), byName, depth + 1);
  const own = data.entries.map((e) => ({ ...e, profile: data.name }));
  const replaced = new Set(own.map((e) => e.path));
  return [...base.filter((e) => !replaced.has(e.path)), ...own];
}

function missing(data: ProfileData): never {
  throw new Error(`profile ${data.name} extends ${data.extends}, which does not exist`);
}

/** Every profile with its entries resolved and compiled; a bad entry in the data is an error at start. */
export function loadProfiles(data: ProfileData[]): Map<string, { profile: Profile; baseline: BaselineEntry[] }> {
  const byName = new Map(data.map((d) => [d.name, d]));
  return new Map(data.map((d) => {
    const entries = resolve(d, byName);
    const baseline = entries.map((e) => ({ ...compileEntry(e.path, e.rule, `profile ${e.profile}`), origin: { profile: e.profile, source: e.source } }));
    return [d.name, { profile: { name: d.name, summary: d.summary, extends: d.extends ?? null, entries }, baseline }];
  }));
}

const PROFILES = loadProfiles(PROFILE_DATA);

// nearestNames compares in upper case, as option names are; profile names are lower case.
const suggest = (name: string) => nearestNames(name, [...PROFILES.keys()].map((n) => n.toUpperCase())).map((n) => n.toLowerCase());

export function listProfiles(): ProfileSummary[] {
  return [...PROFILES.values()].map(({ profile: p }) => ({ name: p.name, summary: p.summary, extends: p.extends, entries: p.entries.length }));
}

export function getProfile(name: string): Profile {
  const found = PROFILES.get(name);
  if (!found) throw errors.profileNotFound(`No profile ${name}; GET /v1/profiles lists them (${[...PROFILES.keys()].join(', ')}).`, suggest(name));
  return found.profile;
}

/**
 * A profile's entries with `overrides` (a baseline document) on top: an override replaces the
 * profile's entry at the same path, the others add to it. `fields` name the profile name and the
 * overrides in errors.
 */
function profileBaseline(name: string, overrides: unknown, fields: { profile: string; overrides: string }): BaselineEntry[] {
  const found = PROFILES.get(name);
  if (!found) {
    const suggestions = suggest(name);
    throw errors.unknownProfile(`${fields.profile}: no profile "${name}". The profiles are ${[...PROFILES.keys()].join(', ')} (GET /v1/profiles).`, fields.profile, suggestions);
  }
  if (overrides === undefined) return found.baseline;
  const extra = compileBaseline(overrides, fields.overrides, NOT_CHECKED);
  const replaced = new Set(extra.map((e) => e.path));
  return [...found.baseline.filter((e) => !replaced.has(e.path)), ...extra];
}

/**
 * The entries to check for a baseline `input`, as POST /v1/defaults/check takes it: a baseline
 * document, or {"profile": NAME, "overrides": document}. Bad rules, an unknown profile, stray keys
 * beside a profile and an empty baseline throw 400s naming `field` and the path at fault. Check a
 * snapshot (any host's document) against the result with checkBaseline (rules.ts), e.g. for a
 * baseline given in the environment:
 *   const { baseline } = resolveBaseline({ profile: 'fasterdata-10g' }, 'SOCKBENCH_BASELINE');
 *   const { mismatches } = checkBaseline(takeDefaults(...), baseline);
 */
export function resolveBaseline(input: BaselineInput, field: string): ResolvedBaseline {
  let baseline: BaselineEntry[];
  let state: unknown = input.state;
  if (input.profile !== undefined) {
    const stray = Object.keys(input).filter((k) => !PROFILE_KEYS.has(k));
    if (stray.length > 0) {
      throw errors.invalidValue(`${field}.${stray[0]}: with a profile, put the values to check under "overrides", e.g. {"profile": "${input.profile}", "overrides": {"${stray[0]}": ...}}.`, `${field}.${stray[0]}`);
    }
    baseline = profileBaseline(input.profile, input.overrides, { profile: `${field}.profile`, overrides: `${field}.overrides` });
    state ??= input.overrides?.state;
  } else {
    if (input.overrides !== undefined) throw errors.invalidValue(`${field}.overrides: overrides change a profile; name one with "profile", or give the values at the top level.`, `${field}.overrides`);
    baseline = compileBaseline(input, field, NOT_CHECKED);
  }
  if (baseline.length === 0) {
    throw errors.invalidValue(`${field}: the baseline has no values to check. Give a subset of GET /v1/defaults, e.g. {"sysctls": {"net.core.rmem_max": {"$min": 16777216}}}, or {"profile": "fasterdata-10g"}.`, field);
  }
  return { baseline, profile: input.profile ?? null, state: state === 'connected' || state === 'fresh' ? state : null };
}
