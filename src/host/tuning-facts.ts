import { hostFacts } from './facts.js';
import { kernelConfig } from './kernel-config.js';
import { readSysctls, type SysctlValue } from './sysctls.js';
import { measureWindowShare, type MeasuredWindowShare } from './window-share.js';

/** What tuning advice rests on: this host's kernel, sysctls, qdisc support and window share, read now. */
export interface TuningFacts {
  hostname: string;
  kernel: string;
  takenAt: string;
  /** Current values by sysctl name (null: unreadable here). */
  sysctls: Readonly<Record<string, SysctlValue | null>>;
  /** CONFIG_NET_SCH_FQ is y or m (null: the kernel does not expose its configuration). */
  fqBuilt: boolean | null;
  /** The share a new connection offers as window, read from a socket now (null: not measured). */
  measuredShare: MeasuredWindowShare | null;
}

/** Reads them; `timeoutMs` bounds the loopback connection that measures the window share. */
export function tuningFacts(timeoutMs: number): TuningFacts {
  const { hostname, kernel, takenAt } = hostFacts();
  const fq = kernelConfig('CONFIG_NET_SCH_FQ');
  return { hostname, kernel, takenAt, sysctls: readSysctls(), fqBuilt: fq === null ? null : fq !== 'n', measuredShare: measureWindowShare(timeoutMs) };
}
