import { MSG, recv, send, setsockopt } from '../../../native-bindings/index.js';
import type { Phase } from '../../options/types.js';
import type { RawSocketOption } from '../types.js';
import type { Counters } from './meter.js';

/** A peer that went away must not kill the process with SIGPIPE; the loop sees EPIPE instead. */
export const SEND_FLAGS = MSG.NOSIGNAL;

/**
 * Sends `len` bytes of `buf`. One call on the common path; a blocking stream send returns short
 * only when interrupted, and then the rest goes in further calls.
 */
export function sendAll(fd: number, buf: Buffer, len: number, c: Counters): void {
  let sent = send(fd, buf, len, SEND_FLAGS);
  c.calls++;
  c.bytes += sent;
  while (sent < len) {
    const n = send(fd, buf.subarray(sent), len - sent, SEND_FLAGS);
    c.calls++;
    c.bytes += n;
    sent += n;
  }
}

/** Reads until `len` bytes have arrived or the stream ends; returns how many arrived. */
export function recvExactly(fd: number, buf: Buffer, len: number, c: Counters): number {
  let got = recv(fd, buf, len, 0);
  c.calls++;
  c.bytes += got;
  while (got < len && got > 0) {
    const n = recv(fd, buf.subarray(got), len - got, 0);
    c.calls++;
    if (n === 0) break;
    c.bytes += n;
    got += n;
  }
  return got;
}

/** Reads datagrams until `len` bytes have arrived; returns 0 when the socket was shut down. */
export function recvDatagrams(fd: number, buf: Buffer, len: number, c: Counters): number {
  let got = 0;
  while (got < len) {
    const n = recv(fd, buf, buf.length, 0);
    c.calls++;
    if (n === 0) return 0;
    c.bytes += n;
    got += n;
  }
  return got;
}

/** Splits `size` bytes into `writes` views of `buf`, as even as they come. */
export function requestPieces(buf: Buffer, size: number, writes: number): Buffer[] {
  const base = Math.floor(size / writes);
  const extra = size % writes;
  const pieces: Buffer[] = [];
  let offset = 0;
  for (let i = 0; i < writes; i++) {
    const len = base + (i < extra ? 1 : 0);
    pieces.push(buf.subarray(offset, offset + len));
    offset += len;
  }
  return pieces;
}

export function applyRawOptions(fd: number, options: RawSocketOption[], phase: Phase): void {
  for (const opt of options) {
    if (opt.phase === phase) setsockopt(fd, opt.level, opt.optname, Buffer.from(opt.value.buffer, opt.value.byteOffset, opt.value.byteLength));
  }
}
