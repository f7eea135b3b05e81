import { decodeTcpInfo, getsockopt, LEVELS, OPTNAMES, SysError, TCP_INFO_SIZE, type TcpInfo } from '../../../native-bindings/index.js';
import type { FdScope } from '../../sockets/fd-scope.js';
import type { Role } from '../../sockets/pair.js';
import { STOP, type Control } from '../control.js';
import type { SideInterval, SideReport, SideStart } from '../protocol.js';
import type { ResolvedBenchConfig } from '../types.js';

/** TCP_CONGESTION's buffer: the name and its NUL (docs/kernel-facts.md §1.2). */
const TCP_CA_NAME_MAX = 16;

/** Everything a side's loop needs, prepared before the go signal. */
export interface SideContext {
  role: Role;
  config: ResolvedBenchConfig;
  control: Control;
  start: SideStart;
  datagram: boolean;
  tcp: boolean;
  /** Descriptors the loop opens for itself (a sendfile memfd): closed when the job ends, however it ends. */
  scope: FdScope;
  /** Sends an interval to the main thread as the meter closes it (meters close none with intervals off). */
  publishInterval(sample: SideInterval): void;
}

/** A prepared loop: buffers are allocated; calling it runs the pattern until the end of the run. */
export type SideLoop = () => SideReport;

/** The main thread aborted the run: the worker reports "stopped", not a result. */
export class Aborted extends Error {
  constructor() {
    super('aborted');
    this.name = 'Aborted';
  }
}

/**
 * Runs a loop body. When the main thread stops the run it shuts the sockets down, so the
 * blocked call fails or returns 0: such a failure is the stop itself, not an error.
 */
export function untilStopped(control: Control, body: () => void): void {
  try {
    body();
  } catch (err) {
    if (control.stop === STOP.NONE) throw err;
  }
}

export function throwIfAborted(control: Control): void {
  if (control.stop === STOP.ABORT) throw new Aborted();
}

export function readTcpInfo(fd: number): TcpInfo | null {
  try {
    return decodeTcpInfo(getsockopt(fd, LEVELS.IPPROTO_TCP, OPTNAMES.IPPROTO_TCP.TCP_INFO, TCP_INFO_SIZE));
  } catch (err) {
    if (err instanceof SysError) return null;
    throw err;
  }
}

/** The socket's TCP_CONGESTION (null where it cannot be read). */
export function readCongestion(fd: number): string | null {
  try {
    const buf = getsockopt(fd, LEVELS.IPPROTO_TCP, OPTNAMES.IPPROTO_TCP.TCP_CONGESTION, TCP_CA_NAME_MAX);
    const end = buf.indexOf(0);
    return buf.subarray(0, end === -1 ? buf.length : end).toString('latin1') || null;
  } catch (err) {
    if (err instanceof SysError) return null;
    throw err;
  }
}

export class PeerClosedError extends Error {
  constructor(role: Role) {
    super(role === 'client' ? 'the server closed the connection in the middle of the run' : 'the client closed the connection in the middle of a request');
    this.name = 'PeerClosedError';
  }
}
