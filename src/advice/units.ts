// How the advice writes its figures in sentences; the text report uses the same, so a figure reads
// alike in a reason and in the table above it.

/** 10 Gbit/s, 419.43 Mbit/s, 409.6 kbit/s: up to three decimals, trailing zeros dropped. */
export function rateText(bitsPerSecond: number): string {
  if (bitsPerSecond >= 1e9) return `${+(bitsPerSecond / 1e9).toFixed(3)} Gbit/s`;
  if (bitsPerSecond >= 1e6) return `${+(bitsPerSecond / 1e6).toFixed(3)} Mbit/s`;
  return `${+(bitsPerSecond / 1e3).toFixed(3)} kbit/s`;
}

/** 95.4 MiB */
export function mibText(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

/** 80 ms, 0.036 ms */
export function msText(ms: number): string {
  return `${+ms.toFixed(3)} ms`;
}
