import type { SysctlValue } from '../kernel/sysctls.js';
import { storedBufferSize } from '../options/buffers.js';
import {
  bdpBytes, bufferForWindow, MAX_SOCKET_BUFFER_BYTES, SEND_BUFFER_FACTOR, sendBufferFor, MAX_TCP_WINDOW_BYTES, UNSCALED_WINDOW_BYTES,
  windowLimitBitsPerSecond, windowOfBuffer, windowScaleFor, windowShare, type MeasuredWindowShare, type WindowShare,
} from './bdp.js';
import { mibText, msText, rateText } from './units.js';
import type { Advice, AdviceRun, BufferAdvice, BufferOption, SettingAdvice, Verdict } from './schema.js';

// The tuning advisor: what a TCP connection needs to keep a path full, setting by setting, from
// the path (bandwidth, RTT) and this host's facts. A pure function: reading the host and loading a
// run belong to the caller, and nothing here changes the host.

/** What tuning advice rests on: this host's kernel, sysctls, qdisc support and window share, read now (src/host/tuning-facts.ts). */
export interface TuningFacts {
  hostname: string;
  kernel: string;
  takenAt: string;
  /** Current values by sysctl name (null: unreadable here). */
  sysctls: Readonly<Record<string, SysctlValue | null>>;
  /** CONFIG_NET_SCH_FQ is y or m (null: the kernel does not expose its configuration). */
  fqBuilt: boolean | null;
  /** The share a new connection offers as window, read from a socket now (null: not measured). */
  measuredShare: MeasuredWindowShare | null;
}

/** The host facts the advice rests on (src/host/tuning-facts.ts reads them). */
export type AdviceHost = TuningFacts;

export interface AdvicePath {
  bandwidthBitsPerSecond: number;
  rttMs: number;
  /** The finished run the figures come from, if any. */
  run: AdviceRun | null;
}

export type BufferRequest = Partial<Record<BufferOption, number>>;

export const FASTERDATA_URL = 'https://fasterdata.es.net/host-tuning/linux/test-measurement-host-tuning/';
const FASTERDATA = `ESnet fasterdata, Test/Measurement Host Tuning (${FASTERDATA_URL})`;
const IP_SYSCTL = 'Linux Documentation/networking/ip-sysctl.rst';
const MEASURED = 'measured on this kernel (docs/kernel-facts.md §8)';
export const SYSCTL_FILE = '/etc/sysctl.d/90-sockbench.conf';
/** Bytes per page in tcp_mem; 4096 on x86_64 and most arm64 kernels. */
const PAGE_BYTES = 4096;
/** The listen backlog cap every kernel since 5.4 ships with. */
const DEFAULT_SOMAXCONN = 4096;
/** How long a burst the per-CPU input queue should absorb: one jiffy at HZ=250 (this kernel's tick). */
const BACKLOG_BURST_MS = 4;
const FRAME_BYTES = 1500;

/** The next power of two at or above `n`, capped at the kernel's largest buffer: values like fasterdata's. */
function roundedUp(n: number): number {
  return Math.min(2 ** Math.ceil(Math.log2(Math.max(n, 1))), MAX_SOCKET_BUFFER_BYTES);
}

const num = (v: SysctlValue | null | undefined): number | null => (typeof v === 'number' ? v : null);
const triple = (v: SysctlValue | null | undefined): number[] | null => (Array.isArray(v) && v.length === 3 ? v : null);
const text = (v: SysctlValue | null | undefined): string | null => (typeof v === 'string' ? v : null);

interface Need {
  bdp: number;
  /** Receive buffer whose window share is the BDP. */
  buffer: number;
  /** Send buffer that keeps the BDP unacknowledged. */
  sendBuffer: number;
  /** SO_RCVBUF and SO_SNDBUF values that store those (the kernel doubles what it is asked). */
  option: number;
  sendOption: number;
  share: WindowShare;
  path: AdvicePath;
  rttMicros: number;
}

