import { Type } from '@sinclair/typebox';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The sysctls that set socket defaults and limits, or shape what a benchmark measures
// (docs/kernel-facts.md §3). Read live every time: they differ across kernels
// (rmem_max/wmem_max became 4 MiB in 6.18) and per network namespace.

/** How a sysctl file reads: one integer, several integers (min default max, a port range), or text. */
export type SysctlKind = 'number' | 'numbers' | 'string';
export type SysctlValue = number | number[] | string;
/** A sysctl's value as the API shows it (null: it cannot be read here). */
export const SysctlValueSchema = Type.Union([Type.Integer(), Type.Array(Type.Integer()), Type.String(), Type.Null()]);

export const SYSCTLS = [
  { name: 'net.core.rmem_default', kind: 'number' },
  { name: 'net.core.rmem_max', kind: 'number' },
  { name: 'net.core.wmem_default', kind: 'number' },
  { name: 'net.core.wmem_max', kind: 'number' },
  { name: 'net.core.optmem_max', kind: 'number' },
  { name: 'net.core.somaxconn', kind: 'number' },
  { name: 'net.core.netdev_max_backlog', kind: 'number' },
  { name: 'net.core.busy_poll', kind: 'number' },
  { name: 'net.core.busy_read', kind: 'number' },
  { name: 'net.core.default_qdisc', kind: 'string' },
  { name: 'net.core.txrehash', kind: 'number' },
  { name: 'net.ipv4.tcp_rmem', kind: 'numbers' },
  { name: 'net.ipv4.tcp_wmem', kind: 'numbers' },
  { name: 'net.ipv4.tcp_mem', kind: 'numbers' },
  { name: 'net.ipv4.tcp_congestion_control', kind: 'string' },
  { name: 'net.ipv4.tcp_available_congestion_control', kind: 'string' },
  { name: 'net.ipv4.tcp_allowed_congestion_control', kind: 'string' },
  { name: 'net.ipv4.tcp_window_scaling', kind: 'number' },
  { name: 'net.ipv4.tcp_timestamps', kind: 'number' },
  { name: 'net.ipv4.tcp_sack', kind: 'number' },
  { name: 'net.ipv4.tcp_no_metrics_save', kind: 'number' },
  { name: 'net.ipv4.tcp_slow_start_after_idle', kind: 'number' },
  { name: 'net.ipv4.tcp_autocorking', kind: 'number' },
  { name: 'net.ipv4.tcp_notsent_lowat', kind: 'number' },
  { name: 'net.ipv4.tcp_fastopen', kind: 'number' },
  { name: 'net.ipv4.tcp_keepalive_time', kind: 'number' },
  { name: 'net.ipv4.tcp_keepalive_intvl', kind: 'number' },
  { name: 'net.ipv4.tcp_keepalive_probes', kind: 'number' },
  { name: 'net.ipv4.tcp_mtu_probing', kind: 'number' },
  { name: 'net.ipv4.tcp_base_mss', kind: 'number' },
  { name: 'net.ipv4.tcp_min_snd_mss', kind: 'number' },
  { name: 'net.ipv4.tcp_ecn', kind: 'number' },
  { name: 'net.ipv4.tcp_syn_retries', kind: 'number' },
  { name: 'net.ipv4.tcp_fin_timeout', kind: 'number' },
  { name: 'net.ipv4.tcp_retries2', kind: 'number' },
  { name: 'net.ipv4.tcp_moderate_rcvbuf', kind: 'number' },
  { name: 'net.ipv4.tcp_adv_win_scale', kind: 'number' },
  { name: 'net.ipv4.tcp_tw_reuse', kind: 'number' },
  { name: 'net.ipv4.tcp_limit_output_bytes', kind: 'number' },
  { name: 'net.ipv4.tcp_pacing_ss_ratio', kind: 'number' },
  { name: 'net.ipv4.tcp_pacing_ca_ratio', kind: 'number' },
  { name: 'net.ipv4.tcp_min_tso_segs', kind: 'number' },
  { name: 'net.ipv4.tcp_rto_min_us', kind: 'number' },
  { name: 'net.ipv4.tcp_rto_max_ms', kind: 'number' },
  { name: 'net.ipv4.tcp_max_syn_backlog', kind: 'number' },
  { name: 'net.ipv4.tcp_syncookies', kind: 'number' },
  { name: 'net.ipv4.ip_local_port_range', kind: 'numbers' },
  { name: 'net.ipv4.ip_default_ttl', kind: 'number' },
  { name: 'net.ipv4.udp_rmem_min', kind: 'number' },
  { name: 'net.ipv4.udp_wmem_min', kind: 'number' },
  { name: 'net.ipv4.udp_mem', kind: 'numbers' },
  { name: 'net.ipv6.conf.all.hop_limit', kind: 'number' },
  { name: 'net.ipv6.bindv6only', kind: 'number' },
  { name: 'net.unix.max_dgram_qlen', kind: 'number' },
] as const satisfies readonly { name: string; kind: SysctlKind }[];

export type SysctlName = (typeof SYSCTLS)[number]['name'];
/** Every listed sysctl, in list order; null where this host has no such file or it cannot be read. */
export type Sysctls = Record<SysctlName, SysctlValue | null>;

export const PROC_SYS = '/proc/sys';

const KIND = new Map<string, SysctlKind>(SYSCTLS.map((s) => [s.name, s.kind]));

/**
 * Parses a sysctl file's text. A file that does not read as its kind (a newer kernel changed the
 * format) is null rather than a value of another type, so each key keeps one type for clients.
 */
export function parseSysctl(kind: SysctlKind, text: string): SysctlValue | null {
  const words = text.split(/\s+/).filter((w) => w !== '');
  if (kind === 'string') return words.join(' ');
  if (words.length === 0 || !words.every((w) => /^-?\d+$/.test(w))) return null;
  const numbers = words.map(Number);
  if (kind === 'numbers') return numbers;
  return numbers.length === 1 ? numbers[0] : null;
}

function read(name: string, kind: SysctlKind, root: string): SysctlValue | null {
  let text: string;
  try {
    text = readFileSync(join(root, ...name.split('.')), 'utf8');
  } catch {
    // Missing on this kernel, hidden in this namespace, or not readable by this user.
    return null;
  }
  return parseSysctl(kind, text);
}

/** One listed sysctl's current value (null when unavailable). */
export function sysctlValue(name: SysctlName, root = PROC_SYS): SysctlValue | null {
  return read(name, KIND.get(name)!, root);
}

/** Every listed sysctl, in list order. Never throws. */
export function readSysctls(root = PROC_SYS): Sysctls {
  return Object.fromEntries(SYSCTLS.map((s) => [s.name, read(s.name, s.kind, root)])) as Sysctls;
}
