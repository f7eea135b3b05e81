import type { MeasuredWindowShare } from '../advice/bdp.js';
import { probe } from '../options/probe.js';

// How much of a new connection's receive buffer this kernel offers as window, read now rather
// than assumed: the accepted end of a fresh tcp4 loopback pair, TCP_WINDOW_CLAMP over SO_RCVBUF.
// Before any data the kernel clamps the window at its starting share (scaling_ratio 128/256 on
// Linux 6.6 and later, tcp_adv_win_scale before), which is what a new connection on any path gets.

// What the advice reads of it is the advice's own type (src/advice/bdp.ts).
export type { MeasuredWindowShare };

/** The measurement, or null when the pair cannot be built or read here. */
export function measureWindowShare(timeoutMs: number): MeasuredWindowShare | null {
  let result;
  try {
    result = probe({ transport: 'tcp4', side: 'server', get: [{ name: 'SO_RCVBUF' }, { name: 'TCP_WINDOW_CLAMP' }] }, { maxOptions: 2, timeoutMs });
  } catch {
    // No loopback here (a namespace without lo up), or out of descriptors: the kernel's rule stands in.
    return null;
  }
  const [rcvbuf, clamp] = result.get.map((g) => (g.ok && typeof g.value === 'number' ? g.value : null));
  if (rcvbuf === null || clamp === null || !(rcvbuf > 0) || !(clamp > 0)) return null;
  return { rcvbufBytes: rcvbuf, windowClampBytes: clamp, ratio: clamp / rcvbuf };
}
