const SI_PREFIXES = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

// Units that read better with the prefix folded in ("Gbit/s", "ms") than with "k"/"M" on every tick.
// Each rung is 1000 times the previous one.
const UNIT_LADDERS: Record<string, readonly string[]> = {
  'bit/s': ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'],
  'µs': ['µs', 'ms', 's'],
};

/** Byte counts: binary units, as socket buffer sizes are usually powers of two. */
export const BYTES = 'bytes';

// Intl never switches to exponent notation, so 1e-7 prints as 0.0000001 and 1e21 in full.
const plain = new Intl.NumberFormat('en-US', { useGrouping: false, maximumSignificantDigits: 21 });
const short = new Intl.NumberFormat('en-US', { useGrouping: false, maximumSignificantDigits: 4 });

/** A number rounded to 4 significant digits, never in exponent form. */
export function formatShort(value: number): string {
  return short.format(value);
}

/** Fewest decimals (up to 9) that show `value` exactly, e.g. 2.5 -> 1, 0.25 -> 2, 100 -> 0. */
export function decimalsFor(value: number): number {
  let decimals = 0;
  while (decimals < 9 && Math.abs(Math.round(value * 10 ** decimals) - value * 10 ** decimals) > 1e-6) decimals++;
  return decimals;
}

// Exact short forms only: 150000 becomes "150 k", but 65536 stays "65536" rather than a rounded "65.54 k".
function prefixed(value: number, base: number, prefixes: readonly string[]): [string, string] | null {
  const rung = Math.min(prefixes.length - 1, Math.floor(Math.log(Math.abs(value)) / Math.log(base) + 1e-9));
  if (rung < 1) return null;
  const scaled = value / base ** rung;
  return decimalsFor(scaled) <= 2 && Math.abs(scaled) < 1000 ? [formatShort(scaled), prefixes[rung]] : null;
}

/** A value as a tick label in `unit`: "4 KiB", "1 M", "65536", "0.25". */
export function formatExact(value: number, unit: string): string {
  if (unit === BYTES) {
    const [num, prefix] = prefixed(value, 1024, BINARY_UNITS) ?? prefixed(value, 1000, SI_PREFIXES) ?? [plain.format(value), ''];
    return `${num} ${BINARY_UNITS.includes(prefix) ? prefix : `${prefix}B`}`;
  }
  const si = prefixed(value, 1000, SI_PREFIXES);
  return si ? `${si[0]} ${si[1]}` : plain.format(value);
}

/** How a linear axis shows its values: divide by `divisor`, append `suffix`, and name `unit` in the title. */
export interface UnitScale {
  divisor: number;
  suffix: string;
  unit: string;
}

/** The scale for values up to `maxAbs`: a laddered unit ("Gbit/s") or an SI suffix on each tick ("200 k"). */
export function unitScale(unit: string, maxAbs: number): UnitScale {
  const ladder = UNIT_LADDERS[unit];
  const steps = maxAbs >= 1000 ? Math.floor(Math.log10(maxAbs) / 3 + 1e-9) : 0;
  if (ladder) {
    const rung = Math.min(steps, ladder.length - 1);
    return { divisor: 1000 ** rung, suffix: '', unit: ladder[rung] };
  }
  const rung = Math.min(steps, SI_PREFIXES.length - 1);
  return { divisor: 1000 ** rung, suffix: rung > 0 ? ` ${SI_PREFIXES[rung]}` : '', unit };
}
