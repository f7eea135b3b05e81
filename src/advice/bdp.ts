
// The arithmetic of keeping a path full: the bandwidth-delay product, and the share of a socket
// buffer the kernel offers as TCP window. Shared by the tuning advisor and the findings about a
// run (a window-limited run goes at about window / RTT). Pure functions; units in the names.

/** The share a new connection's receive buffer offers as window, measured on a socket (src/host/window-share.ts reads it). */
export interface MeasuredWindowShare {
  rcvbufBytes: number;
  windowClampBytes: number;
  /** windowClampBytes / rcvbufBytes */
  ratio: number;
}

/** The largest window TCP can advertise: 65535 shifted by the largest window scale, 14 (RFC 7323). */
export const MAX_TCP_WINDOW_BYTES = 65535 * 2 ** 14;
/** The largest window without window scaling. */
export const UNSCALED_WINDOW_BYTES = 65535;
/** The largest socket buffer the kernel stores (INT_MAX). */
export const MAX_SOCKET_BUFFER_BYTES = 2 ** 31 - 1;

/** Bytes in flight that keep `bitsPerSecond` going over a round trip of `rttMicros`, rounded up. */
export function bdpBytes(bitsPerSecond: number, rttMicros: number): number {
  return Math.ceil((bitsPerSecond * rttMicros) / 8e6 - 1e-9);
}

/** The rate a window of `windowBytes` allows over a round trip of `rttMicros` (window / RTT). */
export function windowLimitBitsPerSecond(windowBytes: number, rttMicros: number): number {
  return (windowBytes * 8e6) / rttMicros;
}

/** How much of a socket's buffer this kernel offers as window, and why. */
export interface WindowShare {
  /** 0..1 */
  ratio: number;
  /** scaling_ratio: measured per socket (Linux 6.6 and later); tcp_adv_win_scale: the sysctl (before 6.6). */
  mechanism: 'scaling_ratio' | 'tcp_adv_win_scale';
  derivation: string;
}

/** "6.18.44-fc-v657" -> [6, 18]; null when the release does not start with major.minor. */
export function kernelVersion(release: string): [number, number] | null {
  const m = /^(\d+)\.(\d+)/.exec(release);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/** TCP_DEFAULT_SCALING_RATIO: the share a socket starts with (128/256) until it has measured its packets. */
const DEFAULT_SCALING_RATIO = 128 / 256;

/**
 * The share of the buffer offered as window. Linux 6.6 ("tcp: get rid of sysctl_tcp_adv_win_scale")
 * replaced the sysctl with a per-socket scaling_ratio = len/truesize of the packets received,
 * starting at 50 %; sizing for the starting share is safe, since the ratio only rises once data
 * flows on paths with dense packets (measured here: 89 % over veth at MTU 1500, 98 % on loopback).
 * Before 6.6, tcp_win_from_space() gave space - space/2^scale (scale > 0) or space/2^-scale.
 */
export function windowShare(kernelRelease: string, advWinScale: number | null, measured: MeasuredWindowShare | null = null): WindowShare {
  const version = kernelVersion(kernelRelease);
  const modern = version === null || version[0] > 6 || (version[0] === 6 && version[1] >= 6);
  const pct = (r: number) => `${(r * 100).toFixed(1)} %`;
  let rule: WindowShare;
  if (modern || advWinScale === null) {
    const ignored = advWinScale === null ? '' : ` (it reads ${advWinScale} here)`;
    rule = {
      ratio: DEFAULT_SCALING_RATIO,
      mechanism: 'scaling_ratio',
      derivation: `Kernel ${kernelRelease}: since Linux 6.6 net.ipv4.tcp_adv_win_scale is ignored${ignored}; each socket offers scaling_ratio/256 of its buffer as window, starting at 128/256 = 50 % and updated from the len/truesize of the packets it receives. Sized for the starting share: it is what a new connection offers, and it only rises once dense packets arrive (measured here: 89 % over veth at MTU 1500, 98 % on loopback).`,
    };
  } else {
    const ratio = advWinScale > 0 ? 1 - 2 ** -advWinScale : 2 ** advWinScale;
    rule = {
      ratio,
      mechanism: 'tcp_adv_win_scale',
      derivation: `Kernel ${kernelRelease} is older than 6.6: the window is the buffer less its tcp_adv_win_scale share; net.ipv4.tcp_adv_win_scale = ${advWinScale} gives ${advWinScale > 0 ? `1 - 1/2^${advWinScale}` : `1/2^${-advWinScale}`} = ${pct(ratio)}.`,
    };
  }
  if (measured === null) return { ...rule, derivation: `${rule.derivation} (Not measured here: the kernel's rule is used.)` };
  const agrees = Math.abs(measured.ratio - rule.ratio) < 0.01 ? `the ${pct(rule.ratio)} the kernel's rule gives` : `not the ${pct(rule.ratio)} the kernel's rule gives; the measurement is used`;
  return {
    ...rule,
    ratio: measured.ratio,
    derivation: `Measured now: the accepted end of a fresh tcp4 loopback connection clamps its window (TCP_WINDOW_CLAMP) at ${measured.windowClampBytes} bytes of its ${measured.rcvbufBytes}-byte SO_RCVBUF, ${pct(measured.ratio)}, ${agrees}. ${rule.derivation}`,
  };
}


/** The socket buffer whose window share is `windowBytes`, rounded up. */
export function bufferForWindow(windowBytes: number, share: number): number {
  return Math.ceil(windowBytes / share - 1e-9);
}

/** The window a buffer of `bufferBytes` offers. */
export function windowOfBuffer(bufferBytes: number, share: number): number {
  return Math.floor(bufferBytes * share + 1e-9);
}

/** The window scale a window of `windowBytes` needs (0..14), or null beyond TCP's largest window. */
export function windowScaleFor(windowBytes: number): number | null {
  if (windowBytes > MAX_TCP_WINDOW_BYTES) return null;
  let scale = 0;
  while (UNSCALED_WINDOW_BYTES * 2 ** scale < windowBytes) scale++;
  return scale;
}

/**
 * The send buffer that keeps `inFlightBytes` unacknowledged: twice it, as the kernel's own send
 * autotuning sizes it (tcp_sndbuf_expand: fast recovery needs about 1.7 windows, rounded to 2,
 * which also covers an application slow to refill after EPOLLOUT).
 */
export const SEND_BUFFER_FACTOR = 2;
export function sendBufferFor(inFlightBytes: number): number {
  return SEND_BUFFER_FACTOR * inFlightBytes;
}
