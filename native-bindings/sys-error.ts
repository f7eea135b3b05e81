import koffi from 'koffi';
import { c } from './libc.js';

const ERRNO_NAMES: Map<number, string> = new Map();
for (const [name, value] of Object.entries(koffi.os.errno as Record<string, number>)) {
  // Aliases share numbers (EWOULDBLOCK = EAGAIN, EDEADLOCK = EDEADLK): keep the first, canonical one.
  if (!ERRNO_NAMES.has(value)) ERRNO_NAMES.set(value, name);
}

export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `E${errno}`;
}

export function errnoNumber(name: string): number | undefined {
  return (koffi.os.errno as Record<string, number>)[name];
}

/** A libc call that returned -1. `code` is the errno's symbolic name, e.g. 'EINVAL'. */
export class SysError extends Error {
  readonly syscall: string;
  readonly errno: number;
  readonly code: string;

  constructor(syscall: string, errno: number) {
    const code = errnoName(errno);
    super(`${syscall}: ${code} (${c.strerror(errno) as string})`);
    this.name = 'SysError';
    this.syscall = syscall;
    this.errno = errno;
    this.code = code;
  }

  /** The C library's text for this errno, e.g. "Operation not permitted". */
  get description(): string {
    return c.strerror(this.errno) as string;
  }
}