function row(name: string, current: SysctlValue | null | undefined, needed: SysctlValue | null, verdict: Verdict, set: SysctlValue | null, reason: string, source: string): SettingAdvice {
  return { name, current: current ?? null, needed, set: verdict === 'ok' ? null : set, verdict, reason, source };
}

function unreadable(name: string, needed: SysctlValue | null, source: string): SettingAdvice {
  return row(name, null, needed, 'unusual', null, `${name} cannot be read on this host (no such file in this kernel or namespace), so it cannot be checked.`, source);
}

function coreMax(name: 'net.core.rmem_max' | 'net.core.wmem_max', current: SysctlValue | null, n: Need): SettingAdvice {
  const receive = name === 'net.core.rmem_max';
  const option = receive ? 'SO_RCVBUF' : 'SO_SNDBUF';
  const ask = receive ? n.option : n.sendOption;
  const buffer = receive ? n.buffer : n.sendBuffer;
  const carries = (stored: number) => (receive ? windowOfBuffer(stored, n.share.ratio) : Math.floor(stored / SEND_BUFFER_FACTOR));
  const source = `${IP_SYSCTL} and net/core/sock.c; ${FASTERDATA}: 268435456 for a 10G NIC on paths up to 100 ms, 536870912 up to 200 ms`;
  const value = num(current);
  if (value === null) return unreadable(name, ask, source);
  const small = value < ask;
  const reason = `The largest ${option} an application may ask for; the kernel stores twice the value asked (2 × min(value, ${name})), so ${option}=${ask} gives the ${buffer}-byte buffer this path needs. ${small ? `At ${value}, an application asking for more gets ${2 * value} bytes: ${receive ? 'a window' : 'room in flight'} of ${carries(2 * value)} bytes, ${rateText(windowLimitBitsPerSecond(carries(2 * value), n.rttMicros))} on this path.` : `${value} is enough.`} Only applications that set ${option} (iperf3 -w, nginx ${receive ? 'rcvbuf=' : 'sndbuf='}) are bound by it, and setting it turns autotuning off for that socket.`;
  return row(name, value, ask, small ? 'too-small' : 'ok', roundedUp(ask), reason, source);
}

function autotuneMax(name: 'net.ipv4.tcp_rmem' | 'net.ipv4.tcp_wmem', current: SysctlValue | null, n: Need): SettingAdvice {
  const receive = name === 'net.ipv4.tcp_rmem';
  const source = `${IP_SYSCTL}; ${FASTERDATA}: ${receive ? '4096 87380' : '4096 65536'} 134217728 for a 10G NIC on paths up to 100 ms, ${receive ? '4096 87380' : '4096 65536'} 268435456 up to 200 ms, with the buffer counted as window; here the window is ${Math.round(n.share.ratio * 100)} % of it`;
  const v = triple(current);
  if (v === null) return unreadable(name, null, source);
  const [min, def, max] = v;
  const buffer = receive ? n.buffer : n.sendBuffer;
  const small = max < buffer;
  const carries = receive ? windowOfBuffer(max, n.share.ratio) : Math.floor(max / SEND_BUFFER_FACTOR);
  const what = receive
    ? `Receive autotuning grows a socket's buffer up to tcp_rmem's third value, and the window offered is ${Math.round(n.share.ratio * 100)} % of the buffer`
    : `Send autotuning grows a socket's buffer up to tcp_wmem's third value, sizing it at ${SEND_BUFFER_FACTOR} x the data in flight (tcp_sndbuf_expand: room for fast recovery)`;
  const reason = `${what}: ${n.bdp} bytes in flight need ${buffer}. ${small ? `At ${max} the ${receive ? 'window' : 'data in flight'} stops at ${carries} bytes, ${rateText(windowLimitBitsPerSecond(carries, n.rttMicros))} on this path.` : `${max} is enough.`} Autotuning only grows buffers that need it, so a high maximum costs memory only on connections that use it.`;
  return row(name, v, [min, def, buffer], small ? 'too-small' : 'ok', [min, def, roundedUp(buffer)], reason, source);
}

