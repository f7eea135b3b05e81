import { readFileSync } from 'node:fs';
import { isPlainObject } from '../json-documents.js';
import type { DefaultsSnapshot, SnapshotState } from './defaults.js';
import { resolveBaseline } from './profiles.js';
import { checkBaseline, type BaselineEntry } from './rules.js';

// The baseline a service checks itself against for Prometheus (SOCKBENCH_BASELINE): a JSON file
// (values or rules, as POST /v1/defaults/check takes them) or a profile name, resolved once at
// start with the check route's own code, and checked on every scrape.

const SETTING = 'SOCKBENCH_BASELINE';

/** A baseline's mismatches become series: this bounds how many one baseline can add. */
export const MAX_BASELINE_KEYS = 1000;

export interface Baseline {
  /** The file or the profile, for messages. */
  source: string;
  entries: BaselineEntry[];
  /** The state its values were taken in: a connected baseline is checked against connected sockets. */
  state: SnapshotState;
}

/** An unusable SOCKBENCH_BASELINE: the service does not start, and the message says why. */
export class BaselineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BaselineError';
  }
}

/** A profile name rather than a path: no slash, no .json. */
const looksLikeName = (setting: string) => !setting.includes('/') && !setting.endsWith('.json');

/** The document of a baseline file; null when there is no such file and the setting reads as a profile name. */
function readDocument(setting: string): Record<string, unknown> | null {
  let text: string;
  try {
    text = readFileSync(setting, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    if (code === 'ENOENT' && looksLikeName(setting)) return null;
    throw new BaselineError(`${SETTING}: cannot read ${setting}: ${code}.`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new BaselineError(`${SETTING}: ${setting} is not JSON: ${(err as Error).message}.`);
  }
  if (!isPlainObject(document)) {
    throw new BaselineError(`${SETTING}: ${setting} must hold a JSON object, as POST /v1/defaults/check takes it (e.g. {"sysctls": {"net.core.rmem_max": {"$min": 16777216}}}).`);
  }
  return document;
}

/** The baseline SOCKBENCH_BASELINE names: a JSON file, or a profile (GET /v1/profiles). */
export function loadBaseline(setting: string): Baseline {
  const document = readDocument(setting);
  let resolved;
  try {
    resolved = resolveBaseline(document ?? { profile: setting }, SETTING);
  } catch (err) {
    // The check route's 400s name the field and say what to change; here they stop the start.
    const reason = (err as Error).message;
    throw new BaselineError(document ? `${SETTING} (${setting}): ${reason}` : `${SETTING}: "${setting}" is neither a file nor a profile. ${reason}`);
  }
  if (resolved.baseline.length > MAX_BASELINE_KEYS) {
    throw new BaselineError(`${SETTING}: ${setting} has ${resolved.baseline.length} values; at most ${MAX_BASELINE_KEYS} (each mismatch is a Prometheus series).`);
  }
  return { source: setting, entries: resolved.baseline, state: resolved.state ?? 'fresh' };
}

/** The paths (JSON Pointers; an element of a list has its index appended) at which `snapshot` does not meet `baseline`. */
export function baselineMismatches(baseline: Baseline, snapshot: DefaultsSnapshot): string[] {
  return [...new Set(checkBaseline(snapshot, baseline.entries).mismatches.map((m) => m.path))];
}
