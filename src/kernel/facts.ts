import { Type, type Static } from '@sinclair/typebox';
import os from 'node:os';

/** What a reader needs to know to compare numbers taken on different hosts. */
export const HostFactsSchema = Type.Object({
  hostname: Type.String(),
  kernel: Type.String({ description: 'os.release(), e.g. 6.18.44-fc-v657' }),
  arch: Type.String({ description: 'os.arch(), e.g. x64' }),
  cpus: Type.Integer({ description: 'CPUs this process may run on' }),
  cpuModel: Type.Union([Type.String(), Type.Null()]),
  takenAt: Type.String({ format: 'date-time' }),
}, { additionalProperties: false });
export type HostFacts = Static<typeof HostFactsSchema>;

export function hostFacts(): HostFacts {
  // Some arm64 kernels report an empty model name.
  const model = os.cpus()[0]?.model.trim();
  return {
    hostname: os.hostname(),
    kernel: os.release(),
    arch: os.arch(),
    cpus: os.availableParallelism(),
    cpuModel: model ? model : null,
    takenAt: new Date().toISOString(),
  };
}
