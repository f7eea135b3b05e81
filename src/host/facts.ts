import os from 'node:os';

/** What a reader needs to know to compare numbers taken on different hosts. */
export interface HostFacts {
  hostname: string;
  /** os.release(), e.g. 6.18.44-fc-v657 */
  kernel: string;
  /** os.arch(), e.g. x64 */
  arch: string;
  /** CPUs this process may run on */
  cpus: number;
  cpuModel: string | null;
  /** ISO 8601 */
  takenAt: string;
}

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
