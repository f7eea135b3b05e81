import { BlockList, isIPv4, isIPv6 } from 'node:net';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** True when only this host can reach `host`: 127.0.0.0/8, ::1 (in any spelling, IPv4-mapped too) or localhost. */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  if (isIPv4(host)) return loopback.check(host, 'ipv4');
  // 0.0.0.0 and :: (every interface) are not loopback; neither is a name, which may resolve to anything.
  return isIPv6(host) && loopback.check(host, 'ipv6');
}

/** The three settings that decide who can reach the service (src/config.ts has them all). */
export interface Exposure {
  SOCKBENCH_HOST: string;
  SOCKBENCH_TOKEN?: string;
  SOCKBENCH_ALLOW_ANONYMOUS: boolean;
}

/**
 * Why the service must not start with `config`, or null: reachable from other hosts with no token
 * means anyone there may run load on this host, so it takes SOCKBENCH_ALLOW_ANONYMOUS to say so.
 */
export function exposureRefusal(config: Exposure): string | null {
  if (config.SOCKBENCH_TOKEN || config.SOCKBENCH_ALLOW_ANONYMOUS || isLoopbackHost(config.SOCKBENCH_HOST)) return null;
  return `refusing to listen on ${config.SOCKBENCH_HOST} without a token: set SOCKBENCH_TOKEN (clients send "Authorization: Bearer <token>"), ` +
    'listen on a loopback address (SOCKBENCH_HOST=127.0.0.1), or set SOCKBENCH_ALLOW_ANONYMOUS=true to let anyone who can reach it in';
}