function tcpMem(current: SysctlValue | null, n: Need): SettingAdvice {
  const source = IP_SYSCTL;
  const v = triple(current);
  const pages = Math.ceil(Math.max(n.buffer, n.sendBuffer) / PAGE_BYTES);
  if (v === null) return unreadable('net.ipv4.tcp_mem', null, source);
  const [low, pressure, high] = v;
  const small = pressure < pages;
  const reason = `Memory for all TCP sockets together, in ${PAGE_BYTES}-byte pages: above the second value (pressure) the kernel stops growing buffers. One connection's ${Math.max(n.buffer, n.sendBuffer)}-byte buffer is ${pages} pages; ${small ? `the pressure threshold ${pressure} (${mibText(pressure * PAGE_BYTES)}) is below it.` : `the pressure threshold ${pressure} (${mibText(pressure * PAGE_BYTES)}) leaves room for ${Math.floor(pressure / pages)} such connections at once.`} The kernel sizes it from RAM at boot.`;
  return row('net.ipv4.tcp_mem', v, [Math.min(low, pages), pages, Math.max(high, pages)], small ? 'too-small' : 'ok', [low, pages, Math.max(high, pages + (high - pressure))], reason, source);
}

function switchOn(name: string, current: SysctlValue | null, needed: boolean, why: string, off: string, source: string): SettingAdvice {
  const value = num(current);
  if (value === null) return unreadable(name, 1, source);
  if (value !== 0) return row(name, value, needed ? 1 : null, 'ok', null, why, source);
  return row(name, value, 1, needed ? 'too-small' : 'unusual', 1, `${off} ${why}`, source);
}

function advWinScale(current: SysctlValue | null, share: WindowShare): SettingAdvice {
  const value = num(current);
  if (value === null) return row('net.ipv4.tcp_adv_win_scale', null, null, 'ok', null, `Not present on this kernel. ${share.derivation}`, IP_SYSCTL);
  if (share.mechanism === 'scaling_ratio') {
    return row('net.ipv4.tcp_adv_win_scale', value, null, 'ok', null, `Obsolete on this kernel, whatever its value: ${share.derivation}`, `${IP_SYSCTL} ("obsolete since linux-6.6"); ${MEASURED}`);
  }
  const usual = value === 1 || value === 2;
  return row('net.ipv4.tcp_adv_win_scale', value, null, usual ? 'ok' : 'unusual', 1,
    `${share.derivation} ${usual ? '' : 'The kernel default is 1 (2 before 4.19); other values are rarely right.'}`.trim(), IP_SYSCTL);
}

function congestion(current: SysctlValue | null, available: string[], qdisc: string | null, n: Need): SettingAdvice {
  const name = 'net.ipv4.tcp_congestion_control';
  const value = text(current);
  const source = `${IP_SYSCTL}; ${MEASURED}`;
  if (value === null) return unreadable(name, null, source);
  const packets = Math.ceil(n.bdp / FRAME_BYTES);
  const pacing = `BBR paces its sending: with fq as the qdisc the qdisc does it, otherwise TCP paces internally (since Linux 4.13; on this kernel SO_MAX_PACING_RATE is honoured on lo without fq), so bbr works with default_qdisc ${qdisc ?? 'unknown'}.`;
  if (value === 'bbr') return row(name, value, null, 'ok', null, `bbr estimates the path's bandwidth and RTT instead of backing off at every loss, which suits long paths. ${pacing}`, source);
  const alternative = available.includes('bbr') ? 'bbr' : available.includes('cubic') ? 'cubic' : null;
  if (value === 'reno') {
    return row(name, value, alternative, alternative ? 'unusual' : 'ok', alternative,
      `reno grows its window by one packet per RTT after a loss: refilling ${packets} packets (${n.bdp} bytes) takes ${packets} RTTs, ${msText((packets * n.path.rttMs) / 2)} for half of them on this path.${alternative ? ` ${alternative} is available here (tcp_available_congestion_control: ${available.join(' ')}).` : ''}`, source);
  }
  return row(name, value, null, 'ok', null,
    `${value} is loss-based: after a loss it takes many RTTs (${msText(n.path.rttMs)} each) to regain a ${packets}-packet window (${FRAME_BYTES}-byte packets), so random loss on a long path costs throughput.${available.includes('bbr') ? ` bbr is available here (tcp_available_congestion_control: ${available.join(' ')}) and can be chosen per connection (TCP_CONGESTION) to compare. ${pacing}` : ''}`, source);
}

