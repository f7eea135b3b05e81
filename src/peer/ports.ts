import { bind, SysError, type SockAddr } from '../../native-bindings/index.js';
import type { PortRange } from '../config.js';

/**
 * Binds `fd` to the first free port of `range` on `address` (the wildcard of its family).
 * Returns the port, or null when every port of the range is taken.
 */
export function bindInRange(fd: number, family: 'inet' | 'inet6', range: PortRange): number | null {
  const address = family === 'inet' ? '0.0.0.0' : '::';
  for (let port = range.first; port <= range.last; port++) {
    try {
      bind(fd, { family, address, port } as SockAddr);
      return port;
    } catch (err) {
      if (!(err instanceof SysError) || err.code !== 'EADDRINUSE') throw err;
    }
  }
  return null;
}
