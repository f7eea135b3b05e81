// What the kernel stores for SO_SNDBUF/SO_RCVBUF (net/core/sock.c, sk_setsockopt), measured on
// 6.18 x86_64 (docs/kernel-facts.md §4): stored = max(2 × min((u32)value, max, INT_MAX/2), minimum).
// SOCK_MIN_SNDBUF and SOCK_MIN_RCVBUF are 2 × (2048 + SKB_DATA_ALIGN(sizeof(struct sk_buff)))
// and half of that; socket(7) still says 2048 and 256.

export const MIN_SNDBUF = 4608;
export const MIN_RCVBUF = 2304;
const INT_MAX_HALF = Math.floor((2 ** 31 - 1) / 2);

export interface StoredBuffer {
  /** The size the kernel stores and getsockopt reads back. */
  stored: number;
  /** The value was above the sysctl maximum (net.core.wmem_max / rmem_max) and was cut to it before doubling. */
  clamped: boolean;
  /** Twice the value was below the kernel's minimum, which was stored instead. */
  raised: boolean;
}

/**
 * The size a setsockopt of `value` stores. `max` is net.core.wmem_max or rmem_max (null: unknown,
 * or the *FORCE options, which ignore it).
 */
export function storedBufferSize(value: number, max: number | null, send: boolean): StoredBuffer {
  const u32 = value >>> 0;
  const cap = max === null ? INT_MAX_HALF : Math.min(max, INT_MAX_HALF);
  const min = send ? MIN_SNDBUF : MIN_RCVBUF;
  const doubled = 2 * Math.min(u32, cap);
  return { stored: Math.max(doubled, min), clamped: u32 > cap, raised: doubled < min };
}