function defaultQdisc(current: SysctlValue | null, congestionControl: string | null, fqBuilt: boolean | null): SettingAdvice {
  const name = 'net.core.default_qdisc';
  const value = text(current);
  const source = `Documentation/admin-guide/sysctl/net.rst; ${FASTERDATA}: default_qdisc = fq; ${MEASURED}`;
  if (value === null) return unreadable(name, null, source);
  const fq = value === 'fq' || value === 'fq_codel';
  const built = fqBuilt === false
    ? 'fq is not built into this kernel (CONFIG_NET_SCH_FQ is not set), so default_qdisc=fq would be refused; '
    : fqBuilt === null ? 'this kernel does not say whether fq is built (no /proc/config.gz); ' : '';
  const bbr = congestionControl === 'bbr'
    ? 'with bbr, TCP paces internally when the qdisc does not (since Linux 4.13), so pacing works either way'
    : 'fq also paces flows that ask for it (SO_MAX_PACING_RATE, bbr)';
  const reason = fq
    ? `${value} schedules flows fairly and paces them (ESnet recommends fq). It applies to real devices created after it is set; lo and veth use noqueue.`
    : `The root qdisc of real devices created after it is set (lo and veth use noqueue). ESnet recommends fq, for fair queueing and pacing; ${built}${bbr}.`;
  return row(name, value, null, 'ok', null, reason, source);
}

function slowStartAfterIdle(current: SysctlValue | null, n: Need): SettingAdvice {
  const name = 'net.ipv4.tcp_slow_start_after_idle';
  const value = num(current);
  const source = IP_SYSCTL;
  if (value === null) return unreadable(name, null, source);
  const packets = Math.max(1, Math.ceil(n.bdp / FRAME_BYTES));
  const rtts = Math.max(0, Math.ceil(Math.log2(packets / 10)));
  const reason = value === 0
    ? 'A connection that idles keeps its congestion window, so a burst after a pause starts at full speed.'
    : `A connection idle for longer than its RTO restarts from the initial window of 10 packets; slow start needs about ${rtts} RTTs (${msText(rtts * n.path.rttMs)}) to regain the ${packets}-packet window of this path (${FRAME_BYTES}-byte packets). Bulk transfers never idle and are not affected; for connections that pause between bursts, 0 keeps the window (the kernel default is 1).`;
  return row(name, value, null, 'ok', null, reason, source);
}

function mtuProbing(current: SysctlValue | null): SettingAdvice {
  const name = 'net.ipv4.tcp_mtu_probing';
  const value = num(current);
  const source = `${IP_SYSCTL}; ${FASTERDATA}: tcp_mtu_probing = 1 with jumbo frames`;
  if (value === null) return unreadable(name, null, source);
  const meaning = ['off: the path MTU comes from ICMP alone', 'on after an ICMP black hole is detected', 'always on'][value] ?? `${value}`;
  return row(name, value, null, value >= 0 && value <= 2 ? 'ok' : 'unusual', null,
    `${value} = ${meaning}. On paths where ICMP "fragmentation needed" is filtered, 1 lets TCP find the MTU itself (ESnet sets it for hosts with jumbo frames); it does not change the window.`, source);
}

function timestamps(current: SysctlValue | null, n: Need): SettingAdvice {
  const wrapSeconds = (2 ** 32 * 8) / n.path.bandwidthBitsPerSecond;
  return switchOn('net.ipv4.tcp_timestamps', current, false,
    `Timestamps give an RTT sample on every ACK and protect against wrapped sequence numbers (PAWS): at ${rateText(n.path.bandwidthBitsPerSecond)} the 4 GiB sequence space wraps in ${wrapSeconds.toFixed(1)} s. They cost 12 bytes of each segment.`,
    'Timestamps are off (the kernel default is 1).', `${IP_SYSCTL}; RFC 7323`);
}

