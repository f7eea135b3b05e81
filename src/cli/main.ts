#!/usr/bin/env node
// The sockbench command: a client of the HTTP API (or, for serve, the server itself). It holds no
// socket logic of its own; every answer comes from the same routes curl users get.
import { wantsHelp, type Command } from './args.js';
import { CliError, EXIT } from './exit.js';
import { print } from './output.js';
import { advise } from './commands/advise.js';
import { bench } from './commands/bench.js';
import { check } from './commands/check.js';
import { defaults } from './commands/defaults.js';
import { diff } from './commands/diff.js';
import { fleet } from './commands/fleet.js';
import { options } from './commands/options.js';
import { probe } from './commands/probe.js';
import { serve } from './commands/serve.js';

const COMMANDS: Command[] = [serve, defaults, diff, check, fleet, options, probe, bench, advise];

const USAGE = `Usage: sockbench <command> [options]

What Linux socket options really do on a host, through the sockbench HTTP API.

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)}${c.summary}`).join('\n')}

Every command but serve talks to --url (default: $SOCKBENCH_URL, else http://127.0.0.1:8080).
Exit codes: 0 success; 1 different, mismatch, or benchmark failed/cancelled; 2 bad usage or
refused by the API (4xx); 3 API unreachable, busy (429) or failing (5xx); 130 interrupted.

Run 'sockbench <command> --help' for a command's options.
`;

async function main(argv: string[]): Promise<number | 'serving'> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = COMMANDS.find((c) => c.name === rest[0]);
    await print(topic ? topic.help : USAGE);
    return EXIT.ok;
  }
  if (name === undefined) throw new CliError('sockbench: a command is required.', EXIT.usage, USAGE.trimEnd());
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    throw new CliError(`sockbench: unknown command "${name}"; the commands are ${COMMANDS.map((c) => c.name).join(', ')}.`, EXIT.usage, "Run 'sockbench --help' for usage.");
  }
  if (wantsHelp(rest)) {
    await print(command.help);
    return EXIT.ok;
  }
  return command.run(rest);
}

function fail(err: unknown): never {
  if (err instanceof CliError) {
    process.stderr.write(`${err.message}\n${err.hint ? `${err.hint}\n` : ''}`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`sockbench: unexpected error (a bug; please report it): ${(err as Error).stack ?? String(err)}\n`);
  process.exit(EXIT.software);
}

main(process.argv.slice(2)).then((code) => {
  // A server keeps the process alive; close-with-grace ends it on a signal.
  if (code !== 'serving') process.exit(code);
}, fail);
