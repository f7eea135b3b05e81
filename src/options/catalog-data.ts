import { ALL, INET, IP, IPV6, TCP, UDP, type OptionSpec } from './types.js';

// The option catalog: facts measured on kernel 6.18 (../shared/LINUX-SOCKOPTS.md §1), as data.
// `transports` is where the kernel accepts the option; test/options/catalog-claims.test.ts
// checks every claim here against the running kernel.
export const CATALOG_DATA: OptionSpec[] = [
  // ---- SOL_SOCKET ----
  {
    name: 'SO_SNDBUF', level: 'SOL_SOCKET', type: 'int', access: 'rw', transports: ALL, phase: 'before-connect',
    privilege: null, man: 'socket(7)', example: 65536,
    summary: 'Send buffer size. The kernel stores twice the value, capped at 2 × net.core.wmem_max, at least 4608; setting it turns off send autotuning.',
  },
  {
    name: 'SO_RCVBUF', level: 'SOL_SOCKET', type: 'int', access: 'rw', transports: ALL, effectiveOn: [...INET, 'unix-dgram'], phase: 'before-connect',
    privilege: null, man: 'socket(7)', example: 65536,
    summary: 'Receive buffer size. Stored doubled, capped at 2 × net.core.rmem_max, at least 2304; set before listen()/connect() because TCP fixes the window scale at SYN time.',
  },
  {
    name: 'SO_SNDBUFFORCE', level: 'SOL_SOCKET', type: 'int', access: 'wo', transports: ALL, phase: 'before-connect',
    privilege: 'CAP_NET_ADMIN', man: 'socket(7)', readVia: 'SO_SNDBUF', example: 65536,
    summary: 'SO_SNDBUF without the net.core.wmem_max cap.',
  },
  {
    name: 'TCP_NODELAY', level: 'IPPROTO_TCP', type: 'bool', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', example: true,
    summary: 'Turns off Nagle: small writes leave at once instead of waiting for the previous segment to be acknowledged.',
  },
  {
    name: 'TCP_INFO', level: 'IPPROTO_TCP', type: 'tcp_info', access: 'ro', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', volatile: true,
    summary: 'struct tcp_info: connection state, RTT, congestion window, counters (280 bytes on 6.18).',
  },
  {
    name: 'IP_TOS', level: 'IPPROTO_IP', type: 'int', access: 'rw', transports: IP, phase: 'before-connect',
    privilege: null, man: 'ip(7)', example: 16,
    summary: 'Type of service / DSCP byte. TCP keeps its own ECN bits; setting it also rewrites SO_PRIORITY.',
  },
  {
    name: 'IPV6_V6ONLY', level: 'IPPROTO_IPV6', type: 'bool', access: 'rw', transports: IPV6, phase: 'before-bind',
    privilege: null, man: 'ipv6(7)', example: true,
    summary: 'Restricts an AF_INET6 socket to IPv6; default net.ipv6.bindv6only. After bind() → EINVAL.',
  },
  {
    name: 'UDP_CORK', level: 'IPPROTO_UDP', type: 'bool', access: 'rw', transports: UDP, phase: 'any',
    privilege: null, man: 'udp(7)', example: true,
    summary: 'Accumulates sends into one datagram until uncorked.',
  },
];
