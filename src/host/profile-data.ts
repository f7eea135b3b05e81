// Named baselines, as data. Every entry cites where its value comes from: a tuning guide's page,
// or, for kernel-defaults-6, a reading of /proc/sys on a stock kernel. An entry's `rule` is what a
// baseline may hold at that path: a plain value, or a rule ($min, $oneOf, per element for lists).

export interface ProfileEntryData {
  /** JSON Pointer into a defaults snapshot. */
  path: string;
  rule: unknown;
  source: string;
  note?: string;
}

export interface ProfileData {
  name: string;
  summary: string;
  /** A profile whose entries this one starts from; its own entries replace those at the same path. */
  extends?: string;
  entries: ProfileEntryData[];
}

const FASTERDATA_LINUX = 'https://fasterdata.es.net/host-tuning/linux/';
const FASTERDATA_100G = 'https://fasterdata.es.net/host-tuning/linux/100g-tuning/';
const TUNED_NETWORK_LATENCY = 'https://github.com/redhat-performance/tuned/blob/master/profiles/network-latency/tuned.conf';
const MEASURED = 'measured: /proc/sys of Linux 6.18.44 with no sysctl file setting these keys (2026-12-03)';
const IP_SYSCTL = 'https://docs.kernel.org/networking/ip-sysctl.html';

