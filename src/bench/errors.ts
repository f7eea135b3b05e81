import type { Role } from '../sockets/pair.js';

// Engine errors carry what a caller needs to map them to API errors; the engine knows nothing of HTTP.

/** A config field is out of range or does not apply to the transport or pattern. */
export class BenchConfigError extends Error {
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.name = 'BenchConfigError';
    this.field = field;
  }
}

/** The caller's AbortSignal fired; `cause` is the signal's reason. */
export class BenchAbortedError extends Error {
  constructor(cause: unknown) {
    super('The benchmark was cancelled', { cause });
    this.name = 'AbortError';
  }
}

/** A phase of the run (worker start-up, the run itself) took longer than it may. */
export class BenchTimeoutError extends Error {
  readonly phase: string;

  constructor(phase: string, limitMs: number) {
    super(`The benchmark did not get past ${phase} within ${limitMs} ms`);
    this.name = 'BenchTimeoutError';
    this.phase = phase;
  }
}

/** What a worker sends back when a libc call or its own code failed. */
export interface SerializedError {
  name: string;
  message: string;
  syscall?: string;
  code?: string;
  errno?: number;
  /** Where in the worker it was thrown. */
  stack?: string;
}

/** A side failed: a libc call returned an error (then syscall, code and errno say which) or the worker died. */
export class BenchWorkerError extends Error {
  readonly side: Role;
  readonly syscall?: string;
  readonly code?: string;
  readonly errno?: number;

  constructor(side: Role, error: SerializedError) {
    super(`The ${side} side failed: ${error.message}`);
    this.name = 'BenchWorkerError';
    this.side = side;
    this.syscall = error.syscall;
    this.code = error.code;
    this.errno = error.errno;
    // The worker's stack says where the side failed; this thread's would only show the message handler.
    if (error.stack) this.stack = `${this.name}: ${this.message}\n${error.stack.split('\n').slice(1).join('\n')}`;
  }
}
