import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

// The running kernel's build configuration, where it exposes one (CONFIG_IKCONFIG_PROC). It says
// what cannot be switched on by a sysctl: a qdisc that is not built cannot be the default_qdisc.

export const KERNEL_CONFIG_FILE = '/proc/config.gz';

/** y (built in), m (module), n (not built), or null when this kernel does not expose its config. */
export type ConfigState = 'y' | 'm' | 'n' | null;

// The file cannot change while the kernel runs; read it once per path.
const cache = new Map<string, string | null>();

function configText(file: string): string | null {
  if (!cache.has(file)) {
    let text: string | null = null;
    try {
      text = gunzipSync(readFileSync(file)).toString('utf8');
    } catch {
      // No CONFIG_IKCONFIG_PROC, or not readable here.
    }
    cache.set(file, text);
  }
  return cache.get(file)!;
}

/** How `option` (e.g. CONFIG_NET_SCH_FQ) is set in the running kernel's configuration. */
export function kernelConfig(option: string, file = KERNEL_CONFIG_FILE): ConfigState {
  const text = configText(file);
  if (text === null) return null;
  const m = new RegExp(`^${option}=(y|m)$`, 'm').exec(text);
  return m ? (m[1] as 'y' | 'm') : 'n';
}