export const PROFILE_DATA: ProfileData[] = [
  {
    name: 'fasterdata-10g',
    summary: "ESnet fasterdata's Linux host tuning for a 10G NIC on paths up to 100 ms RTT: large buffer limits, fq pacing, htcp or bbr",
    entries: [
      { path: '/sysctls/net.core.rmem_max', rule: { $min: 67108864 }, source: FASTERDATA_LINUX, note: 'allow testing with buffers up to 64 MB' },
      { path: '/sysctls/net.core.wmem_max', rule: { $min: 67108864 }, source: FASTERDATA_LINUX, note: 'allow testing with buffers up to 64 MB' },
      { path: '/sysctls/net.ipv4.tcp_rmem', rule: [null, null, { $min: 33554432 }], source: FASTERDATA_LINUX, note: 'the guide sets "4096 87380 33554432"; the autotuning limit is what matters' },
      { path: '/sysctls/net.ipv4.tcp_wmem', rule: [null, null, { $min: 33554432 }], source: FASTERDATA_LINUX, note: 'the guide sets "4096 65536 33554432"' },
      { path: '/sysctls/net.ipv4.tcp_congestion_control', rule: { $oneOf: ['htcp', 'bbr'] }, source: FASTERDATA_LINUX, note: 'recommended default congestion control is htcp or bbr' },
      { path: '/sysctls/net.core.default_qdisc', rule: 'fq', source: FASTERDATA_LINUX, note: 'fair queuing paces each flow' },
      { path: '/sysctls/net.ipv4.tcp_mtu_probing', rule: 1, source: FASTERDATA_LINUX, note: 'recommended for hosts with jumbo frames' },
    ],
  },
  {
    name: 'fasterdata-100g',
    summary: "ESnet fasterdata's 100G host tuning: buffer limits at Linux's 2 GB maximum and a longer input backlog, on top of fasterdata-10g",
    extends: 'fasterdata-10g',
    entries: [
      { path: '/sysctls/net.core.rmem_max', rule: { $min: 2147483647 }, source: FASTERDATA_100G, note: 'buffers up to 2 GB, the most Linux allows (2^31 - 1)' },
      { path: '/sysctls/net.core.wmem_max', rule: { $min: 2147483647 }, source: FASTERDATA_100G, note: 'buffers up to 2 GB, the most Linux allows (2^31 - 1)' },
      { path: '/sysctls/net.ipv4.tcp_rmem', rule: [null, null, { $min: 2147483647 }], source: FASTERDATA_100G },
      { path: '/sysctls/net.ipv4.tcp_wmem', rule: [null, null, { $min: 2147483647 }], source: FASTERDATA_100G },
      { path: '/sysctls/net.core.netdev_max_backlog', rule: { $min: 250000 }, source: FASTERDATA_100G, note: 'packets queued on input before the stack takes them' },
    ],
  },
  {
    name: 'kernel-defaults-6',
    summary: 'What a stock 6.x kernel sets, measured where no sysctl file overrides it; where 6.x releases differ, each release value is allowed',
    entries: [
      { path: '/sysctls/net.core.rmem_default', rule: 212992, source: MEASURED },
      { path: '/sysctls/net.core.wmem_default', rule: 212992, source: MEASURED },
      { path: '/sysctls/net.core.rmem_max', rule: { $oneOf: [212992, 4194304] }, source: MEASURED, note: '4194304 measured on 6.18; 212992 before 6.18' },
      { path: '/sysctls/net.core.wmem_max', rule: { $oneOf: [212992, 4194304] }, source: MEASURED, note: '4194304 measured on 6.18; 212992 before 6.18' },
      { path: '/sysctls/net.core.somaxconn', rule: 4096, source: MEASURED },
      { path: '/sysctls/net.core.netdev_max_backlog', rule: 1000, source: MEASURED },
      { path: '/sysctls/net.core.busy_poll', rule: 0, source: MEASURED },
      { path: '/sysctls/net.core.busy_read', rule: 0, source: MEASURED },
      { path: '/sysctls/net.core.default_qdisc', rule: 'pfifo_fast', source: MEASURED, note: 'systemd distributions set fq_codel in /usr/lib/sysctl.d/50-default.conf' },
      { path: '/sysctls/net.ipv4.tcp_rmem', rule: [4096, 131072, { $oneOf: [6291456, 33554432] }], source: MEASURED, note: '33554432 measured on 6.18; 6291456 on earlier kernels' },
      { path: '/sysctls/net.ipv4.tcp_wmem', rule: [4096, 16384, 4194304], source: MEASURED },
      { path: '/sysctls/net.ipv4.tcp_congestion_control', rule: { $oneOf: ['cubic', 'bbr'] }, source: MEASURED, note: 'the build option CONFIG_DEFAULT_TCP_CONG: cubic in most distribution kernels, bbr measured here' },
      { path: '/sysctls/net.ipv4.tcp_window_scaling', rule: 1, source: MEASURED },
      { path: '/sysctls/net.ipv4.tcp_timestamps', rule: 1, source: MEASURED },
      { path: '/sysctls/net.ipv4.tcp_sack', rule: 1, source: MEASURED },
      { path: '/sysctls/net.ipv4.tcp_slow_start_after_idle', rule: 1, source: MEASURED },
      { path: '/sysctls/net.ipv4.tcp_moderate_rcvbuf', rule: 1, source: MEASURED },
      { path: '/sysctls/net.ipv4.tcp_autocorking', rule: 1, source: MEASURED },
      { path: '/sysctls/net.ipv4.tcp_fastopen', rule: 1, source: MEASURED, note: 'client side only' },
      { path: '/sysctls/net.ipv4.tcp_mtu_probing', rule: 0, source: MEASURED },
      { path: '/sysctls/net.ipv4.tcp_ecn', rule: 2, source: MEASURED, note: 'ECN when the peer asks for it' },
      { path: '/sysctls/net.ipv4.tcp_notsent_lowat', rule: 4294967295, source: MEASURED, note: 'UINT_MAX: no limit' },
      { path: '/sysctls/net.ipv4.tcp_keepalive_time', rule: 7200, source: MEASURED },
      { path: '/sysctls/net.ipv4.tcp_fin_timeout', rule: 60, source: MEASURED },
      { path: '/sysctls/net.ipv4.tcp_syn_retries', rule: 6, source: MEASURED },
      { path: '/sysctls/net.ipv4.ip_local_port_range', rule: [32768, 60999], source: MEASURED },
    ],
  },
  {
    name: 'low-latency',
    summary: "Busy polling and TCP Fast Open, as tuned's network-latency profile sets them",
    entries: [
      { path: '/sysctls/net.core.busy_read', rule: { $min: 50 }, source: TUNED_NETWORK_LATENCY, note: 'tuned sets 50 µs of busy polling on blocking reads' },
      { path: '/sysctls/net.core.busy_poll', rule: { $min: 50 }, source: TUNED_NETWORK_LATENCY, note: 'tuned sets 50 µs of busy polling in poll and select' },
      { path: '/sysctls/net.ipv4.tcp_fastopen', rule: 3, source: TUNED_NETWORK_LATENCY, note: `Fast Open as client and server (${IP_SYSCTL})` },
    ],
  },
];
