import { Gauge, Registry } from 'prom-client';
import { PREFIX } from '../observability/metrics.js';
import { baselineMismatches, type Baseline } from './baseline.js';
import type { DefaultsSnapshot, SnapshotState } from './defaults.js';

// This host's socket defaults as series, so that Prometheus holds a fleet's settings side by side
// (count by value, alert on the odd one out). The label values come from the sysctl list and the
// option catalog, never from a request: a host has a fixed number of series (README, "Prometheus
// metrics"). The baseline adds at most one series per baseline value.

/** Scrapes closer together than this share one snapshot: each takes sockets of every transport. */
const SNAPSHOT_TTL_MS = 5000;

export interface HostMetricsSource {
  take(state: SnapshotState): DefaultsSnapshot;
  /** SOCKBENCH_BASELINE, when set. */
  baseline: Baseline | null;
}

/** true/false as 1/0; numbers as they are; anything else (text, linger, timeval) is not a sample. */
function sampleOf(value: unknown): number | null {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A registry of sockbench_sysctl, sockbench_socket_default and, with a baseline, the mismatch gauges. */
export function hostMetrics(source: HostMetricsSource): Registry {
  const registry = new Registry();
  const registers = [registry];
  const cache = new Map<SnapshotState, { at: number; snapshot: DefaultsSnapshot }>();
  const snapshot = (state: SnapshotState): DefaultsSnapshot => {
    const hit = cache.get(state);
    if (hit && Date.now() - hit.at < SNAPSHOT_TTL_MS) return hit.snapshot;
    const taken = source.take(state);
    cache.set(state, { at: Date.now(), snapshot: taken });
    return taken;
  };

  new Gauge({
    name: `${PREFIX}sysctl`, registers, labelNames: ['name', 'index'],
    help: 'Numeric sysctls that set socket defaults and limits, by dotted name; triples such as net.ipv4.tcp_rmem have one series per element (index 0, 1, 2)',
    collect() {
      this.reset();
      for (const [name, value] of Object.entries(snapshot('fresh').sysctls)) {
        if (Array.isArray(value)) value.forEach((v, index) => this.set({ name, index: String(index) }, v));
        else if (typeof value === 'number') this.set({ name }, value);
      }
    },
  });
  new Gauge({
    name: `${PREFIX}socket_default`, registers, labelNames: ['transport', 'option'],
    help: 'Numeric and boolean (1/0) option values on a fresh socket of each transport, as GET /v1/defaults reads them',
    collect() {
      this.reset();
      for (const [transport, options] of Object.entries(snapshot('fresh').sockets)) {
        for (const [option, value] of Object.entries(options as Record<string, unknown>)) {
          const sample = sampleOf(value);
          if (sample !== null) this.set({ transport, option }, sample);
        }
      }
    },
  });

  const { baseline } = source;
  if (!baseline) return registry;
  // Both gauges read one check per snapshot.
  let checked: { snapshot: DefaultsSnapshot; paths: string[] } | null = null;
  const mismatches = (): string[] => {
    const current = snapshot(baseline.state);
    if (checked?.snapshot !== current) checked = { snapshot: current, paths: baselineMismatches(baseline, current) };
    return checked.paths;
  };
  new Gauge({
    name: `${PREFIX}baseline_mismatches`, registers,
    help: 'Values of SOCKBENCH_BASELINE this host does not match (0: it matches)',
    collect() {
      this.set(mismatches().length);
    },
  });
  new Gauge({
    name: `${PREFIX}baseline_mismatch`, registers, labelNames: ['path'],
    help: 'One series per SOCKBENCH_BASELINE value this host does not match, by JSON Pointer (always 1; absent when it matches)',
    collect() {
      this.reset();
      for (const path of mismatches()) this.set({ path }, 1);
    },
  });
  return registry;
}
