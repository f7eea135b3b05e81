import type { TcpInfo } from '../../native-bindings/index.js';
import type { DatagramFigures, RunResult, StreamFigures, TransactionFigures } from './types.js';

type Figures = StreamFigures | DatagramFigures | TransactionFigures;
type Leaf = number | boolean | string | null;
interface Tree { [key: string]: Leaf | Tree }

export interface Summary {
  /** The pattern's figures, each the (lower) median over repeats; booleans hold only if they held every time. */
  figures: Tree;
  min: Tree;
  max: Tree;
  cpu: Tree;
  /** TCP_INFO of both sides at the end of the median repeat. */
  tcpInfo: { client: TcpInfo | null; server: TcpInfo | null } | null;
  /** Index of the repeat whose headline figure is the median. */
  medianRepeat: number;
}

export function figuresOf(r: RunResult): Figures {
  return (r.stream ?? r.datagram ?? r.rr)!;
}

/** The figure a run is judged by: throughput, or transactions per second. */
export function headline(r: RunResult): number | null {
  const f = figuresOf(r);
  return 'transactionsPerSecond' in f ? f.transactionsPerSecond : f.bitsPerSecond;
}

/** The lower median: always a value some repeat measured (no half bytes from an even count). */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[(s.length - 1) >> 1];
}

/** Combines the same-shaped trees leaf by leaf; the histogram is for merging, not for people. */
function combine(trees: Tree[], pick: (values: number[]) => number): Tree {
  const out: Tree = {};
  for (const key of Object.keys(trees[0])) {
    if (key === 'histogram') continue;
    const leaves = trees.map((t) => t[key]);
    const first = leaves[0];
    if (typeof first === 'boolean') out[key] = leaves.every((v) => v === true);
    // A label (background.direction) holds when every repeat had it.
    else if (typeof first === 'string') out[key] = leaves.every((v) => v === first) ? first : null;
    else if (first !== null && typeof first === 'object') out[key] = combine(leaves as Tree[], pick);
    else {
      const numbers = leaves.filter((v): v is number => typeof v === 'number');
      out[key] = numbers.length === 0 ? null : pick(numbers);
    }
  }
  return out;
}

function numericOnly(tree: Tree): Tree {
  const out: Tree = {};
  for (const [k, v] of Object.entries(tree)) {
    if (typeof v === 'number' || v === null) out[k] = v;
    else if (typeof v === 'object') out[k] = numericOnly(v);
  }
  return out;
}

/** Median over repeats with min and max alongside, and which repeat is the median. */
export function summarize(results: RunResult[]): Summary {
  const trees = results.map((r) => figuresOf(r) as unknown as Tree);
  const heads = results.map(headline);
  const known = heads.filter((h): h is number => h !== null);
  const target = known.length > 0 ? median(known) : null;
  let medianRepeat = 0;
  if (target !== null) {
    medianRepeat = heads.reduce<number>((best, h, i) =>
      (h !== null && Math.abs(h - target) < Math.abs((heads[best] ?? Infinity) - target) ? i : best), 0);
  }
  const chosen = results[medianRepeat];
  const cpuTrees = results.map((r) => ({
    client: (r.cpu.client ?? { userMs: null, systemMs: null, waitMs: null }) as unknown as Tree,
    server: (r.cpu.server ?? { userMs: null, systemMs: null, waitMs: null }) as unknown as Tree,
  }));
  return {
    figures: combine(trees, median),
    min: numericOnly(combine(trees, (v) => Math.min(...v))),
    max: numericOnly(combine(trees, (v) => Math.max(...v))),
    cpu: combine(cpuTrees, median),
    tcpInfo: chosen.tcpInfo,
    medianRepeat,
  };
}
