import { Type, type Static } from '@sinclair/typebox';
import type { TcpInfo } from '../../native-bindings/index.js';
import type { ResolvedBenchConfig, RunResult } from '../bench/index.js';
import type { KernelCounterName, KernelCounterWindow } from '../kernel/kernel-counters.js';
import type { SysctlValue } from '../kernel/sysctls.js';
import type { OptionReport } from '../options/types.js';

// What the findings about a run rest on, gathered into one value, and the small readers and
// formatters every finding shares. Pure: nothing here reads the host.

export type Side = 'client' | 'server';

/** One figure a finding rests on, by the name a client finds it under. */
export const EvidenceSchema = Type.Object({
  name: Type.String({ description: 'Where the figure is found (a result path, an option, a kernel counter) or what it is' }),
  value: Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]),
  unit: Type.Optional(Type.String()),
}, { additionalProperties: false });
export type Evidence = Static<typeof EvidenceSchema>;

/** Everything a run's findings may look at. */
export interface RunEvidence {
  config: ResolvedBenchConfig & { streams: number; peer?: string };
  /** The median repeat (with parallel streams: their merged figures). */
  result: RunResult;
  sockets: { client: OptionReport[]; server: OptionReport[] };
  /** The sysctls of the host each side ran on (the same host unless across hosts). */
  sysctls: { client: Record<string, SysctlValue | null>; server: Record<string, SysctlValue | null> };
  /** The kernel counters over the window, read on the host each side ran on. */
  counters: { client: KernelCounterWindow | null; server: KernelCounterWindow | null };
}

export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The report of option `name` on `side`, if it was set or is always reported. */
export function option(facts: RunEvidence, side: Side, name: string): OptionReport | undefined {
  return facts.sockets[side].find((o) => o.name === name);
}

/** The option's value the kernel held at the end (or right after setting it). */
export function optionValue(report: OptionReport | undefined): unknown {
  if (!report) return undefined;
  return report.end ?? report.connected ?? report.effective;
}

/** An option the client asked for on this side (directly or through a FORCE variant). */
export function requested(facts: RunEvidence, side: Side, ...names: string[]): OptionReport | undefined {
  return facts.sockets[side].find((o) => names.includes(o.name) && o.requested !== null && o.ok);
}

export function tcpInfo(facts: RunEvidence, side: Side): TcpInfo | null {
  return facts.result.tcpInfo?.[side] ?? null;
}

export function counter(facts: RunEvidence, side: Side, name: KernelCounterName): number | null {
  return facts.counters[side]?.deltas[name] ?? null;
}

/** The sysctl of the side's host as a number, or the `index`th of a triple (tcp_rmem). */
export function sysctlNumber(facts: RunEvidence, side: Side, name: string, index?: number): number | null {
  const v = facts.sysctls[side][name];
  if (index !== undefined) return Array.isArray(v) ? num(v[index]) : null;
  return num(v);
}

/** The measured window in seconds, as the pattern's figures give it. */
export function windowSeconds(result: RunResult): number | null {
  return num((result.stream ?? result.datagram ?? result.rr)?.seconds);
}

export function throughput(result: RunResult): number | null {
  return num(result.stream?.bitsPerSecond ?? result.datagram?.bitsPerSecond ?? null);
}

const trim = (x: number, digits: number): string => String(Number(x.toFixed(digits)));

export function rate(bps: number): string {
  if (bps >= 1e9) return `${trim(bps / 1e9, 2)} Gbit/s`;
  if (bps >= 1e6) return `${trim(bps / 1e6, 1)} Mbit/s`;
  return `${trim(bps / 1e3, 1)} kbit/s`;
}

export function micros(us: number): string {
  if (us >= 1e6) return `${trim(us / 1e6, 2)} s`;
  if (us >= 1000) return `${trim(us / 1000, 1)} ms`;
  return `${trim(us, 1)} µs`;
}

export function bytes(n: number): string {
  if (n >= 10 * 2 ** 20) return `${trim(n / 2 ** 20, 1)} MiB`;
  if (n >= 10 * 1024) return `${trim(n / 1024, 1)} KiB`;
  return `${n} B`;
}

export const percent = (ratio: number, digits = 0): string => `${trim(ratio * 100, digits)} %`;
