import { parseArgs, type ParseArgsConfig } from 'node:util';
import { usageError } from './exit.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** One subcommand: `run` gets the arguments after its name and resolves to an exit code. */
export interface Command {
  name: string;
  /** One line for `sockbench --help`. */
  summary: string;
  /** The whole text of `sockbench <name> --help`. */
  help: string;
  /** 'serving': the process stays up (the server's own shutdown handling ends it). */
  run(argv: string[]): Promise<number | 'serving'>;
}

/** How every command that talks to the API finds it; see `connect` in http.ts. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  token: { type: 'string' },
  'timeout-ms': { type: 'string' },
} as const satisfies Options;

export const CONNECTION_HELP = `Connection:
  --url URL         the API (default: $SOCKBENCH_URL, else http://127.0.0.1:8080)
  --token TOKEN     sent as "Authorization: Bearer TOKEN" (default: $SOCKBENCH_TOKEN)
  --timeout-ms N    longest wait for one HTTP answer (default 30000)`;

/**
 * node:util parseArgs, strict, with exactly `positionals` positional arguments (or any number for
 * 'any'); mistakes are usage errors.
 */
export function parse<const O extends Options>(command: string, argv: string[], options: O, positionals: string[] | 'any' = []) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: positionals.length > 0, strict: true });
  } catch (err) {
    throw usageError(command, (err as Error).message);
  }
  if (positionals !== 'any' && parsed.positionals.length !== positionals.length) {
    throw usageError(command, `expected ${positionals.length} argument${positionals.length === 1 ? '' : 's'} (${positionals.join(' ')}), got ${parsed.positionals.length}.`);
  }
  return parsed;
}

/** `--help` or `-h` anywhere before a `--` terminator. */
export function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/** A numeric flag; its range is the API's to check, so its message names the API field. */
export function numberFlag(command: string, flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw usageError(command, `--${flag} expects a number, got "${value}".`);
  return n;
}

/**
 * An option value as typed on a command line: integers, true/false, a JSON object
 * ({"onoff":1,"linger":5}, {"hex":"01000000"}), or else a string (cubic, eth0).
 */
export function optionValue(text: string): unknown {
  if (/^-?\d+$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text.startsWith('{')) return JSON.parse(text) as unknown;
  return text;
}

/** `NAME=VALUE` pairs from repeated flags, as the API's `{"NAME": value}` options object. */
export function optionAssignments(command: string, flag: string, items: string[]): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw usageError(command, `--${flag} expects NAME=VALUE (e.g. SO_SNDBUF=65536), got "${item}".`);
    const name = item.slice(0, eq);
    try {
      options[name] = optionValue(item.slice(eq + 1));
    } catch (err) {
      throw usageError(command, `--${flag} ${name}: the value is not valid JSON (${(err as Error).message}).`);
    }
  }
  return options;
}
