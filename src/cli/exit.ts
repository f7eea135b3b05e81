// Exit codes are part of the command's interface (scripts and CI branch on them); the README lists them.
export const EXIT = {
  ok: 0,
  /** Snapshots differ, a host does not match its baseline, or a benchmark failed or was cancelled. */
  different: 1,
  /** Bad command line, unreadable input file, or a request the API refused (4xx). */
  usage: 2,
  /** The API cannot answer: unreachable, no answer in time, too busy (429), or failing (5xx). */
  unavailable: 3,
  /** A bug in the command itself (the stack trace goes to stderr). */
  software: 70,
  /** Ctrl-C: 128 + SIGINT, as shells report it. */
  interrupted: 130,
} as const;

/** Ends the command with one line on stderr (plus an optional hint) and its exit code. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number, readonly hint?: string) {
    super(message);
    this.name = 'CliError';
  }
}

export function usageError(command: string, message: string): CliError {
  return new CliError(`sockbench ${command}: ${message}`, EXIT.usage, `Run 'sockbench ${command} --help' for usage.`);
}
