import {
  accept4, bind, connect, getsockname, getsockopt, listen, poll, POLL, send, setNonBlocking,
  SOCK, socket, SysError, LEVELS, OPTNAMES, MSG,
} from '../../native-bindings/index.js';
import { errors } from '../errors.js';
import type { Transport } from './transports.js';
import type { FdScope } from './fd-scope.js';
import { TRANSPORT_INFO } from './transports.js';

export type Role = 'client' | 'server';

/** Where callers configure the sockets of a pair, in the order the kernel needs. */
export interface PairHooks {
  /** Before bind(). On stream transports the listener stands for the server. */
  beforeBind?(role: Role, fd: number): void;
  /** Before listen() on the server side, before connect() on the client side. */
  beforeConnect?(role: Role, fd: number): void;
}

export interface SocketPair {
  transport: Transport;
  client: number;
  /** The accepted socket on stream transports, the bound receiver on datagram ones. */
  server: number;
  listener: number | null;
  /**
   * The server could accept only after the client sent one byte (TCP_DEFER_ACCEPT on the
   * listener, or TCP_FASTOPEN_CONNECT on the client, hold the connection until data arrives).
   */
  nudged: boolean;
}

const LISTEN_BACKLOG = 16;
/** How long to wait for accept() before sending the nudge byte. */
const NUDGE_AFTER_MS = 10;

export function openSocket(transport: Transport, scope: FdScope, nonBlocking = false): number {
  const info = TRANSPORT_INFO[transport];
  const flags = SOCK.CLOEXEC | (nonBlocking ? SOCK.NONBLOCK : 0);
  return scope.add(socket(info.domain, info.type | flags, 0));
}

function step<T>(transport: Transport, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SysError) {
      throw errors.pairSetupFailed(
        `Could not build a ${transport} loopback pair: ${what} failed with ${err.code} (${err.description}). ` +
          'An option set before bind or connect (SO_BINDTODEVICE, IPV6_V6ONLY, IP_FREEBIND...) can cause this; remove it or apply it to the other side.',
        err,
      );
    }
    throw err;
  }
}

function waitFor(transport: Transport, fd: number, events: number, timeoutMs: number, what: string): boolean {
  const revents = step(transport, what, () => poll(fd, events, timeoutMs));
  if (revents & (POLL.ERR | POLL.NVAL)) {
    const soError = getsockopt(fd, LEVELS.SOL_SOCKET, OPTNAMES.SOL_SOCKET.SO_ERROR, 4).readInt32LE(0);
    step(transport, what, () => { throw new SysError(what, soError || 5 /* EIO */); });
  }
  return (revents & events) !== 0;
}

/**
 * Builds a connected pair of sockets on loopback for `transport`, calling the hooks at each
 * phase. Every descriptor belongs to `scope`. Connect and accept are bounded by `timeoutMs`, so
 * an option that stalls the handshake cannot hang the caller.
 */
export function connectedPair(transport: Transport, scope: FdScope, hooks: PairHooks, timeoutMs: number): SocketPair {
  const info = TRANSPORT_INFO[transport];
  const isUnix = info.domain === TRANSPORT_INFO.unix.domain;

  const first = openSocket(transport, scope);
  hooks.beforeBind?.('server', first);
  step(transport, 'bind', () => bind(first, info.loopback()));
  hooks.beforeConnect?.('server', first);
  if (info.stream) step(transport, 'listen', () => listen(first, LISTEN_BACKLOG));
  const serverAddr = step(transport, 'getsockname', () => getsockname(first));

  const client = openSocket(transport, scope, true);
  hooks.beforeBind?.('client', client);
  // Unix stream clients stay unbound (autobind is not needed); everything else binds so that
  // before-bind options mean something and datagram servers can connect back.
  if (!(isUnix && info.stream)) step(transport, 'bind', () => bind(client, info.loopback()));
  hooks.beforeConnect?.('client', client);
  try {
    connect(client, serverAddr);
  } catch (err) {
    if (!(err instanceof SysError && (err.code === 'EINPROGRESS' || err.code === 'EAGAIN'))) {
      step(transport, 'connect', () => { throw err; });
    }
    if (!waitFor(transport, client, POLL.OUT, timeoutMs, 'connect')) {
      step(transport, 'connect', () => { throw new SysError('connect', 110 /* ETIMEDOUT */); });
    }
  }
  step(transport, 'fcntl', () => setNonBlocking(client, false));

  if (!info.stream) {
    const clientAddr = step(transport, 'getsockname', () => getsockname(client));
    step(transport, 'connect', () => connect(first, clientAddr));
    return { transport, client, server: first, listener: null, nudged: false };
  }

  let nudged = false;
  if (!waitFor(transport, first, POLL.IN, Math.min(NUDGE_AFTER_MS, timeoutMs), 'accept')) {
    step(transport, 'send', () => send(client, Buffer.from([0]), 1, MSG.NOSIGNAL));
    nudged = true;
    if (!waitFor(transport, first, POLL.IN, timeoutMs, 'accept')) {
      step(transport, 'accept', () => { throw new SysError('accept', 110 /* ETIMEDOUT */); });
    }
  }
  const server = scope.add(step(transport, 'accept', () => accept4(first, SOCK.CLOEXEC)));
  return { transport, client, server, listener: first, nudged };
}
