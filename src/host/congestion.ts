import { sysctlValue, type SysctlName } from '../kernel/sysctls.js';

/** What this host (its network namespace) offers for TCP congestion control, as a peer tells another. */
export interface CongestionControl {
  /** net.ipv4.tcp_available_congestion_control: what TCP_CONGESTION accepts here. */
  available: string[];
  /** net.ipv4.tcp_congestion_control: what a socket gets unless told otherwise. */
  default: string | null;
  /** net.ipv4.tcp_allowed_congestion_control: what an unprivileged process may choose. */
  allowed: string[];
}

const words = (name: SysctlName): string[] => {
  const value = sysctlValue(name);
  return typeof value === 'string' ? value.split(/\s+/).filter(Boolean) : [];
};

/** Read live: a module registered since start-up (or a namespace's own setting) counts. */
export function congestionControl(): CongestionControl {
  const value = sysctlValue('net.ipv4.tcp_congestion_control');
  return {
    available: words('net.ipv4.tcp_available_congestion_control'),
    default: typeof value === 'string' ? value : null,
    allowed: words('net.ipv4.tcp_allowed_congestion_control'),
  };
}
