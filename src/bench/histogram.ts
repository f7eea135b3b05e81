import { hdrHistogram, type Histogram } from './hdr.js';
import type { LatencySummary } from './types.js';

// hdr-histogram-js costs 100-125 ns per recordValue in pure JS, close to 1% of a 15 µs round
// trip. The hot loop therefore records into counters with HdrHistogram's own layout (3
// significant digits: 2048 sub-buckets, lowest value 1) in about 10-20 ns, and the buckets are
// handed to hdr-histogram-js once, for percentiles and encoding.

const SUB_BUCKET_BITS = 11;
const SUB_BUCKET_COUNT = 1 << SUB_BUCKET_BITS;
const SUB_BUCKET_HALF_BITS = SUB_BUCKET_BITS - 1;
const SUB_BUCKET_HALF = 1 << SUB_BUCKET_HALF_BITS;
/** Enough buckets for values up to 2^53 ns. */
const COUNTS_LENGTH = (53 - SUB_BUCKET_BITS + 2) << SUB_BUCKET_HALF_BITS;

function bucketOf(value: number): number {
  if (value < SUB_BUCKET_COUNT) return value;
  if (value < 2 ** 32) {
    const bucket = 31 - Math.clz32(value) - SUB_BUCKET_HALF_BITS;
    return ((bucket + 1) << SUB_BUCKET_HALF_BITS) + (value >>> bucket) - SUB_BUCKET_HALF;
  }
  const bucket = Math.floor(Math.log2(value)) - SUB_BUCKET_HALF_BITS;
  return ((bucket + 1) << SUB_BUCKET_HALF_BITS) + Math.floor(value / 2 ** bucket) - SUB_BUCKET_HALF;
}

function lowestValueOf(index: number): number {
  if (index < SUB_BUCKET_COUNT) return index;
  const bucket = (index >> SUB_BUCKET_HALF_BITS) - 1;
  return ((index & (SUB_BUCKET_HALF - 1)) + SUB_BUCKET_HALF) * 2 ** bucket;
}

const NS_PER_MICRO = 1000;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export const EMPTY_LATENCY: LatencySummary = Object.freeze({
  min: null, mean: null, p50: null, p90: null, p99: null, p999: null, max: null, stdev: null,
});

/** Latencies in integer nanoseconds; summaries in microseconds. */
export class LatencyRecorder {
  readonly #counts = new Uint32Array(COUNTS_LENGTH);
  #count = 0;
  #min = Infinity;
  #max = 0;
  // Sums of the values shifted by the first one: the variance stays exact to well below a
  // nanosecond where plain sums of squares of ~1e5 ns values would not, and there is no division.
  #shift = -1;
  #sum = 0;
  #sumSquares = 0;

  record(ns: number): void {
    const v = ns < 1 ? 1 : Math.round(ns);
    this.#counts[bucketOf(v)]++;
    this.#count++;
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
    if (this.#shift < 0) this.#shift = v;
    const d = v - this.#shift;
    this.#sum += d;
    this.#sumSquares += d * d;
  }

  get count(): number {
    return this.#count;
  }

  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#min = Infinity;
    this.#max = 0;
    this.#shift = -1;
    this.#sum = 0;
    this.#sumSquares = 0;
  }

  toHdr(): Histogram {
    const hdr = hdrHistogram().build({ bitBucketSize: 64, autoResize: true, numberOfSignificantValueDigits: 3, useWebAssembly: false });
    const counts = this.#counts;
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] !== 0) hdr.recordValueWithCount(lowestValueOf(i), counts[i]);
    }
    return hdr;
  }

  summary(): LatencySummary {
    if (this.#count === 0) return { ...EMPTY_LATENCY };
    const hdr = this.toHdr();
    const min = this.#min;
    const max = this.#max;
    // Bucket values are approximate (3 digits); keep them inside the exact extremes so the order holds.
    const at = (p: number): number => round3(Math.min(max, Math.max(min, hdr.getValueAtPercentile(p))) / NS_PER_MICRO);
    const n = this.#count;
    const meanShifted = this.#sum / n;
    const variance = Math.max(0, this.#sumSquares / n - meanShifted * meanShifted);
    const summary: LatencySummary = {
      min: round3(min / NS_PER_MICRO),
      mean: round3((this.#shift + meanShifted) / NS_PER_MICRO),
      p50: at(50),
      p90: at(90),
      p99: at(99),
      p999: at(99.9),
      max: round3(max / NS_PER_MICRO),
      stdev: round3(Math.sqrt(variance) / NS_PER_MICRO),
    };
    hdr.destroy();
    return summary;
  }

  /** HdrHistogram's compressed base64 form (values in ns), or null when empty. */
  encode(): string | null {
    if (this.#count === 0) return null;
    const hdr = this.toHdr();
    const encoded = hdrHistogram().encodeIntoCompressedBase64(hdr);
    hdr.destroy();
    return encoded;
  }
}