function netdevBacklog(current: SysctlValue | null, n: Need): SettingAdvice {
  const name = 'net.core.netdev_max_backlog';
  const value = num(current);
  const perBurst = Math.ceil((n.path.bandwidthBitsPerSecond / 8 / FRAME_BYTES) * (BACKLOG_BURST_MS / 1000));
  const needed = Math.max(1000, Math.ceil(perBurst / 1000) * 1000);
  const source = `Documentation/admin-guide/sysctl/net.rst; ${MEASURED}; earlier versions of the fasterdata page set 250000 for 10G NICs`;
  if (value === null) return unreadable(name, needed, source);
  const small = value < needed;
  return row(name, value, needed, small ? 'too-small' : 'ok', needed,
    `The per-CPU queue of received packets waiting for the network softirq (veth, loopback and RPS traffic pass through it). At ${rateText(n.path.bandwidthBitsPerSecond)} ${perBurst} packets of ${FRAME_BYTES} bytes arrive in ${BACKLOG_BURST_MS} ms (one kernel tick here); ${small ? `a queue of ${value} drops the rest, and TCP sees loss (on this kernel a veth stream at 17.8 Gbit/s with 1000 retransmitted 1365 segments).` : `${value} holds them.`}`, source);
}

function somaxconn(current: SysctlValue | null): SettingAdvice {
  const name = 'net.core.somaxconn';
  const value = num(current);
  const source = 'Documentation/admin-guide/sysctl/net.rst; listen(2)';
  if (value === null) return unreadable(name, DEFAULT_SOMAXCONN, source);
  const small = value < DEFAULT_SOMAXCONN;
  return row(name, value, DEFAULT_SOMAXCONN, small ? 'too-small' : 'ok', DEFAULT_SOMAXCONN,
    `Caps every listen() backlog: connections that arrive faster than the server accepts them wait there, and beyond it SYNs are dropped (ListenOverflows). It does not bound throughput; ${DEFAULT_SOMAXCONN} is the default since Linux 5.4${small ? `, and ${value} is below it` : ''}.`, source);
}

function bufferAdvice(option: BufferOption, requested: number, host: AdviceHost, n: Need): BufferAdvice {
  const send = option === 'SO_SNDBUF';
  const limitName = send ? 'net.core.wmem_max' : 'net.core.rmem_max';
  const limit = num(host.sysctls[limitName]);
  const { stored, clamped, raised } = storedBufferSize(requested, limit, send);
  const window = send ? Math.floor(stored / SEND_BUFFER_FACTOR) : windowOfBuffer(stored, n.share.ratio);
  const max = windowLimitBitsPerSecond(window, n.rttMicros);
  const enough = window >= n.bdp;
  const how = clamped
    ? `${requested} is above ${limitName} (${limit}), so it is cut to ${limit} and doubled: ${stored}.`
    : raised ? `Twice ${requested} is below the kernel minimum, which is stored instead: ${stored}.`
      : `The kernel doubles it for its bookkeeping: ${stored}.`;
  const lock = send
    ? 'Send autotuning is off for the socket (it would have grown to tcp_wmem\'s maximum).'
    : 'Receive autotuning is off for the socket, and the window scale is fixed when the SYN is sent: set it before listen()/connect().';
  const ask = send ? n.sendOption : n.option;
  const share = send ? `1/${SEND_BUFFER_FACTOR} of ${stored}, as send autotuning would size it` : `${Math.round(n.share.ratio * 100)} % of ${stored}`;
  const result = `${send ? 'It keeps' : 'It offers a window of'} ${window} bytes${send ? ' in flight' : ''} (${share}), at most ${rateText(max)} on this path: ${enough ? 'enough' : `short of the ${n.bdp}-byte bandwidth-delay product; ask for ${ask}${limit !== null && limit < ask ? ` and raise ${limitName} to at least ${ask}` : ''}`}.`;
  return {
    option, requested, storedBytes: stored, limit: { name: limitName, value: limit }, clamped, raisedToMinimum: raised,
    autotuning: 'off', windowBytes: window, maxBitsPerSecond: Math.round(max), enough, note: `${how} ${lock} ${result}`,
  };
}

