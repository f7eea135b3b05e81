import { isTcp, type RunResult } from '../bench/index.js';
import { Type, type Static } from '@sinclair/typebox';
import { KERNEL_COUNTER_NAMES, KernelCounterWindowSchema, type KernelCounterName, type KernelCounterWindow } from '../kernel/kernel-counters.js';
import { Nullable } from '../schema-types.js';

// Kernel counters belong to the network namespace: a delta may include other sockets' traffic.
// A counter cannot move by more than the packets of its protocol that the run put through the
// stack, so a larger delta is flagged as other traffic.

export const COUNTERS_SCOPE = 'network-namespace' as const;
export const COUNTERS_NOTE = 'Deltas over the measured window of counters that the kernel keeps for the whole network namespace (every socket in it), not for this run\'s sockets; beyondRun lists those that moved by more than this run could cause (other traffic on the host).';

export interface BeyondRun {
  counter: KernelCounterName;
  delta: number;
  /** The most this run could have moved it by: the packets of that protocol it sent and received. */
  runAtMost: number;
}

export type FlaggedWindow = KernelCounterWindow & { beyondRun: BeyondRun[] };

const CounterWindowSchema = Type.Object({
  ...KernelCounterWindowSchema.properties,
  beyondRun: Type.Array(Type.Object({
    counter: Type.String(), delta: Type.Integer(), runAtMost: Type.Integer({ description: 'Packets of that protocol this run sent and received' }),
  }, { additionalProperties: false }), { description: 'Counters that moved by more than this run could cause: other traffic in the namespace' }),
}, { additionalProperties: false });

/** A result's kernel counters (GET /v1/benchmarks/{id}: result.kernelCounters). */
export const KernelCountersSchema = Type.Object({
  scope: Type.Literal(COUNTERS_SCOPE),
  note: Type.String(),
  thisHost: Nullable(CounterWindowSchema, 'This host: both sides of a loopback run, the client side across hosts (null: the window never opened)'),
  peer: Nullable(CounterWindowSchema, 'Peer runs: the far host\'s own reading around its side\'s window'),
}, { additionalProperties: false, description: 'Kernel counter deltas over the measured window of the median repeat' });
export type KernelCounters = Static<typeof KernelCountersSchema>;

/** Packets of each protocol this run put through the stack, an upper bound (warm-up included where the figures include it). */
function runPackets(result: RunResult, streams: number): { udp4: number; udp6: number; tcp: number } {
  const t = result.transport;
  let datagrams = 0;
  if (t === 'udp4' || t === 'udp6') {
    datagrams = result.datagram ? result.datagram.sent + result.datagram.received : 2 * (result.rr?.transactions ?? 0);
  }
  let tcp = 0;
  if (isTcp(t)) {
    const c = result.tcpInfo?.client;
    const s = result.tcpInfo?.server;
    // segs_out covers one connection; crr opens one per transaction (handshake, request, response, close: about 10 segments).
    tcp = result.pattern === 'crr' ? 10 * (result.rr?.transactions ?? 0) + 10 : ((c?.segs_out ?? 0) + (s?.segs_out ?? 0)) * streams;
  }
  return { udp4: t === 'udp4' ? datagrams : 0, udp6: t === 'udp6' ? datagrams : 0, tcp };
}

function bound(name: KernelCounterName, p: { udp4: number; udp6: number; tcp: number }): number {
  if (name.startsWith('Udp6.')) return p.udp6;
  if (name.startsWith('Udp.')) return p.udp4;
  if (name.startsWith('Tcp')) return p.tcp;
  return p.udp4 + p.udp6 + p.tcp;
}

/** The window with every counter that moved by more than the run could cause. */
export function flagOtherTraffic(window: KernelCounterWindow | null, result: RunResult, streams: number): FlaggedWindow | null {
  if (!window) return null;
  const packets = runPackets(result, streams);
  const beyondRun: BeyondRun[] = [];
  for (const name of KERNEL_COUNTER_NAMES) {
    const delta = window.deltas[name];
    const runAtMost = bound(name, packets);
    if (delta !== null && delta > runAtMost) beyondRun.push({ counter: name, delta, runAtMost });
  }
  return { ...window, beyondRun };
}
