import { hostFacts } from '../kernel/facts.js';
import { kernelConfig } from './kernel-config.js';
import type { TuningFacts } from '../advice/advisor.js';
import { readSysctls } from '../kernel/sysctls.js';
import { measureWindowShare } from './window-share.js';

export type { TuningFacts };

/** Reads them; `timeoutMs` bounds the loopback connection that measures the window share. */
export function tuningFacts(timeoutMs: number): TuningFacts {
  const { hostname, kernel, takenAt } = hostFacts();
  const fq = kernelConfig('CONFIG_NET_SCH_FQ');
  return { hostname, kernel, takenAt, sysctls: readSysctls(), fqBuilt: fq === null ? null : fq !== 'n', measuredShare: measureWindowShare(timeoutMs) };
}
