import koffi from 'koffi';

// Struct layouts the kernel reads and writes. Ports and IPv4 addresses are in network order,
// so they are declared big-endian and koffi swaps them for us.

export const sockaddr_in = koffi.struct('sockaddr_in', {
  sin_family: 'uint16',
  sin_port: 'uint16_be',
  sin_addr: koffi.array('uint8', 4),
  sin_zero: koffi.array('uint8', 8),
});

export const sockaddr_in6 = koffi.struct('sockaddr_in6', {
  sin6_family: 'uint16',
  sin6_port: 'uint16_be',
  sin6_flowinfo: 'uint32_be',
  sin6_addr: koffi.array('uint8', 16),
  sin6_scope_id: 'uint32',
});

export const SUN_PATH_MAX = 108;
export const sockaddr_un = koffi.struct('sockaddr_un', {
  sun_family: 'uint16',
  sun_path: koffi.array('uint8', SUN_PATH_MAX),
});

/** Large enough for any address family we use (sockaddr_storage is 128 bytes). */
export const SOCKADDR_STORAGE_SIZE = 128;

export const linger = koffi.struct('linger', { l_onoff: 'int', l_linger: 'int' });
export const timeval = koffi.struct('timeval', { tv_sec: 'long', tv_usec: 'long' });
export const pollfd = koffi.struct('pollfd', { fd: 'int', events: 'short', revents: 'short' });

export const rusage = koffi.struct('rusage', {
  ru_utime: timeval,
  ru_stime: timeval,
  ru_rest: koffi.array('long', 14),
});

// struct tcp_info as the running 6.18 kernel defines it (280 bytes, read from BTF; see
// docs/kernel-facts.md §2). glibc's header says 104 and linux-libc-dev 6.1 says 232, so the
// layout is ours. Bytes 6 and 7 hold bitfields, which koffi cannot express: they are read as
// whole bytes and split by decodeTcpInfo. Fields past the length the kernel returns are dropped.
export const tcp_info = koffi.struct('tcp_info', {
  tcpi_state: 'uint8',
  tcpi_ca_state: 'uint8',
  tcpi_retransmits: 'uint8',
  tcpi_probes: 'uint8',
  tcpi_backoff: 'uint8',
  tcpi_options: 'uint8',
  tcpi_wscale_bits: 'uint8',
  tcpi_flag_bits: 'uint8',
  tcpi_rto: 'uint32',
  tcpi_ato: 'uint32',
  tcpi_snd_mss: 'uint32',
  tcpi_rcv_mss: 'uint32',
  tcpi_unacked: 'uint32',
  tcpi_sacked: 'uint32',
  tcpi_lost: 'uint32',
  tcpi_retrans: 'uint32',
  tcpi_fackets: 'uint32',
  tcpi_last_data_sent: 'uint32',
  tcpi_last_ack_sent: 'uint32',
  tcpi_last_data_recv: 'uint32',
  tcpi_last_ack_recv: 'uint32',
  tcpi_pmtu: 'uint32',
  tcpi_rcv_ssthresh: 'uint32',
  tcpi_rtt: 'uint32',
  tcpi_rttvar: 'uint32',
  tcpi_snd_ssthresh: 'uint32',
  tcpi_snd_cwnd: 'uint32',
  tcpi_advmss: 'uint32',
  tcpi_reordering: 'uint32',
  tcpi_rcv_rtt: 'uint32',
  tcpi_rcv_space: 'uint32',
  tcpi_total_retrans: 'uint32',
  tcpi_pacing_rate: 'uint64',
  tcpi_max_pacing_rate: 'uint64',
  tcpi_bytes_acked: 'uint64',
  tcpi_bytes_received: 'uint64',
  tcpi_segs_out: 'uint32',
  tcpi_segs_in: 'uint32',
  tcpi_notsent_bytes: 'uint32',
  tcpi_min_rtt: 'uint32',
  tcpi_data_segs_in: 'uint32',
  tcpi_data_segs_out: 'uint32',
  tcpi_delivery_rate: 'uint64',
  tcpi_busy_time: 'uint64',
  tcpi_rwnd_limited: 'uint64',
  tcpi_sndbuf_limited: 'uint64',
  tcpi_delivered: 'uint32',
  tcpi_delivered_ce: 'uint32',
  tcpi_bytes_sent: 'uint64',
  tcpi_bytes_retrans: 'uint64',
  tcpi_dsack_dups: 'uint32',
  tcpi_reord_seen: 'uint32',
  tcpi_rcv_ooopack: 'uint32',
  tcpi_snd_wnd: 'uint32',
  tcpi_rcv_wnd: 'uint32',
  tcpi_rehash: 'uint32',
  tcpi_total_rto: 'uint16',
  tcpi_total_rto_recoveries: 'uint16',
  tcpi_total_rto_time: 'uint32',
  tcpi_received_ce: 'uint32',
  tcpi_delivered_e1_bytes: 'uint32',
  tcpi_delivered_e0_bytes: 'uint32',
  tcpi_delivered_ce_bytes: 'uint32',
  tcpi_received_e1_bytes: 'uint32',
  tcpi_received_e0_bytes: 'uint32',
  tcpi_received_ce_bytes: 'uint32',
  tcpi_accecn_fail_mode: 'uint16',
  tcpi_accecn_opt_seen: 'uint16',
});

export const TCP_INFO_SIZE = koffi.sizeof(tcp_info);
