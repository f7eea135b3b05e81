import { timingSafeEqual } from 'node:crypto';
import { MSG, recv, SysError } from '../../native-bindings/index.js';

/**
 * An accepted connection that has not yet sent all of a session key (peer benchmarks). Keys are
 * read without blocking and never a byte past the key, so a request that follows stays unread;
 * many can be heard side by side, so a silent one never holds up the one with the key.
 */
export class PendingKey {
  readonly got: Buffer;
  have = 0;
  /** Date.now() ms after which the connection counts as silent. */
  readonly until: number;

  constructor(readonly fd: number, keyBytes: number, timeoutMs: number) {
    this.got = Buffer.alloc(keyBytes);
    this.until = Date.now() + timeoutMs;
  }

  get complete(): boolean {
    return this.have === this.got.length;
  }

  /** Reads what has arrived of the key; false once the connection is closed or failed. */
  read(): boolean {
    while (!this.complete) {
      try {
        const n = recv(this.fd, this.got.subarray(this.have), this.got.length - this.have, MSG.DONTWAIT);
        if (n === 0) return false;
        this.have += n;
      } catch (err) {
        if (!(err instanceof SysError)) throw err;
        return err.code === 'EAGAIN';
      }
    }
    return true;
  }

  matches(key: Buffer): boolean {
    return this.complete && timingSafeEqual(this.got, key);
  }
}

/** At most this many connections presenting their key at once. */
export const MAX_PENDING = 64;

/** Adds `p` to `pending`; at the bound the oldest goes first (it has had the longest time to speak), to `refuse`. */
export function admit(pending: PendingKey[], p: PendingKey, refuse: (old: PendingKey) => void): void {
  if (pending.length >= MAX_PENDING) refuse(pending.shift()!);
  pending.push(p);
}

/**
 * Reads every pending connection once. Returns the first that presented `key`, taken out of
 * `pending`; hands each one that failed (another key, closed, or silent past its time) to
 * `refuse`, also taken out. Null when none has the key yet.
 */
export function takeKeyed(pending: PendingKey[], key: Buffer, refuse: (p: PendingKey) => void): number | null {
  const now = Date.now();
  for (let i = 0; i < pending.length; i++) {
    const p = pending[i];
    const open = p.read();
    if (p.matches(key)) {
      pending.splice(i, 1);
      return p.fd;
    }
    if (p.complete || !open || now >= p.until) {
      pending.splice(i--, 1);
      refuse(p);
    }
  }
  return null;
}
