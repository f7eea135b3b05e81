import { bind, SysError, type SockAddr } from '../../native-bindings/index.js';

export interface PortRange {
  first: number;
  last: number;
}

/** "5201-5264" or "5201": the ports data listeners may use. Throws one line naming the setting. */
export function parsePortRange(text: string): PortRange {
  const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(text);
  const first = m ? Number(m[1]) : NaN;
  const last = m ? Number(m[2] ?? m[1]) : NaN;
  if (!(first >= 1 && last <= 65535 && first <= last)) {
    throw new Error(`SOCKBENCH_DATA_PORTS must be a port or a range "first-last" within 1-65535, got "${text}"`);
  }
  return { first, last };
}

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
