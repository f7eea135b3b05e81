import type { SockAddr } from '../../native-bindings/index.js';

/** "127.0.0.1:5000", "[::1]:5000", "@name" (abstract unix) or the unix path. */
export function formatAddress(addr: SockAddr): string {
  switch (addr.family) {
    case 'inet': return `${addr.address}:${addr.port}`;
    case 'inet6': return `[${addr.address}]:${addr.port}`;
    case 'unix': return addr.abstract ? `@${addr.path}` : addr.path || '(unnamed)';
  }
}
