import { errors } from '../errors.js';
import { nearestNames } from '../options/catalog.js';
import { PROFILE_DATA, type ProfileData } from './profile-data.js';
import { compileBaseline, compileEntry, type BaselineEntry } from './rules.js';

// Named baselines (profile-data.ts), resolved once at start: a profile that extends another
// starts from its entries, and its own replace those at the same path.

export interface ProfileEntry {
  path: string;
  rule: unknown;
  source: string;
  note?: string;
  /** The profile that defines this entry: this one, or one it extends. */
  profile: string;
}

export interface Profile {
  name: string;
  summary: string;
  extends: string | null;
  entries: ProfileEntry[];
}

export interface ProfileSummary {
  name: string;
  summary: string;
  extends: string | null;
  entries: number;
}

const MAX_DEPTH = 8;

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
 * profile's entry at the same path, the others add to it. `fields` name the request fields of the
 * profile name and the overrides, for errors.
 */
export function profileBaseline(name: string, overrides: unknown, fields: { profile: string; overrides: string }, ignore: string[] = []): BaselineEntry[] {
  const found = PROFILES.get(name);
  if (!found) {
    const suggestions = suggest(name);
    throw errors.unknownProfile(`${fields.profile}: no profile "${name}". The profiles are ${[...PROFILES.keys()].join(', ')} (GET /v1/profiles).`, fields.profile, suggestions);
  }
  if (overrides === undefined) return found.baseline;
  const extra = compileBaseline(overrides, fields.overrides, ignore);
  const replaced = new Set(extra.map((e) => e.path));
  return [...found.baseline.filter((e) => !replaced.has(e.path)), ...extra];
}
