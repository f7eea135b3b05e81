import { LEVELS, OPTNAMES, type LevelName } from '../../native-bindings/index.js';
import { errors } from '../errors.js';
import { findOption, findOptionByNumber, levelName, nearestNames, suggestOptions } from './catalog.js';
import { DEFAULT_BUFLEN, encodeValue, isHexValue } from './codec.js';
import type { CatalogEntry, OptionValue, Phase, ValueType } from './types.js';

/** One option as a client names it in the list form. */
export interface OptionItem {
  level?: string | number;
  name: string | number;
  value: OptionValue;
  phase?: Phase;
}

/** The map form `{ "SO_SNDBUF": 4096 }` or the list form `[{ level, name, value }]`. */
export type OptionsInput = Record<string, OptionValue> | OptionItem[];

export interface GetItem {
  level?: string | number;
  name: string | number;
  buflen?: number;
}

/** Which option a request names: a catalogued one, or a raw (level, optname) pair. */
export interface Target {
  /** null for a (level, optname) pair the catalog does not know: applied raw. */
  entry: CatalogEntry | null;
  name: string;
  level: string;
  levelNumber: number;
  optname: number;
}

/** An option with everything needed to apply it and report on it. */
export interface ResolvedOption extends Target {
  field: string;
  type: ValueType | null;
  requested: OptionValue;
  bytes: Buffer;
  phase: Phase;
}

export interface ResolvedGet extends Target {
  field: string;
  buflen: number;
}

const LEVEL_NAMES = Object.keys(LEVELS) as LevelName[];

function resolveLevel(level: string | number | undefined, field: string): number | undefined {
  if (level === undefined) return undefined;
  if (typeof level === 'number') return level;
  if (/^-?\d+$/.test(level)) return Number(level);
  const upper = level.toUpperCase() as LevelName;
  if (upper in LEVELS) return LEVELS[upper];
  throw errors.unknownLevel(
    `${field}: unknown level "${level}". Use one of ${LEVEL_NAMES.join(', ')} or a level number.`,
    field, nearestNames(level, LEVEL_NAMES),
  );
}

/** A name known to native-bindings but not catalogued (e.g. SO_DEBUG): applied raw. */
function findUncatalogued(name: string): { level: LevelName; optname: number } | undefined {
  for (const level of LEVEL_NAMES) {
    const optname = OPTNAMES[level][name.toUpperCase()];
    if (optname !== undefined) return { level, optname };
  }
  return undefined;
}

function resolveTarget(levelIn: string | number | undefined, nameIn: string | number, field: string): Target {
  const levelNumber = resolveLevel(levelIn, `${field}.level`);
  const numericName = typeof nameIn === 'number' || /^\d+$/.test(nameIn);
  if (numericName) {
    if (levelNumber === undefined) {
      throw errors.unknownLevel(`${field}: a numeric option name needs a level, e.g. {"level": "IPPROTO_TCP", "name": ${Number(nameIn)}}.`, `${field}.level`, []);
    }
    const optname = Number(nameIn);
    const entry = findOptionByNumber(levelNumber, optname) ?? null;
    const level = levelName(levelNumber) ?? String(levelNumber);
    return { entry, name: entry?.name ?? String(optname), level, levelNumber, optname };
  }
  const name = String(nameIn);
  const entry = findOption(name);
  const known = entry ? { level: entry.level, optname: entry.optname } : findUncatalogued(name);
  if (!known) {
    const suggestions = suggestOptions(name);
    const hint = suggestions.length > 0 ? ` Did you mean ${suggestions.join(', ')}?` : '';
    throw errors.unknownOption(
      `${field}: unknown option "${name}".${hint} GET /v1/options lists every option; an uncatalogued one can be given as {"level": <number>, "name": <number>}.`,
      field, suggestions,
    );
  }
  if (levelNumber !== undefined && levelNumber !== LEVELS[known.level]) {
    throw errors.unknownOption(`${field}: ${name.toUpperCase()} is an option of level ${known.level}, not ${levelIn}. Drop "level" or set it to ${known.level}.`, field, [name.toUpperCase()]);
  }
  return { entry: entry ?? null, name: name.toUpperCase(), level: known.level, levelNumber: LEVELS[known.level], optname: known.optname };
}

function toItems(input: OptionsInput, prefix: string): Array<{ item: OptionItem; field: string }> {
  if (Array.isArray(input)) return input.map((item, i) => ({ item, field: `${prefix}[${i}]` }));
  return Object.entries(input).map(([name, value]) => ({ item: { name, value }, field: `${prefix}.${name}` }));
}

/** `prefix` names the options in errors: "options", or "options.client" for a benchmark side. */
export function resolveOptions(input: OptionsInput, max: number, prefix = 'options'): ResolvedOption[] {
  const items = toItems(input, prefix);
  if (items.length > max) {
    throw errors.invalidValue(`${prefix}: ${items.length} options is more than the limit of ${max} per request (SOCKBENCH_MAX_OPTIONS).`, prefix);
  }
  return items.map(({ item, field }) => {
    const target = resolveTarget(item.level, item.name, field);
    const type = target.entry?.type ?? null;
    const bytes = encodeValue(type, item.value, field);
    return {
      field, ...target, type, requested: item.value, bytes,
      // Raw options have no known phase: they are applied once the pair is connected.
      phase: item.phase ?? target.entry?.phase ?? 'any',
    };
  });
}

export function resolveGets(input: GetItem[], max: number): ResolvedGet[] {
  if (input.length > max) {
    throw errors.invalidValue(`get: ${input.length} reads is more than the limit of ${max} per request (SOCKBENCH_MAX_OPTIONS).`, 'get');
  }
  return input.map((item, i) => {
    const field = `get[${i}]`;
    const target = resolveTarget(item.level, item.name, field);
    const buflen = item.buflen ?? (target.entry ? DEFAULT_BUFLEN[target.entry.type] : DEFAULT_BUFLEN.bytes);
    return { field, ...target, buflen };
  });
}

/** How a requested value is decoded when read back: raw options follow the form they were given in. */
export function readType(opt: ResolvedOption): ValueType | null {
  if (opt.type !== null) return opt.type;
  return isHexValue(opt.requested) ? null : 'int';
}
