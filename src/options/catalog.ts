import { LEVELS, OPTNAMES, type LevelName } from '../../native-bindings/index.js';
import { CATALOG_DATA } from './catalog-data.js';
import type { CatalogEntry, Transport } from './types.js';

function resolve(): CatalogEntry[] {
  return CATALOG_DATA.map((spec) => {
    const optname = OPTNAMES[spec.level][spec.name];
    if (optname === undefined) throw new Error(`catalog: ${spec.level}/${spec.name} has no number in native-bindings OPTNAMES`);
    return { ...spec, levelNumber: LEVELS[spec.level], optname };
  });
}

export const CATALOG: readonly CatalogEntry[] = resolve();

const BY_NAME = new Map(CATALOG.map((e) => [e.name, e]));
const BY_NUMBER = new Map(CATALOG.map((e) => [`${e.levelNumber}:${e.optname}`, e]));
const LEVEL_BY_NUMBER = new Map(Object.entries(LEVELS).map(([name, n]) => [n as number, name as LevelName]));

export function findOption(name: string): CatalogEntry | undefined {
  return BY_NAME.get(name.toUpperCase());
}

export function findOptionByNumber(level: number, optname: number): CatalogEntry | undefined {
  return BY_NUMBER.get(`${level}:${optname}`);
}

export function levelName(level: number): LevelName | undefined {
  return LEVEL_BY_NUMBER.get(level);
}

export function optionsFor(filter: { level?: LevelName; transport?: Transport }): CatalogEntry[] {
  return CATALOG.filter((e) =>
    (filter.level === undefined || e.level === filter.level) &&
    (filter.transport === undefined || e.transports.includes(filter.transport)));
}

/** Levenshtein distance, for "did you mean" suggestions. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length];
}

/** The names closest to `input` (at most `count`), best first. */
export function nearestNames(input: string, names: Iterable<string>, count = 3): string[] {
  const needle = input.toUpperCase();
  return [...names]
    .map((name) => {
      const bare = name.replace(/^(SO|TCP|IP|IPV6|UDP)_/, '');
      const d = Math.min(distance(needle, name), distance(needle, bare));
      // A name that contains the input is a better suggestion than its edit distance says.
      return { name, d: name.includes(needle) && needle.length >= 3 ? Math.min(d, 1) : d };
    })
    .filter((x) => x.d <= Math.max(3, Math.floor(needle.length / 2)))
    .sort((a, b) => a.d - b.d || a.name.localeCompare(b.name))
    .slice(0, count)
    .map((x) => x.name);
}

export function suggestOptions(input: string): string[] {
  return nearestNames(input, BY_NAME.keys());
}
