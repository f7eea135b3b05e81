import type { Profile, ProfileSummary } from '../host/profiles.js';
import { table, valueText } from './text.js';

/** A baseline entry's rule: a plain value as such, a rule object as JSON. */
function ruleText(rule: unknown): string {
  return Array.isArray(rule) || typeof rule !== 'object' || rule === null ? valueText(rule) : JSON.stringify(rule);
}

/** The profiles, one line each. */
export const profileListText = (list: ProfileSummary[]): string => table(['NAME', 'EXTENDS', 'ENTRIES', 'SUMMARY'], list.map((p) => [p.name, p.extends, p.entries, p.summary]));
/** One profile: what it extends, then every entry with its source. */
export const profileText = (p: Profile): string => `${p.name}${p.extends ? ` (extends ${p.extends})` : ''}: ${p.summary}\n\n`
  + table(['PATH', 'RULE', 'FROM', 'SOURCE'], p.entries.map((e) => [e.path, ruleText(e.rule), e.profile, e.source]));
