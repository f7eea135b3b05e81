import type { SideInterval } from './protocol.js';
import { mergeInterval } from './results.js';
import type { IntervalSample, ResolvedBenchConfig } from './types.js';

/**
 * Pairs the two sides' intervals while the run goes and hands each merged sample on, in index
 * order, as soon as both sides have closed its interval. It merges exactly as the result does,
 * so the i-th sample delivered deep-equals the result's `intervals[i]`.
 *
 * The client numbers its intervals 0, 1, 2...; the server's indexes only grow but can skip one
 * (it missed an edge and merged two intervals into the later). Each side's messages arrive in the
 * order it sent them, so the server is done with index i once it has reported i or any later
 * index, or has ended; the interval it skipped then merges without it, as in the result.
 */
export class LiveIntervals {
  readonly #config: ResolvedBenchConfig;
  #deliver: ((sample: IntervalSample, index: number) => void) | null;
  readonly #client = new Map<number, SideInterval>();
  readonly #server = new Map<number, SideInterval>();
  #serverLatest = -1;
  #serverEnded = false;
  #next = 0;

  /** Errors thrown by `deliver` are ignored: a failing consumer (a closed event stream) must not end the run. */
  constructor(config: ResolvedBenchConfig, deliver: (sample: IntervalSample, index: number) => void) {
    this.#config = config;
    this.#deliver = deliver;
  }

  fromClient(sample: SideInterval): void {
    this.#client.set(sample.index, sample);
    this.#flush();
  }

  fromServer(sample: SideInterval): void {
    this.#server.set(sample.index, sample);
    this.#serverLatest = sample.index;
    this.#flush();
  }

  /** Both sides have reported (so sent every interval): what is left merges without the server. */
  end(): void {
    this.#serverEnded = true;
    this.#flush();
  }

  /** Nothing more is delivered: the run failed, was aborted or is over. */
  close(): void {
    this.#deliver = null;
  }

  #flush(): void {
    for (;;) {
      const deliver = this.#deliver;
      const client = this.#client.get(this.#next);
      if (!deliver || !client || !(this.#serverEnded || this.#serverLatest >= this.#next)) return;
      const index = this.#next++;
      const server = this.#server.get(index);
      this.#client.delete(index);
      this.#server.delete(index);
      try {
        deliver(mergeInterval(this.#config, client, server), index);
      } catch {
        // See the constructor: the sample is the consumer's loss, not the run's.
      }
    }
  }
}
