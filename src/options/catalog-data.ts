import { ALL, INET, IP, IPV6, TCP, UDP, UNIX, type OptionSpec } from './types.js';

// The option catalog: facts measured on kernel 6.18 (docs/kernel-facts.md §1), as data.
// `transports` is where the kernel accepts the option; test/options/catalog-claims.test.ts
// checks every claim here against the running kernel.
// Examples are set on fresh, unconnected sockets as root unless a comment says otherwise.
export const CATALOG_DATA: OptionSpec[] = [
  // ---- SOL_SOCKET ----
  {
    name: 'SO_REUSEADDR', level: 'SOL_SOCKET', type: 'bool', access: 'rw', transports: ALL, effectiveOn: INET, phase: 'before-bind',
    privilege: null, man: 'socket(7)', example: true,
    summary: 'Lets bind() reuse a local address: two UDP sockets may share addr:port, but a TCP bind to a listening addr:port still fails with EADDRINUSE. Accepted on AF_UNIX, no effect.',
  },
  {
    name: 'SO_TYPE', level: 'SOL_SOCKET', type: 'int', access: 'ro', transports: ALL, phase: 'any',
    privilege: null, man: 'socket(7)',
    summary: 'Socket type: 1 = SOCK_STREAM, 2 = SOCK_DGRAM.',
  },
  {
    name: 'SO_ERROR', level: 'SOL_SOCKET', type: 'int', access: 'ro', transports: ALL, phase: 'any',
    privilege: null, man: 'socket(7)', volatile: true,
    summary: 'Pending socket error, cleared by reading it: e.g. 111 (ECONNREFUSED) after a failed non-blocking connect(), then 0.',
  },
  {
    name: 'SO_SNDBUF', level: 'SOL_SOCKET', type: 'int', access: 'rw', transports: ALL, phase: 'before-connect',
    privilege: null, man: 'socket(7)', example: 65536,
    summary: 'Send buffer size. The kernel stores twice the value, capped at 2 × net.core.wmem_max, at least 4608; setting it turns off send autotuning. Defaults: TCP 16384, UDP/UNIX 212992.',
  },
  {
    // Measured: the receiver's SO_RCVBUF changes nothing on AF_UNIX, datagram sockets included
    // (a unix-dgram receiver at 2304 bytes still queued 278 × 100-byte datagrams, as at 2 MiB).
    name: 'SO_RCVBUF', level: 'SOL_SOCKET', type: 'int', access: 'rw', transports: ALL, effectiveOn: INET, phase: 'before-connect',
    privilege: null, man: 'socket(7)', example: 65536,
    summary: 'Receive buffer size. Stored doubled, capped at 2 × net.core.rmem_max, at least 2304; set before listen()/connect() because TCP fixes the window scale at SYN time. Turns off receive autotuning. No effect on AF_UNIX (the sender\'s buffer limits).',
  },
  {
    name: 'SO_SNDBUFFORCE', level: 'SOL_SOCKET', type: 'int', access: 'wo', transports: ALL, phase: 'before-connect',
    privilege: 'CAP_NET_ADMIN', man: 'socket(7)', readVia: 'SO_SNDBUF', example: 65536,
    summary: 'SO_SNDBUF without the net.core.wmem_max cap: 1<<30 → 2147483646. Write-only (get → ENOPROTOOPT).',
  },
  {
    name: 'SO_RCVBUFFORCE', level: 'SOL_SOCKET', type: 'int', access: 'wo', transports: ALL, phase: 'before-connect',
    privilege: 'CAP_NET_ADMIN', man: 'socket(7)', readVia: 'SO_RCVBUF', example: 65536,
    summary: 'SO_RCVBUF without the net.core.rmem_max cap: 16 MiB → 33554432; -1 → 2304. Write-only (get → ENOPROTOOPT).',
  },
  {
    name: 'SO_KEEPALIVE', level: 'SOL_SOCKET', type: 'bool', access: 'rw', transports: ALL, effectiveOn: TCP, phase: 'any',
    privilege: null, man: 'socket(7)', example: true,
    summary: 'Arms the TCP keepalive timer, driven by TCP_KEEPIDLE/TCP_KEEPINTVL/TCP_KEEPCNT (defaults 7200 s / 75 s / 9). Accepted on UDP and UNIX, no effect.',
  },
  {
    name: 'SO_LINGER', level: 'SOL_SOCKET', type: 'linger', access: 'rw', transports: ALL, effectiveOn: TCP, phase: 'any',
    privilege: null, man: 'socket(7)', example: { onoff: 1, linger: 5 },
    summary: '{onoff, linger seconds}. {1, 0} makes close() send RST with no TIME_WAIT (the peer reads ECONNRESET). A negative or huge linger means forever and reads back as garbage.',
  },
  {
    name: 'SO_REUSEPORT', level: 'SOL_SOCKET', type: 'bool', access: 'rw', transports: INET, phase: 'before-bind',
    privilege: null, man: 'socket(7)', example: true,
    summary: 'Several sockets of the same effective UID bind one addr:port and the kernel load-balances between them. Inet only since 2025: AF_UNIX → EOPNOTSUPP.',
  },
  {
    name: 'SO_PRIORITY', level: 'SOL_SOCKET', type: 'int', access: 'rw', transports: ALL, effectiveOn: INET, phase: 'any',
    privilege: 'CAP_NET_ADMIN or CAP_NET_RAW for values outside 0..6', man: 'socket(7)', example: 3,
    summary: 'skb->priority, which picks the qdisc band/class. Any int is stored when privileged. Setting IPv4 IP_TOS later overwrites it (0x10 → 6).',
  },
  {
    name: 'SO_RCVLOWAT', level: 'SOL_SOCKET', type: 'int', access: 'rw', transports: ALL, phase: 'any',
    privilege: null, man: 'socket(7)', example: 100,
    summary: 'Minimum bytes before a read/poll wakes up; default 1, 0 → 1. TCP caps it at tcp_rmem[2]/2 and grows an unlocked SO_RCVBUF to 2 × lowat.',
  },
  {
    name: 'SO_SNDLOWAT', level: 'SOL_SOCKET', type: 'int', access: 'ro', transports: ALL, phase: 'any',
    privilege: null, man: 'socket(7)',
    summary: 'Read-only in practice on Linux: get always returns 1, set → ENOPROTOOPT.',
  },
  {
    name: 'SO_RCVTIMEO', level: 'SOL_SOCKET', type: 'timeval', access: 'rw', transports: ALL, phase: 'any',
    privilege: null, man: 'socket(7)', example: { sec: 1, usec: 500000 },
    summary: 'Receive timeout, rounded up to jiffies (4 ms at HZ=250: {0,5000} → {0,8000}); {0,0} = none. A negative tv_sec makes every call return EAGAIN at once while get reads {0,0}. usec outside 0..999999 → EDOM.',
  },
  {
    name: 'SO_SNDTIMEO', level: 'SOL_SOCKET', type: 'timeval', access: 'rw', transports: ALL, phase: 'any',
    privilege: null, man: 'socket(7)', example: { sec: 1, usec: 500000 },
    summary: 'Send timeout (also bounds a blocking connect()), rounded up to jiffies like SO_RCVTIMEO; {0,0} = none; negative tv_sec = return EAGAIN at once.',
  },
  {
    name: 'SO_BINDTODEVICE', level: 'SOL_SOCKET', type: 'string', access: 'rw', transports: ALL, effectiveOn: INET, phase: 'before-bind',
    privilege: 'CAP_NET_RAW to change an existing binding', man: 'socket(7)', example: 'lo',
    summary: 'Restricts the socket to one interface (name up to 15 chars; "" unbinds). The first binding needs no privilege since 5.7. Unknown device → ENODEV; get needs a 16-byte buffer.',
  },
  {
    name: 'SO_BINDTOIFINDEX', level: 'SOL_SOCKET', type: 'int', access: 'rw', transports: ALL, effectiveOn: INET, phase: 'before-bind',
    privilege: 'CAP_NET_RAW to change an existing binding', man: 'socket(7)', example: 1,
    summary: 'SO_BINDTODEVICE by interface index (0 unbinds). No existence check: 9999 is accepted. Negative → EINVAL.',
  },
  {
    name: 'SO_TIMESTAMP', level: 'SOL_SOCKET', type: 'bool', access: 'rw', transports: ALL, phase: 'any',
    privilege: null, man: 'socket(7)', example: true,
    summary: 'Receive timestamps as an SCM_TIMESTAMP cmsg (struct timeval). Turned off by setting SO_TIMESTAMPNS.',
  },
  {
    name: 'SO_TIMESTAMPNS', level: 'SOL_SOCKET', type: 'bool', access: 'rw', transports: ALL, phase: 'any',
    privilege: null, man: 'socket(7)', example: true,
    summary: 'Receive timestamps as struct timespec. Mutually exclusive with SO_TIMESTAMP: after setting it SO_TIMESTAMP reads 0.',
  },
  {
    name: 'SO_TIMESTAMPING', level: 'SOL_SOCKET', type: 'int', access: 'rw', transports: ALL, phase: 'any',
    privilege: null, man: 'socket(7)', example: 24,
    summary: 'SOF_TIMESTAMPING_* flags (TX_SOFTWARE 2, RX_SOFTWARE 8, SOFTWARE 16, OPT_ID 128, OPT_TSONLY 2048, OPT_STATS 4096); invalid combinations → EINVAL.',
  },
  {
    name: 'SO_ACCEPTCONN', level: 'SOL_SOCKET', type: 'bool', access: 'ro', transports: ALL, phase: 'any',
    privilege: null, man: 'socket(7)',
    summary: '1 on a listening socket, 0 otherwise.',
  },
  {
    name: 'SO_MARK', level: 'SOL_SOCKET', type: 'uint32', access: 'rw', transports: ALL, effectiveOn: INET, phase: 'before-connect',
    privilege: 'CAP_NET_ADMIN or CAP_NET_RAW', man: 'socket(7)', example: 1,
    summary: 'fwmark for policy routing and netfilter; any u32. Unprivileged → EPERM, even for 0.',
  },
  {
    name: 'SO_PROTOCOL', level: 'SOL_SOCKET', type: 'int', access: 'ro', transports: ALL, phase: 'any',
    privilege: null, man: 'socket(7)',
    summary: 'Protocol number: 6 TCP, 17 UDP, 0 UNIX.',
  },
  {
    name: 'SO_DOMAIN', level: 'SOL_SOCKET', type: 'int', access: 'ro', transports: ALL, phase: 'any',
    privilege: null, man: 'socket(7)',
    summary: 'Address family: 2 AF_INET, 10 AF_INET6, 1 AF_UNIX.',
  },
  {
    name: 'SO_PEEK_OFF', level: 'SOL_SOCKET', type: 'int', access: 'rw', transports: ALL, phase: 'any',
    privilege: null, man: 'socket(7)', example: 0,
    summary: 'Offset for MSG_PEEK reads; default -1 (off). Each peek advances it. Works on UNIX, UDP and TCP on 6.18.',
  },
  {
    name: 'SO_BUSY_POLL', level: 'SOL_SOCKET', type: 'int', access: 'rw', transports: ALL, effectiveOn: INET, phase: 'any',
    privilege: null, man: 'socket(7)', example: 50,
    summary: 'µs to busy-poll the device queue on blocking reads; default net.core.busy_read (0). Only matters for sockets fed by a NAPI device (not lo). No capability check on 6.18 (socket(7) is outdated). Negative → EINVAL.',
  },
  {
    name: 'SO_PREFER_BUSY_POLL', level: 'SOL_SOCKET', type: 'bool', access: 'rw', transports: ALL, effectiveOn: INET, phase: 'any',
    privilege: 'CAP_NET_ADMIN to enable', man: 'socket(7)', example: true,
    summary: 'Prefer busy polling over softirq processing of the NAPI context.',
  },
  {
    name: 'SO_BUSY_POLL_BUDGET', level: 'SOL_SOCKET', type: 'int', access: 'wo', transports: ALL, effectiveOn: INET, phase: 'any',
    privilege: 'CAP_NET_ADMIN to raise it above its current value (initially 0)', man: 'socket(7)', example: 8,
    summary: 'Packets handled per busy-poll round, 0..65535 (outside → EINVAL). Write-only: get → ENOPROTOOPT.',
  },
  {
    name: 'SO_MAX_PACING_RATE', level: 'SOL_SOCKET', type: 'uint64', access: 'rw', transports: ALL, effectiveOn: TCP, phase: 'any',
    privilege: null, man: 'socket(7)', example: 12500000,
    summary: 'Pacing cap in bytes/s, set and read as a u64 (optlen 8): the u32 form stops at 0xffffffff B/s, about 34 Gbit/s. Default ~0 = unlimited, read as the exact decimal string "18446744073709551615" (past 2^53, where a JSON number is no longer exact). TCP internal pacing honours it without fq: 12.5 MB/s → 101 Mbit/s on lo. Other sockets need fq, not built here.',
  },
  {
    name: 'SO_INCOMING_CPU', level: 'SOL_SOCKET', type: 'int', access: 'rw', transports: ALL, effectiveOn: INET, phase: 'any',
    privilege: null, man: 'socket(7)', volatile: true, example: 0,
    summary: 'CPU that last processed the socket\'s packets: -1 until packets arrive. Set accepts any int without validation; used for SO_REUSEPORT CPU affinity.',
  },
  {
    name: 'SO_INCOMING_NAPI_ID', level: 'SOL_SOCKET', type: 'int', access: 'ro', transports: ALL, phase: 'any',
    privilege: null, man: 'socket(7)',
    summary: 'NAPI id of the queue that delivered the last packet; 0 on loopback.',
  },
  {
    name: 'SO_COOKIE', level: 'SOL_SOCKET', type: 'uint64', access: 'ro', transports: ALL, phase: 'any',
    privilege: null, man: 'socket(7)', volatile: true,
    summary: 'Unique 64-bit socket cookie (as seen by BPF and ss). optlen < 8 → EINVAL.',
  },
  {
    name: 'SO_ZEROCOPY', level: 'SOL_SOCKET', type: 'bool', access: 'rw', transports: INET, phase: 'any',
    privilege: null, man: 'socket(7)', example: true,
    summary: 'Allows send(..., MSG_ZEROCOPY); completions arrive on the error queue (SO_EE_ORIGIN_ZEROCOPY = 5). TCP and UDP only: AF_UNIX → EOPNOTSUPP; 2 or -1 → EINVAL.',
  },
  {
    name: 'SO_TXTIME', level: 'SOL_SOCKET', type: 'bytes', access: 'rw', transports: ALL, effectiveOn: INET, phase: 'any',
    privilege: 'CAP_NET_ADMIN for clocks other than CLOCK_MONOTONIC', man: 'socket(7)',
    // struct sock_txtime { clockid_t clockid = 1 (CLOCK_MONOTONIC); __u32 flags = 0; }
    example: { hex: '0100000000000000' },
    summary: 'struct sock_txtime {clockid, flags} (8 bytes; other sizes → EINVAL): per-packet transmit times via SCM_TXTIME. Needs the fq or etf qdisc, neither built here.',
  },
  {
    name: 'SO_BUF_LOCK', level: 'SOL_SOCKET', type: 'int', access: 'rw', transports: ALL, phase: 'any',
    privilege: null, man: 'socket(7)', example: 3,
    summary: 'Buffer autotuning locks: 1 = SNDBUF locked, 2 = RCVBUF locked. Reads 1 after SO_SNDBUF. 0..3; 4 → EINVAL.',
  },
  {
    // Measured: set → EOPNOTSUPP on every transport, for any value (0 included). It needs memcg socket
    // accounting, which this host does not have (cgroup v1 memory controller). Where it works: TCP and UDP.
    name: 'SO_RESERVE_MEM', level: 'SOL_SOCKET', type: 'int', access: 'rw', transports: [], phase: 'any',
    privilege: null, man: 'socket(7)',
    summary: 'Bytes of memory to reserve for the socket outside memory-pressure limits (TCP/UDP). Needs memcg socket accounting: EOPNOTSUPP everywhere on this host.',
  },
  {
    name: 'SO_TXREHASH', level: 'SOL_SOCKET', type: 'int', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'socket(7)', example: 0,
    summary: 'Rehash the flow label / path on retransmission timeouts: 0 off, 1 on, -1 = follow net.core.txrehash; default 1 (net.core.txrehash). 2 → EINVAL. TCP only: UDP/UNIX → EOPNOTSUPP.',
  },
  {
    name: 'SO_NETNS_COOKIE', level: 'SOL_SOCKET', type: 'uint64', access: 'ro', transports: ALL, phase: 'any',
    privilege: null, man: 'socket(7)', volatile: true,
    summary: 'Cookie of the socket\'s network namespace; optlen must be exactly 8 (else EINVAL).',
  },
  {
    name: 'SO_RCVMARK', level: 'SOL_SOCKET', type: 'bool', access: 'rw', transports: ALL, phase: 'any',
    privilege: null, man: 'socket(7)', example: true,
    summary: 'Adds an SO_MARK cmsg with each received packet\'s mark.',
  },
  {
    name: 'SO_RCVPRIORITY', level: 'SOL_SOCKET', type: 'bool', access: 'rw', transports: ALL, phase: 'any',
    privilege: null, man: 'socket(7)', example: true,
    summary: 'Adds an SO_PRIORITY cmsg with each received packet\'s priority (6.14+).',
  },
  // AF_UNIX options live at SOL_SOCKET: Linux has no SOL_UNIX level.
  {
    name: 'SO_PASSCRED', level: 'SOL_SOCKET', type: 'bool', access: 'rw', transports: UNIX, phase: 'any',
    privilege: null, man: 'unix(7)', example: true,
    summary: 'Receive the sender\'s credentials (SCM_CREDENTIALS) with each message. AF_UNIX only: inet → EOPNOTSUPP.',
  },
  {
    name: 'SO_PASSRIGHTS', level: 'SOL_SOCKET', type: 'bool', access: 'rw', transports: UNIX, phase: 'any',
    privilege: null, man: 'unix(7)', example: false,
    summary: 'Accept file descriptors (SCM_RIGHTS); default 1, set 0 to refuse them (6.16+). AF_UNIX only: inet → EOPNOTSUPP.',
  },
  {
    // Measured: doc says inet get → EOPNOTSUPP, but 6.18 answers on every socket; without a peer it
    // returns {pid 0, uid -1, gid -1}. Only a connected unix stream socket (or a socketpair) has real credentials:
    // unix-dgram sockets paired by connect() also read {0, -1, -1}.
    name: 'SO_PEERCRED', level: 'SOL_SOCKET', type: 'bytes', access: 'ro', transports: ALL, effectiveOn: ['unix'], phase: 'any',
    privilege: null, man: 'unix(7)', volatile: true,
    summary: 'struct ucred {pid, uid, gid} (12 bytes) of the peer, taken at connect()/listen(). Answers on every socket, {0, -1, -1} when there is no peer credential.',
  },
  {
    name: 'SO_INQ', level: 'SOL_SOCKET', type: 'bool', access: 'wo', transports: ['unix'], phase: 'any',
    privilege: null, man: 'unix(7)', example: true,
    summary: 'Adds an SCM_INQ cmsg (bytes still queued) to each recvmsg(). Write-only on 6.18 (get → ENOPROTOOPT); unix stream only: unix-dgram and TCP → ENOPROTOOPT.',
  },
  {
    name: 'SO_PASSSEC', level: 'SOL_SOCKET', type: 'bool', access: 'rw', transports: UNIX, phase: 'any',
    privilege: null, man: 'unix(7)', example: true,
    summary: 'Receive the sender\'s security context (SCM_SECURITY); needs an LSM. AF_UNIX only: inet → EOPNOTSUPP.',
  },
  {
    // Measured: ENODATA until connected, and on every socket without peer credentials (tcp, udp, and unix-dgram
    // sockets paired by connect()). Returns 0 bytes when the peer has no supplementary groups.
    name: 'SO_PEERGROUPS', level: 'SOL_SOCKET', type: 'bytes', access: 'ro', transports: ['unix'], phase: 'any',
    privilege: null, man: 'unix(7)', getNeeds: 'connected', volatile: true,
    summary: 'The peer\'s supplementary groups (gid_t array), taken at connect(). ENODATA without a peer; ERANGE if the buffer is too small.',
  },
  {
    name: 'SO_PASSPIDFD', level: 'SOL_SOCKET', type: 'bool', access: 'rw', transports: UNIX, phase: 'any',
    privilege: null, man: 'unix(7)', example: true,
    summary: 'Receive a pidfd of the sender (SCM_PIDFD) with each message. AF_UNIX only: inet → EOPNOTSUPP.',
  },
  {
    // Measured: like SO_PEERGROUPS, ENODATA on every socket without peer credentials.
    name: 'SO_PEERPIDFD', level: 'SOL_SOCKET', type: 'int', access: 'ro', transports: ['unix'], phase: 'any',
    privilege: null, man: 'unix(7)', getNeeds: 'connected', volatile: true, returnsFd: true,
    summary: 'A pidfd for the peer process. Every get installs a NEW file descriptor in the caller, which the caller must close. ENODATA without a peer.',
  },

  // ---- IPPROTO_TCP ----
  {
    name: 'TCP_NODELAY', level: 'IPPROTO_TCP', type: 'bool', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', example: true,
    summary: 'Turns off Nagle: small writes leave at once instead of waiting for the previous segment to be acknowledged. Setting it pushes pending data.',
  },
  {
    name: 'TCP_MAXSEG', level: 'IPPROTO_TCP', type: 'int', access: 'rw', transports: TCP, phase: 'before-connect',
    privilege: null, man: 'tcp(7)', example: 1000,
    summary: 'MSS to announce in the SYN: 88..32767, 0 clears. Unconnected get → 536 or the user value; after connect the current MSS. On an ESTABLISHED socket set returns 0 but changes nothing.',
  },
  {
    name: 'TCP_CORK', level: 'IPPROTO_TCP', type: 'bool', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', example: true,
    summary: 'Holds partial frames until uncorked (at most 200 ms).',
  },
  {
    name: 'TCP_KEEPIDLE', level: 'IPPROTO_TCP', type: 'int', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', example: 60,
    summary: 'Idle seconds before the first keepalive probe; default net.ipv4.tcp_keepalive_time (7200); 1..32767.',
  },
  {
    name: 'TCP_KEEPINTVL', level: 'IPPROTO_TCP', type: 'int', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', example: 10,
    summary: 'Seconds between keepalive probes; default 75; 1..32767.',
  },
  {
    name: 'TCP_KEEPCNT', level: 'IPPROTO_TCP', type: 'int', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', example: 5,
    summary: 'Unanswered keepalive probes before the connection is dropped; default 9; 1..127.',
  },
  {
    name: 'TCP_SYNCNT', level: 'IPPROTO_TCP', type: 'int', access: 'rw', transports: TCP, phase: 'before-connect',
    privilege: null, man: 'tcp(7)', example: 3,
    summary: 'SYN retransmissions before connect() gives up; default net.ipv4.tcp_syn_retries (6); 1..127.',
  },
  {
    name: 'TCP_LINGER2', level: 'IPPROTO_TCP', type: 'int', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', example: 30,
    summary: 'FIN_WAIT2 lifetime of orphaned sockets in seconds; default 60 (tcp_fin_timeout). 0 → sysctl default, > 120 → 120, < 0 → -1 (skip FIN_WAIT2).',
  },
  {
    name: 'TCP_DEFER_ACCEPT', level: 'IPPROTO_TCP', type: 'int', access: 'rw', transports: TCP, phase: 'before-connect',
    privilege: null, man: 'tcp(7)', example: 5,
    summary: 'Listener: wake accept() only when data arrives, for up to this many seconds. Rounded up to the SYN-ACK retransmission schedule: 2 → 3, 5 → 7, 10 → 15, 30 → 31.',
  },
  {
    name: 'TCP_WINDOW_CLAMP', level: 'IPPROTO_TCP', type: 'int', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', example: 65536,
    summary: 'Caps the advertised window in bytes; minimum 1152 (1, 1151 and -1 → 1152). Default 0 unconnected. 0 on an ESTABLISHED socket → EINVAL.',
  },
  {
    name: 'TCP_INFO', level: 'IPPROTO_TCP', type: 'tcp_info', access: 'ro', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', volatile: true,
    summary: 'struct tcp_info: connection state, RTT, congestion window, counters (280 bytes on 6.18; state 7 = CLOSE when unconnected).',
  },
  {
    name: 'TCP_QUICKACK', level: 'IPPROTO_TCP', type: 'bool', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', example: true,
    summary: 'Quick-ACK mode; not sticky (the stack may leave it). Default get 1; 0 enters delayed-ACK ("pingpong") mode.',
  },
  {
    name: 'TCP_CONGESTION', level: 'IPPROTO_TCP', type: 'string', access: 'rw', transports: TCP, phase: 'before-connect',
    privilege: 'CAP_NET_ADMIN for algorithms outside net.ipv4.tcp_allowed_congestion_control', man: 'tcp(7)', example: 'reno',
    summary: 'Congestion control algorithm (here reno, bbr, cubic; default bbr). A listener\'s choice is inherited. Unknown name → ENOENT, "" → EINVAL.',
  },
  {
    name: 'TCP_USER_TIMEOUT', level: 'IPPROTO_TCP', type: 'int', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', example: 30000,
    summary: 'ms that sent data may stay unacknowledged before the connection is dropped; 0 = use tcp_retries2 (default). < 0 → EINVAL.',
  },
  {
    name: 'TCP_FASTOPEN', level: 'IPPROTO_TCP', type: 'int', access: 'rw', transports: TCP, phase: 'before-connect',
    privilege: null, man: 'tcp(7)', example: 16,
    summary: 'Server TFO queue length, set in CLOSE or LISTEN state (ESTABLISHED → EINVAL). Data-in-SYN is only taken when net.ipv4.tcp_fastopen has bit 0x2 (it is 1 here: client only).',
  },
  {
    name: 'TCP_FASTOPEN_CONNECT', level: 'IPPROTO_TCP', type: 'bool', access: 'rw', transports: TCP, phase: 'before-connect',
    privilege: null, man: 'tcp(7)', example: true,
    summary: 'Client TFO: connect() returns at once and the SYN leaves with the first write. 0/1 only (2 → EINVAL).',
  },
  {
    name: 'TCP_NOTSENT_LOWAT', level: 'IPPROTO_TCP', type: 'uint32', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', example: 16384,
    summary: 'Limit on unsent bytes before the socket stops being writable; get 0 = use net.ipv4.tcp_notsent_lowat (UINT_MAX = off). -1 is stored as 0xffffffff.',
  },
  {
    name: 'TCP_THIN_LINEAR_TIMEOUTS', level: 'IPPROTO_TCP', type: 'bool', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', example: true,
    summary: 'Linear instead of exponential RTO backoff for thin streams. 0/1 only (2 → EINVAL).',
  },
  {
    name: 'TCP_THIN_DUPACK', level: 'IPPROTO_TCP', type: 'bool', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', example: true,
    summary: 'No-op on modern kernels: accepted (2 → EINVAL) but get always reads 0.',
  },
  {
    name: 'TCP_TX_DELAY', level: 'IPPROTO_TCP', type: 'int', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', example: 2000,
    summary: 'µs added to every departure time (EDT) to emulate latency. Stored, but needs the fq qdisc (not built here): no effect on lo. < 0 → EINVAL.',
  },
  {
    name: 'TCP_INQ', level: 'IPPROTO_TCP', type: 'bool', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', example: true,
    summary: 'Adds a TCP_CM_INQ cmsg (bytes still queued) to each recvmsg(). 0/1 only (2 → EINVAL).',
  },
  {
    name: 'TCP_SAVE_SYN', level: 'IPPROTO_TCP', type: 'int', access: 'rw', transports: TCP, phase: 'before-connect',
    privilege: null, man: 'tcp(7)', example: 1,
    summary: 'Listener: keep the headers of incoming SYNs for TCP_SAVED_SYN (1 = IP+TCP headers, 2 = also the MAC header); 3 → EINVAL.',
  },
  {
    name: 'TCP_SAVED_SYN', level: 'IPPROTO_TCP', type: 'bytes', access: 'ro', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', volatile: true,
    summary: 'The raw SYN headers saved by TCP_SAVE_SYN on the listener, read once on the accepted socket (then freed). Empty when nothing was saved.',
  },
  {
    // Doc: RW, set only in repair mode. Measured: set → EPERM on a normal socket even as root,
    // so it is read-only in practice.
    name: 'TCP_TIMESTAMP', level: 'IPPROTO_TCP', type: 'uint32', access: 'ro', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', volatile: true,
    summary: 'The connection\'s current TCP timestamp clock (with its random offset once connected). Settable only in TCP_REPAIR mode: EPERM otherwise, even for root.',
  },
  {
    name: 'TCP_CC_INFO', level: 'IPPROTO_TCP', type: 'bytes', access: 'ro', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', volatile: true,
    summary: 'Congestion-control specific info; bbr returns struct tcp_bbr_info (20 bytes: bw_lo, bw_hi, min_rtt, pacing_gain, cwnd_gain with 256 = 1.0). Empty for algorithms without it (reno, cubic).',
  },
  {
    // Measured: no ULP can be attached from user space here: "tls" and "espintcp" → ENOENT (not built),
    // "mptcp" (the only one in tcp_available_ulp) → EOPNOTSUPP, "" → EINVAL. So no example.
    name: 'TCP_ULP', level: 'IPPROTO_TCP', type: 'string', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)',
    summary: 'Attaches an upper-layer protocol such as "tls" (kTLS). Get returns the attached name, "" when none. No attachable ULP is built on this kernel: "tls" → ENOENT.',
  },
  {
    name: 'TCP_IS_MPTCP', level: 'IPPROTO_TCP', type: 'bool', access: 'ro', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)',
    summary: '1 if the socket is an MPTCP subflow seen through IPPROTO_TCP; 0 for plain TCP.',
  },
  {
    name: 'TCP_RTO_MAX_MS', level: 'IPPROTO_TCP', type: 'int', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', example: 60000,
    summary: 'Upper bound of the retransmission timeout in ms; default 120000 (net.ipv4.tcp_rto_max_ms); 1000..120000.',
  },
  {
    name: 'TCP_RTO_MIN_US', level: 'IPPROTO_TCP', type: 'int', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', example: 20000,
    summary: 'Lower bound of the RTO in µs; default 200000. Stored in jiffies: must be 2 jiffies..200 ms (4001..200000 at HZ=250) and reads back rounded up (5000 → 8000).',
  },
  {
    name: 'TCP_DELACK_MAX_US', level: 'IPPROTO_TCP', type: 'int', access: 'rw', transports: TCP, phase: 'any',
    privilege: null, man: 'tcp(7)', example: 40000,
    summary: 'Maximum delayed-ACK timeout in µs; default 200000; same jiffy rounding and range as TCP_RTO_MIN_US.',
  },

  // ---- IPPROTO_IP (also accepted on AF_INET6 sockets, where they act on v4-mapped traffic) ----
  {
    name: 'IP_TOS', level: 'IPPROTO_IP', type: 'int', access: 'rw', transports: IP, phase: 'before-connect',
    privilege: null, man: 'ip(7)', example: 16,
    summary: 'Type of service / DSCP byte, stored as u8 without range check (256 → 0). TCP keeps its own ECN bits (0xff → 0xfc); setting it also rewrites SO_PRIORITY (0x10 → 6).',
  },
  {
    name: 'IP_TTL', level: 'IPPROTO_IP', type: 'int', access: 'rw', transports: IP, phase: 'any',
    privilege: null, man: 'ip(7)', example: 32,
    summary: 'Unicast TTL; default 64 (net.ipv4.ip_default_ttl); 1..255, -1 resets to the default; 0 or 256 → EINVAL.',
  },
  {
    name: 'IP_MTU_DISCOVER', level: 'IPPROTO_IP', type: 'int', access: 'rw', transports: IP, phase: 'before-connect',
    privilege: null, man: 'ip(7)', example: 2,
    summary: 'Path MTU discovery mode 0..5 (DONT, WANT, DO, PROBE, INTERFACE, OMIT); default 1 (WANT). 6 or -1 → EINVAL.',
  },
  {
    name: 'IP_MTU', level: 'IPPROTO_IP', type: 'int', access: 'ro', transports: IP, phase: 'any',
    privilege: null, man: 'ip(7)', getNeeds: 'connected',
    summary: 'Current path MTU of a connected socket: 65535 over IPv4 loopback (an AF_INET6 socket reports its IPv6 route: 65536). Unconnected → ENOTCONN.',
  },
  {
    name: 'IP_RECVERR', level: 'IPPROTO_IP', type: 'bool', access: 'rw', transports: IP, phase: 'any',
    privilege: null, man: 'ip(7)', example: true,
    summary: 'Queue extended errors (ICMP, local errors) on the error queue, read with MSG_ERRQUEUE; mostly for UDP.',
  },
  {
    name: 'IP_FREEBIND', level: 'IPPROTO_IP', type: 'bool', access: 'rw', transports: IP, phase: 'before-bind',
    privilege: null, man: 'ip(7)', example: true,
    summary: 'Allows binding to a non-local or not-yet-configured address.',
  },
  {
    name: 'IP_TRANSPARENT', level: 'IPPROTO_IP', type: 'bool', access: 'rw', transports: IP, phase: 'before-bind',
    privilege: 'CAP_NET_ADMIN or CAP_NET_RAW', man: 'ip(7)', example: true,
    summary: 'Transparent proxying (TPROXY): bind to and answer for foreign addresses.',
  },
  {
    name: 'IP_BIND_ADDRESS_NO_PORT', level: 'IPPROTO_IP', type: 'bool', access: 'rw', transports: IP, phase: 'before-bind',
    privilege: null, man: 'ip(7)', example: true,
    summary: 'bind() with port 0 defers choosing the port to connect(), so many clients can share a source address.',
  },
  {
    name: 'IP_LOCAL_PORT_RANGE', level: 'IPPROTO_IP', type: 'uint32', access: 'rw', transports: IP, phase: 'before-bind',
    privilege: null, man: 'ip(7)', example: 40000 + 50000 * 65536,
    summary: 'Per-socket ephemeral port range as lo | hi << 16 (e.g. 40000..50000 = 3276840000); 0 = use net.ipv4.ip_local_port_range. hi < lo → EINVAL.',
  },
  {
    name: 'IP_RECVTOS', level: 'IPPROTO_IP', type: 'bool', access: 'rw', transports: IP, phase: 'any',
    privilege: null, man: 'ip(7)', example: true,
    summary: 'Adds an IP_TOS cmsg with each received packet\'s TOS byte.',
  },
  {
    name: 'IP_PKTINFO', level: 'IPPROTO_IP', type: 'bool', access: 'rw', transports: IP, phase: 'any',
    privilege: null, man: 'ip(7)', example: true,
    summary: 'Adds an IP_PKTINFO cmsg (interface, local and destination address) to each received datagram.',
  },
  {
    name: 'IP_RECVTTL', level: 'IPPROTO_IP', type: 'bool', access: 'rw', transports: IP, phase: 'any',
    privilege: null, man: 'ip(7)', example: true,
    summary: 'Adds an IP_TTL cmsg with each received packet\'s TTL.',
  },
  {
    name: 'IP_MINTTL', level: 'IPPROTO_IP', type: 'int', access: 'rw', transports: IP, phase: 'any',
    privilege: null, man: 'ip(7)', example: 10,
    summary: 'Drops received packets whose TTL is below this (RFC 5082 GTSM); 0..255, 256 → EINVAL.',
  },

  // ---- IPPROTO_IPV6 (AF_INET6 only: AF_INET → ENOPROTOOPT) ----
  {
    name: 'IPV6_V6ONLY', level: 'IPPROTO_IPV6', type: 'bool', access: 'rw', transports: IPV6, phase: 'before-bind',
    privilege: null, man: 'ipv6(7)', example: true,
    summary: 'Restricts an AF_INET6 socket to IPv6; default net.ipv6.bindv6only (0). After bind() → EINVAL.',
  },
  {
    name: 'IPV6_TCLASS', level: 'IPPROTO_IPV6', type: 'int', access: 'rw', transports: IPV6, phase: 'before-connect',
    privilege: null, man: 'ipv6(7)', example: 16,
    summary: 'Traffic class byte, -1..255 (-1 → 0; 256 → EINVAL). TCP keeps its own ECN bits (0xff → 0xfc). Unlike IP_TOS it leaves SO_PRIORITY alone.',
  },
  {
    name: 'IPV6_UNICAST_HOPS', level: 'IPPROTO_IPV6', type: 'int', access: 'rw', transports: IPV6, phase: 'any',
    privilege: null, man: 'ipv6(7)', example: 32,
    summary: 'Unicast hop limit, -1..255; default get 64; 0 allowed; -1 = route/sysctl default.',
  },
  {
    name: 'IPV6_MTU_DISCOVER', level: 'IPPROTO_IPV6', type: 'int', access: 'rw', transports: IPV6, phase: 'before-connect',
    privilege: null, man: 'ipv6(7)', example: 2,
    summary: 'Path MTU discovery mode 0..5 as for IP_MTU_DISCOVER; default 1; 6 → EINVAL.',
  },
  {
    // Measured: the value set is not what get returns: after setting 1280 and connecting over lo,
    // get reads the route's path MTU (65536).
    name: 'IPV6_MTU', level: 'IPPROTO_IPV6', type: 'int', access: 'rw', transports: IPV6, phase: 'before-connect',
    privilege: null, man: 'ipv6(7)', getNeeds: 'connected', example: 1280,
    summary: 'Set: MTU used to fragment outgoing packets (accepted unconnected). Get: the path MTU of a connected socket (65536 on lo, whatever was set); unconnected → ENOTCONN.',
  },
  {
    name: 'IPV6_RECVERR', level: 'IPPROTO_IPV6', type: 'bool', access: 'rw', transports: IPV6, phase: 'any',
    privilege: null, man: 'ipv6(7)', example: true,
    summary: 'Queue extended errors on the error queue (MSG_ERRQUEUE), as IP_RECVERR.',
  },
  {
    name: 'IPV6_FREEBIND', level: 'IPPROTO_IPV6', type: 'bool', access: 'rw', transports: IPV6, phase: 'before-bind',
    privilege: null, man: 'ipv6(7)', example: true,
    summary: 'Allows binding to a non-local or not-yet-configured IPv6 address.',
  },
  {
    name: 'IPV6_TRANSPARENT', level: 'IPPROTO_IPV6', type: 'bool', access: 'rw', transports: IPV6, phase: 'before-bind',
    privilege: 'CAP_NET_ADMIN or CAP_NET_RAW', man: 'ipv6(7)', example: true,
    summary: 'Transparent proxying for IPv6 (TPROXY).',
  },
  {
    name: 'IPV6_DONTFRAG', level: 'IPPROTO_IPV6', type: 'bool', access: 'rw', transports: IPV6, phase: 'any',
    privilege: null, man: 'ipv6(7)', example: true,
    summary: 'Do not fragment locally: oversized UDP sends fail with EMSGSIZE instead.',
  },
  {
    name: 'IPV6_RECVPKTINFO', level: 'IPPROTO_IPV6', type: 'bool', access: 'rw', transports: IPV6, phase: 'any',
    privilege: null, man: 'ipv6(7)', example: true,
    summary: 'Adds an IPV6_PKTINFO cmsg (destination address, interface) to each received datagram.',
  },
  {
    name: 'IPV6_RECVTCLASS', level: 'IPPROTO_IPV6', type: 'bool', access: 'rw', transports: IPV6, phase: 'any',
    privilege: null, man: 'ipv6(7)', example: true,
    summary: 'Adds an IPV6_TCLASS cmsg with each received packet\'s traffic class.',
  },
  {
    name: 'IPV6_AUTOFLOWLABEL', level: 'IPPROTO_IPV6', type: 'bool', access: 'rw', transports: IPV6, phase: 'any',
    privilege: null, man: 'ipv6(7)', example: false,
    summary: 'Generate flow labels from the flow hash; default 1 on TCP and UDP here (net.ipv6.auto_flowlabels).',
  },

  // ---- IPPROTO_UDP ----
  {
    name: 'UDP_CORK', level: 'IPPROTO_UDP', type: 'bool', access: 'rw', transports: UDP, phase: 'any',
    privilege: null, man: 'udp(7)', example: true,
    summary: 'Accumulates sends into one datagram until uncorked: 100 + 200 + 300 bytes leave as one 600-byte datagram.',
  },
  {
    name: 'UDP_SEGMENT', level: 'IPPROTO_UDP', type: 'int', access: 'rw', transports: UDP, phase: 'any',
    privilege: null, man: 'udp(7)', example: 1400,
    summary: 'GSO segment size 0..65535: one large send leaves as several datagrams (14000 bytes → 10 × 1400); at most 128 segments per send; segment + headers > path MTU → EMSGSIZE.',
  },
  {
    name: 'UDP_GRO', level: 'IPPROTO_UDP', type: 'bool', access: 'rw', transports: UDP, phase: 'any',
    privilege: null, man: 'udp(7)', example: true,
    summary: 'Receive coalesced datagrams: one read returns a whole GSO train plus a UDP_GRO cmsg with the segment size.',
  },
  {
    name: 'UDP_ENCAP', level: 'IPPROTO_UDP', type: 'int', access: 'rw', transports: UDP, phase: 'any',
    privilege: null, man: 'udp(7)', example: 0,
    summary: 'Tunnel encapsulation type: 0 none, 2 ESP-in-UDP, 3 L2TP; a non-zero value hands received packets to that tunnel. Other values (1 = the removed ESPINUDP_NON_IKE, 4+) → ENOPROTOOPT.',
  },
  {
    name: 'UDP_NO_CHECK6_TX', level: 'IPPROTO_UDP', type: 'bool', access: 'rw', transports: UDP, effectiveOn: ['udp6'], phase: 'any',
    privilege: null, man: 'udp(7)', example: true,
    summary: 'Send IPv6 UDP with a zero checksum (RFC 6935, for tunnels). Accepted on udp4, no effect there.',
  },
  {
    name: 'UDP_NO_CHECK6_RX', level: 'IPPROTO_UDP', type: 'bool', access: 'rw', transports: UDP, effectiveOn: ['udp6'], phase: 'any',
    privilege: null, man: 'udp(7)', example: true,
    summary: 'Accept received IPv6 UDP datagrams with a zero checksum. Accepted on udp4, no effect there.',
  },
];