function assignment(value: SysctlValue): string {
  return Array.isArray(value) ? value.join(' ') : String(value);
}

function sysctlFile(settings: SettingAdvice[], path: AdvicePath, host: AdviceHost): { file: string; commands: string[] } {
  const changes = settings.filter((s) => s.set !== null);
  const what = `${rateText(path.bandwidthBitsPerSecond)} x ${msText(path.rttMs)}${path.run ? ` (run ${path.run.id})` : ''}`;
  const lines = [
    `# ${SYSCTL_FILE}: sockbench advice for ${what}`,
    `# on ${host.hostname} (kernel ${host.kernel}), ${host.takenAt}.`,
    '# sockbench applies nothing: review, then load with `sysctl --system` (or sysctl -p this file).',
  ];
  if (changes.length === 0) lines.push('# Nothing to change: every setting is enough for this path.');
  for (const s of changes) lines.push(`# ${s.name}: ${s.verdict}, now ${assignment(s.current ?? '?')}`, `${s.name} = ${assignment(s.set!)}`);
  const commands = changes.map((s) => (Array.isArray(s.set) ? `sysctl -w ${s.name}="${assignment(s.set)}"` : `sysctl -w ${s.name}=${assignment(s.set!)}`));
  return { file: `${lines.join('\n')}\n`, commands };
}

