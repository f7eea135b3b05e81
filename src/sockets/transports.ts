import { AF, SOCK, type SockAddr } from '../../native-bindings/index.js';

/** Every kind of socket sockbench builds: owned here, where sockets are made; options/ and the rest import it. */
export const TRANSPORTS = ['tcp4', 'tcp6', 'udp4', 'udp6', 'unix', 'unix-dgram'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface TransportInfo {
  domain: number;
  type: number;
  stream: boolean;
  /** The address a socket of this transport binds to on loopback (port 0: the kernel picks). */
  loopback: () => SockAddr;
}

let unixCounter = 0;
/** Abstract-namespace names: no file to clean up, unique per process and call. */
function unixName(): SockAddr {
  unixCounter = (unixCounter + 1) % Number.MAX_SAFE_INTEGER;
  return { family: 'unix', path: `sockbench-${process.pid}-${unixCounter}`, abstract: true };
}

const inet4 = (): SockAddr => ({ family: 'inet', address: '127.0.0.1', port: 0 });
const inet6 = (): SockAddr => ({ family: 'inet6', address: '::1', port: 0 });

export const TRANSPORT_INFO: Record<Transport, TransportInfo> = {
  tcp4: { domain: AF.INET, type: SOCK.STREAM, stream: true, loopback: inet4 },
  tcp6: { domain: AF.INET6, type: SOCK.STREAM, stream: true, loopback: inet6 },
  udp4: { domain: AF.INET, type: SOCK.DGRAM, stream: false, loopback: inet4 },
  udp6: { domain: AF.INET6, type: SOCK.DGRAM, stream: false, loopback: inet6 },
  unix: { domain: AF.UNIX, type: SOCK.STREAM, stream: true, loopback: unixName },
  'unix-dgram': { domain: AF.UNIX, type: SOCK.DGRAM, stream: false, loopback: unixName },
};
