import { AF, LEVELS, OPTNAMES, SOCK, close, decodeTimeval, encodeTimeval, getsockopt, setsockopt, socket } from '../../native-bindings/index.js';

let tick: number | null | undefined;

/**
 * One kernel clock tick in microseconds, measured: socket timeouts are rounded up to whole
 * ticks, so a 1 µs SO_RCVTIMEO reads back as exactly one tick (4000 µs at CONFIG_HZ=250).
 */
export function clockTickMicros(): number | null {
  if (tick !== undefined) return tick;
  const fd = socket(AF.UNIX, SOCK.DGRAM | SOCK.CLOEXEC);
  try {
    const optname = OPTNAMES.SOL_SOCKET.SO_RCVTIMEO;
    setsockopt(fd, LEVELS.SOL_SOCKET, optname, encodeTimeval({ sec: 0, usec: 1 }));
    const t = decodeTimeval(getsockopt(fd, LEVELS.SOL_SOCKET, optname, 16));
    tick = t.sec * 1e6 + t.usec;
  } catch {
    tick = null;
  } finally {
    close(fd);
  }
  return tick;
}