/** The advice for keeping `path` full on `host`; `buffers` are SO_RCVBUF/SO_SNDBUF values to predict. */
export function advise(path: AdvicePath, host: AdviceHost, buffers: BufferRequest = {}): Advice {
  const s = host.sysctls;
  const share = windowShare(host.kernel, num(s['net.ipv4.tcp_adv_win_scale']), host.measuredShare);
  const rttMicros = path.rttMs * 1000;
  const bdp = bdpBytes(path.bandwidthBitsPerSecond, rttMicros);
  const buffer = bufferForWindow(bdp, share.ratio);
  const sendBuffer = sendBufferFor(bdp);
  const n: Need = { bdp, buffer, sendBuffer, option: Math.ceil(buffer / 2), sendOption: Math.ceil(sendBuffer / 2), share, path, rttMicros };
  const connections = Math.max(Math.ceil(bdp / MAX_TCP_WINDOW_BYTES), Math.ceil(Math.max(buffer, sendBuffer) / MAX_SOCKET_BUFFER_BYTES));
  const available = (text(s['net.ipv4.tcp_available_congestion_control']) ?? '').split(' ').filter(Boolean);
  const cc = text(s['net.ipv4.tcp_congestion_control']);
  const scaled = bdp > UNSCALED_WINDOW_BYTES;

  const settings = [
    coreMax('net.core.rmem_max', s['net.core.rmem_max'] ?? null, n),
    coreMax('net.core.wmem_max', s['net.core.wmem_max'] ?? null, n),
    autotuneMax('net.ipv4.tcp_rmem', s['net.ipv4.tcp_rmem'] ?? null, n),
    autotuneMax('net.ipv4.tcp_wmem', s['net.ipv4.tcp_wmem'] ?? null, n),
    tcpMem(s['net.ipv4.tcp_mem'] ?? null, n),
    switchOn('net.ipv4.tcp_moderate_rcvbuf', s['net.ipv4.tcp_moderate_rcvbuf'] ?? null, true,
      'Receive autotuning: the kernel grows each receive buffer towards tcp_rmem\'s maximum as the connection needs it.',
      'Receive autotuning is off: every connection keeps tcp_rmem\'s default receive buffer.', IP_SYSCTL),
    switchOn('net.ipv4.tcp_window_scaling', s['net.ipv4.tcp_window_scaling'] ?? null, scaled,
      scaled
        ? `Window scaling lets the window exceed ${UNSCALED_WINDOW_BYTES} bytes; this path needs ${bdp}, a window scale of ${windowScaleFor(bdp) ?? 'more than 14'}.`
        : `This path's ${bdp} bytes fit in an unscaled window (${UNSCALED_WINDOW_BYTES}), but every kernel default has scaling on.`,
      `Window scaling is off: no window exceeds ${UNSCALED_WINDOW_BYTES} bytes, ${rateText(windowLimitBitsPerSecond(UNSCALED_WINDOW_BYTES, rttMicros))} on this path.`, `${IP_SYSCTL}; RFC 7323`),
    advWinScale(s['net.ipv4.tcp_adv_win_scale'] ?? null, share),
    congestion(s['net.ipv4.tcp_congestion_control'] ?? null, available, text(s['net.core.default_qdisc']), n),
    defaultQdisc(s['net.core.default_qdisc'] ?? null, cc, host.fqBuilt),
    slowStartAfterIdle(s['net.ipv4.tcp_slow_start_after_idle'] ?? null, n),
    mtuProbing(s['net.ipv4.tcp_mtu_probing'] ?? null),
    timestamps(s['net.ipv4.tcp_timestamps'] ?? null, n),
    switchOn('net.ipv4.tcp_sack', s['net.ipv4.tcp_sack'] ?? null, false,
      `Selective ACKs let the sender resend only what was lost; without them one loss in a ${Math.ceil(bdp / FRAME_BYTES)}-packet window (${FRAME_BYTES}-byte packets) can cost a whole window of resends.`,
      'SACK is off (the kernel default is 1).', `${IP_SYSCTL}; RFC 2018`),
    netdevBacklog(s['net.core.netdev_max_backlog'] ?? null, n),
    somaxconn(s['net.core.somaxconn'] ?? null),
  ];

  const requested = (Object.keys(buffers) as BufferOption[]).filter((k) => buffers[k] !== undefined);
  const bufferRows = requested.sort().map((option) => bufferAdvice(option, buffers[option]!, host, n));
  const { file, commands } = sysctlFile(settings, path, host);
  const short = settings.filter((x) => x.verdict !== 'ok').map((x) => x.name.replace(/^net\.(core|ipv4)\./, ''));
  const beyond = connections > 1 ? ` One connection cannot keep that much in flight (TCP's largest window is ${MAX_TCP_WINDOW_BYTES} bytes, a socket buffer at most ${MAX_SOCKET_BUFFER_BYTES}): use ${connections} parallel connections.` : '';
  const summary = `${rateText(path.bandwidthBitsPerSecond)} x ${msText(path.rttMs)} keeps ${bdp} bytes (${mibText(bdp)}) in flight; at the ${Math.round(share.ratio * 100)} % of a buffer this kernel offers as window, a TCP connection needs a ${buffer}-byte receive buffer (${mibText(buffer)}, SO_RCVBUF=${n.option}) and a ${sendBuffer}-byte send buffer (SO_SNDBUF=${n.sendOption}).${beyond} ${short.length === 0 ? 'This host\'s settings are enough.' : `To change here: ${short.join(', ')}.`}`;

  return {
    path: { bandwidthBitsPerSecond: path.bandwidthBitsPerSecond, rttMs: path.rttMs, source: path.run ? 'run' : 'request', run: path.run },
    bdpBytes: bdp,
    window: {
      share: share.ratio, mechanism: share.mechanism, derivation: share.derivation,
      measured: host.measuredShare && { rcvbufBytes: host.measuredShare.rcvbufBytes, windowClampBytes: host.measuredShare.windowClampBytes },
      bufferBytes: buffer, socketOptionBytes: n.option, sendBufferBytes: sendBuffer, sendSocketOptionBytes: n.sendOption, windowScale: windowScaleFor(bdp), connectionsNeeded: connections,
    },
    summary,
    settings,
    buffers: bufferRows,
    sysctlFile: { path: SYSCTL_FILE, content: file },
    commands,
    applied: false,
    host: { hostname: host.hostname, kernel: host.kernel, takenAt: host.takenAt },
  };
}
