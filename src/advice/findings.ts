import { Type, type Static } from '@sinclair/typebox';
import { isDatagram, isTcp } from '../bench/index.js';
import { SideSchema, StringEnum } from '../schema-types.js';
import { bdpBytes, windowLimitBitsPerSecond } from './bdp.js';
import {
  bytes, counter, micros, num, option, optionValue, percent, rate, requested, sysctlNumber, tcpInfo, throughput, windowSeconds,
  EvidenceSchema, type Evidence, type RunEvidence, type Side,
} from './evidence.js';

// What bounded a run's figures, as findings with the numbers that show it: pure functions of the
// result, the options each side's kernel ended with, the hosts' sysctls and the kernel counters
// of the window. A finding fires only where its evidence holds; the margins are wide, since the
// RTT that TCP_INFO reports at the end of a run and the CPU a thread gets on a shared host both
// move from run to run.

export const FINDING_CODES = [
  'window-limited', 'sndbuf-limited', 'cpu-limited', 'retransmissions', 'nagle-delayed-ack', 'udp-receive-overflow', 'paced', 'placement',
] as const;
export type FindingCode = (typeof FINDING_CODES)[number];

export const FindingCodeSchema = StringEnum(FINDING_CODES, { description: 'What bounded the figure' });

/** A finding as results show it (result.explanation). */
export const FindingSchema = Type.Object({
  code: FindingCodeSchema,
  side: Type.Union([SideSchema, Type.Null()], { description: 'The side it is about (null: the run as a whole)' }),
  summary: Type.String({ description: 'One sentence, with the numbers' }),
  evidence: Type.Array(EvidenceSchema, { description: 'The figures the finding rests on' }),
  advice: Type.Union([Type.String(), Type.Null()], { description: 'What to change (null: nothing to change)' }),
}, { additionalProperties: false });

/** A sweep point's findings: code and sentence only. */
export const FindingShortSchema = Type.Object({ code: FindingCodeSchema, summary: Type.String() }, { additionalProperties: false });

export type Finding = Static<typeof FindingSchema>;

/** A finding and how strongly its evidence bears on the figure (0..1), for ordering. */
interface Scored extends Finding {
  strength: number;
}

/**
 * The share of a locked receive buffer offered as window before the kernel has measured its
 * packets (TCP_DEFAULT_SCALING_RATIO, 50 %): a listener with SO_RCVBUF=4096 gives accepted
 * sockets a stored 8192 and a window clamp of 4096 (docs/kernel-facts.md §4 and §8).
 */
const RECEIVE_WINDOW_SHARE = 0.5;
/** Of a send buffer, the share that holds payload (the rest is sk_buff overhead, as on receive). */
const SEND_PAYLOAD_SHARE = 0.5;
/** A run that reached this share of what its window or buffer allows at the measured RTT was bounded by it. */
const BOUND_MARGIN = 0.25;
/** ... or whose sender the kernel saw waiting for the window for this share of its busy time. */
const CHRONO_SHARE = 0.2;
/** A sender waiting for a capped window this share of its busy time was bounded by it, whatever the rtt. */
const RWND_MOSTLY = 0.5;
/** A thread on a CPU, or runnable and waiting for one, for this share of the window wanted a whole CPU. */
const CPU_SATURATED = 0.85;
/** Linux's smallest delayed-ACK timeout is 40 ms (TCP_DELACK_MIN); a round trip this slow waited for one. */
const DELAYED_ACK_MIN_MICROS = 20_000;
const DELAYED_ACK_MAX_MICROS = 500_000;
/** A paced run delivers close to its rate. */
const PACED_LOW = 0.85;
const PACED_HIGH = 1.15;
/** Round trips slower than this are dominated by something other than a wake-up. */
const PLACEMENT_MAX_P50_MICROS = 5000;
/** Loss the counters do not explain beyond this share (or a couple of datagrams) is said to be unexplained. */
const UNEXPLAINED_SHARE = 0.02;

const other = (side: Side): Side => (side === 'client' ? 'server' : 'client');

/**
 * What `windowBytes` per round trip allows at the rtt TCP_INFO reports at the end of the run,
 * against the rate reached. A rate above it means the rtt during the run was shorter than at its
 * end: then the sentence gives the rtt at which the window carries the rate instead.
 */
function overRtt(windowBytes: number, bps: number, rttMicros: number, minRttMicros: number | null): string {
  const allowed = windowLimitBitsPerSecond(windowBytes, rttMicros);
  if (bps <= allowed * 1.25) return `allows ${rate(allowed)} over the ${micros(rttMicros)} rtt; the run reached ${rate(bps)} (${percent(bps / allowed)} of that)`;
  const implied = (windowBytes * 8e6) / bps;
  return `carries the ${rate(bps)} the run reached at a round trip of ${micros(implied)} (min_rtt ${minRttMicros === null ? 'unknown' : micros(minRttMicros)}; TCP_INFO reports ${micros(rttMicros)} at the end of the run, where the window would allow only ${rate(allowed)})`;
}

/** TCP stream: the receive window, capped by an option or by autotuning's ceiling, over the RTT. */
function windowLimited(f: RunEvidence): Scored | null {
  const { config, result } = f;
  const sender = tcpInfo(f, 'client');
  const receiver = tcpInfo(f, 'server');
  const bps = throughput(result);
  const rtt = sender?.rtt ?? null;
  if (config.pattern !== 'stream' || !isTcp(config.transport) || !sender || bps === null || rtt === null || !(rtt > 0)) return null;
  const locked = requested(f, 'server', 'SO_RCVBUF', 'SO_RCVBUFFORCE');
  const clamp = requested(f, 'server', 'TCP_WINDOW_CLAMP');
  const rcvbuf = num(optionValue(option(f, 'server', 'SO_RCVBUF')));
  const rmemMax = sysctlNumber(f, 'server', 'net.ipv4.tcp_rmem', 2);
  // A locked buffer caps the window at its share; an autotuned one may grow to tcp_rmem's maximum.
  const bufferBytes = locked ? rcvbuf : rmemMax;
  if (bufferBytes === null) return null;
  const candidates: Array<[string, number]> = [['server SO_RCVBUF share', Math.floor(bufferBytes * RECEIVE_WINDOW_SHARE)]];
  const clampValue = num(optionValue(clamp));
  if (clamp && clampValue !== null) candidates.push(['server TCP_WINDOW_CLAMP', clampValue]);
  // The window as the sender last saw it, and the receiver's own estimate, count only for a capped
  // window: an autotuned receiver's window at the end of a run is not its ceiling.
  if (locked || clamp) {
    const sndWnd = sender.snd_wnd ?? 0;
    const rcvSpace = receiver?.rcv_space ?? 0;
    if (sndWnd > 0) candidates.push(['client snd_wnd', sndWnd]);
    if (rcvSpace > 0) candidates.push(['server rcv_space', rcvSpace]);
  }
  const [limit, windowBytes] = candidates.reduce((a, b) => (b[1] < a[1] ? b : a));
  const allowed = windowLimitBitsPerSecond(windowBytes, rtt);
  const reached = bps / allowed;
  const busy = sender.busy_time ?? 0;
  const rwndShare = busy > 0 ? (sender.rwnd_limited ?? 0) / busy : 0;
  const capped = Boolean(locked || clamp);
  // The end-of-run rtt moves from run to run; a capped window the sender mostly waited for counts too.
  if (!(reached >= BOUND_MARGIN || (capped && rwndShare >= RWND_MOSTLY))) return null;
  const who = clamp && limit === 'server TCP_WINDOW_CLAMP'
    ? `the server's TCP_WINDOW_CLAMP=${String(clamp.requested)}`
    : locked
      ? `the server's ${locked.name}=${String(locked.requested)} (stored ${rcvbuf} B, of which the kernel offers about half as window)`
      : `the server's receive autotuning, whose ceiling is net.ipv4.tcp_rmem max = ${rmemMax} B`;
  const evidence: Evidence[] = [
    { name: 'summary.bitsPerSecond', value: bps, unit: 'bit/s' },
    ...candidates.map(([name, value]): Evidence => ({ name, value, unit: 'bytes' })),
    { name: 'window', value: windowBytes, unit: 'bytes' },
    { name: 'tcpInfo.client.rtt', value: rtt, unit: 'µs' },
    { name: 'tcpInfo.client.min_rtt', value: sender.min_rtt ?? null, unit: 'µs' },
    { name: 'window / rtt', value: Math.round(allowed), unit: 'bit/s' },
    { name: 'tcpInfo.client.busy_time', value: busy, unit: 'µs' },
    { name: 'tcpInfo.client.rwnd_limited', value: sender.rwnd_limited ?? null, unit: 'µs' },
  ];
  if (locked) evidence.push({ name: `server ${locked.name} requested`, value: locked.requested as number, unit: 'bytes' });
  const larger = locked
    ? `Give the server a larger ${locked.name} (the window grows with it: twice the buffer, about twice the rate at this RTT), or leave it unset so that receive autotuning can grow the window up to net.ipv4.tcp_rmem max (${rmemMax ?? 'unknown'} B)`
    : `Raise net.ipv4.tcp_rmem's maximum (${rmemMax} B) on the server's host, so that autotuning can offer a larger window`;
  return {
    code: 'window-limited', side: 'server', strength: Math.min(1, Math.max(reached, rwndShare)),
    summary: `The receive window, ${windowBytes} B set by ${who}, ${overRtt(windowBytes, bps, rtt, sender.min_rtt ?? null)}, and the sender was waiting for the window for ${percent(rwndShare)} of its busy time.`,
    evidence,
    advice: `${larger}; POST /v1/advice sizes the buffer for a path's bandwidth and RTT.`,
  };
}

/** TCP stream: the sender's own buffer holds less than the bandwidth-delay product. */
function sndbufLimited(f: RunEvidence): Scored | null {
  const { config, result } = f;
  const sender = tcpInfo(f, 'client');
  const bps = throughput(result);
  const rtt = sender?.rtt ?? null;
  if (config.pattern !== 'stream' || !isTcp(config.transport) || !sender || bps === null || rtt === null) return null;
  const locked = requested(f, 'client', 'SO_SNDBUF', 'SO_SNDBUFFORCE');
  const sndbuf = num(optionValue(option(f, 'client', 'SO_SNDBUF')));
  const busy = sender.busy_time ?? 0;
  const share = busy > 0 ? (sender.sndbuf_limited ?? 0) / busy : 0;
  const bdp = bdpBytes(bps, rtt);
  const payload = sndbuf === null ? null : Math.floor(sndbuf * SEND_PAYLOAD_SHARE);
  const below = Boolean(locked) && payload !== null && payload < bdp;
  if (!(share >= CHRONO_SHARE || below)) return null;
  const why = locked
    ? `the client's ${locked.name}=${String(locked.requested)} (stored ${sndbuf} B, locked: send autotuning is off)`
    : `send autotuning (net.ipv4.tcp_wmem max = ${sysctlNumber(f, 'client', 'net.ipv4.tcp_wmem', 2) ?? 'unknown'} B)`;
  return {
    code: 'sndbuf-limited', side: 'client', strength: Math.min(1, Math.max(share, below ? 0.8 : 0)),
    summary: `The client's send buffer, ${sndbuf ?? 'unknown'} B set by ${why}, holds about ${payload ?? 'unknown'} B of data, below the ${bdp} B that ${rate(bps)} keeps in flight over the ${micros(rtt)} rtt TCP_INFO reports at the end of the run; the kernel counted the sender send-buffer-limited for ${percent(share)} of its busy time.`,
    evidence: [
      { name: 'summary.bitsPerSecond', value: bps, unit: 'bit/s' },
      { name: 'client SO_SNDBUF', value: sndbuf, unit: 'bytes' },
      { name: 'bandwidth-delay product', value: bdp, unit: 'bytes' },
      { name: 'tcpInfo.client.rtt', value: sender.rtt, unit: 'µs' },
      { name: 'tcpInfo.client.busy_time', value: busy, unit: 'µs' },
      { name: 'tcpInfo.client.sndbuf_limited', value: sender.sndbuf_limited ?? null, unit: 'µs' },
    ],
    advice: locked
      ? `Give the client a larger ${locked.name} (at least ${2 * bdp} B stores ${4 * bdp} B, twice the data in flight), or leave it unset so that send autotuning sizes it.`
      : `Raise net.ipv4.tcp_wmem's maximum on the client's host.`,
  };
}

/** A side's thread ran, or was runnable and waiting for a CPU, for about the whole window. */
function cpuLimited(f: RunEvidence): Scored | null {
  const seconds = windowSeconds(f.result);
  if (seconds === null) return null;
  const windowMs = seconds * 1000;
  // A bidirectional stream runs two threads per side and stream (one sending, one receiving).
  const threadsPerStream = f.config.direction === 'bidirectional' ? 2 : 1;
  const threads = f.config.streams * threadsPerStream;
  let best: Scored | null = null;
  for (const side of ['client', 'server'] as const) {
    const cpu = f.result.cpu[side];
    if (!cpu) continue;
    const used = (cpu.userMs + cpu.systemMs) / threads;
    const waited = (cpu.waitMs ?? 0) / threads;
    const demand = (used + waited) / windowMs;
    // Time spent waiting for a CPU counts for less than time on one: the host's other load had a share in it.
    const strength = Math.min(1, (used + waited / 2) / windowMs);
    if (demand < CPU_SATURATED || (best && best.strength >= strength)) continue;
    const systemShare = cpu.systemMs / Math.max(cpu.userMs + cpu.systemMs, 1e-9);
    const perThread = threads > 1 ? ` per thread (${threads} threads: ${f.config.streams} stream${f.config.streams > 1 ? 's' : ''}${threadsPerStream > 1 ? ', both directions' : ''})` : '';
    const waitText = waited > 0.02 * windowMs ? ` and waited ${percent(waited / windowMs)} of it for a CPU while runnable (other load on this host)` : '';
    best = {
      code: 'cpu-limited', side, strength,
      summary: `The ${side} thread used ${percent(used / windowMs)} of a CPU over the ${micros(windowMs * 1000)} window${perThread} (user ${percent(cpu.userMs / threads / windowMs)}, system ${percent(cpu.systemMs / threads / windowMs)})${waitText}: on a CPU or waiting for one for ${percent(Math.min(1, demand))} of the window, so the CPU it got bounded the figure.`,
      evidence: [
        { name: `cpu.${side}.userMs`, value: cpu.userMs, unit: 'ms' },
        { name: `cpu.${side}.systemMs`, value: cpu.systemMs, unit: 'ms' },
        { name: `cpu.${side}.waitMs`, value: cpu.waitMs, unit: 'ms' },
        { name: 'window', value: Math.round(windowMs * 1000) / 1000, unit: 'ms' },
        { name: 'streams', value: f.config.streams },
        { name: `cpus.${side}`, value: (f.result.cpus[side] ?? []).join(',') },
      ],
      advice: systemShare >= 0.5
        ? `Most of it is kernel time (system ${percent(systemShare)} of the thread's CPU): larger messages mean fewer calls for the same bytes${threads === 1 ? ', and streams > 1 spreads the work over more CPUs' : ''}.${waited > 0.02 * windowMs ? ' Run on a quieter host for figures that measure the kernel rather than the competition for CPUs.' : ''}`
        : `Most of it is user time (${percent(1 - systemShare)}): the loop itself is the bound; ${threads === 1 ? 'streams > 1 spreads it over more CPUs' : 'pin each side to its own CPU with affinity'}.`,
    };
  }
  return best;
}

/** TCP: segments sent again. */
function retransmissions(f: RunEvidence): Scored | null {
  if (!isTcp(f.config.transport)) return null;
  let best: Scored | null = null;
  for (const side of ['client', 'server'] as const) {
    const info = tcpInfo(f, side);
    const retransmitted = info?.total_retrans ?? 0;
    if (!info || !(retransmitted > 0)) continue;
    if (best && (tcpInfo(f, best.side!)?.total_retrans ?? 0) >= retransmitted) continue;
    const sent = info.bytes_sent ?? null;
    const retransBytes = info.bytes_retrans ?? null;
    const share = sent && retransBytes !== null ? retransBytes / sent : null;
    const cwnd = info.snd_cwnd ?? 0;
    const mss = info.snd_mss ?? 0;
    const cwndBytes = cwnd * mss;
    const window = tcpInfo(f, side)?.snd_wnd ?? null;
    const spurious = (info.dsack_dups ?? 0) >= retransmitted;
    const probes = counter(f, side, 'TcpExt.TCPLossProbes');
    best = {
      code: 'retransmissions', side, strength: Math.min(0.6, 0.1 + (share ?? 0) * 10),
      summary: `The ${side} retransmitted ${retransmitted} segments (${retransBytes ?? 'unknown'} B${share === null ? '' : `, ${percent(share, 2)} of ${bytes(sent!)} sent`}${spurious ? '; DSACK reported every one as a duplicate, so they were spurious' : ''}), ${info.lost} were still counted lost at the end; cwnd ${cwnd} × ${mss} B = ${cwndBytes} B against a ${window ?? 'unknown'} B window.`,
      evidence: [
        { name: `tcpInfo.${side}.total_retrans`, value: info.total_retrans, unit: 'segments' },
        { name: `tcpInfo.${side}.bytes_retrans`, value: retransBytes, unit: 'bytes' },
        { name: `tcpInfo.${side}.bytes_sent`, value: sent, unit: 'bytes' },
        { name: `tcpInfo.${side}.lost`, value: info.lost, unit: 'segments' },
        { name: `tcpInfo.${side}.dsack_dups`, value: info.dsack_dups ?? null, unit: 'segments' },
        { name: `tcpInfo.${side}.snd_cwnd`, value: info.snd_cwnd, unit: 'segments' },
        { name: `tcpInfo.${side}.snd_mss`, value: info.snd_mss, unit: 'bytes' },
        { name: `tcpInfo.${side}.snd_wnd`, value: window, unit: 'bytes' },
        { name: 'kernelCounters Tcp.RetransSegs', value: counter(f, side, 'Tcp.RetransSegs'), unit: 'segments' },
        { name: 'kernelCounters TcpExt.TCPLossProbes', value: probes, unit: 'segments' },
      ],
      advice: !spurious
        ? `Segments were lost on the way (or overran the receiver${counter(f, other(side), 'TcpExt.RcvPruned') ? ', which pruned its queue' : ''}): check the path and the kernel counters; a larger receive buffer helps when the receiver drops them.`
        : window !== null && window < cwndBytes
          ? `The receiver already had these segments: with a window far below the congestion window (${window} B against ${cwndBytes} B) tail loss probes fire while the window is closed. Fix the window first (see window-limited).`
          // Spurious and rare: a probe or timer that fired early on a busy host; nothing to change.
          : null,
    };
  }
  return best;
}

/** rr/crr in pieces without TCP_NODELAY: Nagle waits for the ACK that the other side delays. */
function nagleDelayedAck(f: RunEvidence): Scored | null {
  const { config, result } = f;
  if (!isTcp(config.transport) || config.pattern === 'stream' || config.requestWrites <= 1 || !result.rr) return null;
  const nodelay = option(f, 'client', 'TCP_NODELAY');
  const on = optionValue(nodelay);
  if (on === true || on === 1) return null;
  const p50 = num(result.rr.latencyMicros.p50);
  if (p50 === null || p50 < DELAYED_ACK_MIN_MICROS || p50 > DELAYED_ACK_MAX_MICROS) return null;
  const ato = tcpInfo(f, 'server')?.ato ?? null;
  return {
    code: 'nagle-delayed-ack', side: 'client', strength: 0.95,
    summary: `Each request goes out in ${config.requestWrites} writes with TCP_NODELAY off on the client: Nagle holds back the later pieces until the first is acknowledged, and the server delays that ACK${ato ? ` (ato ${micros(ato)})` : ''}, so the median round trip took ${micros(p50)}, about one delayed-ACK timeout.`,
    evidence: [
      { name: 'config.requestWrites', value: config.requestWrites },
      { name: 'config.messageSize', value: config.messageSize, unit: 'bytes' },
      { name: 'client TCP_NODELAY', value: nodelay ? (on as boolean | number) : 'not set (off)' },
      { name: 'summary.latencyMicros.p50', value: p50, unit: 'µs' },
      { name: 'summary.transactionsPerSecond', value: result.rr.transactionsPerSecond },
      { name: 'tcpInfo.server.ato', value: ato, unit: 'µs' },
      { name: 'kernelCounters TcpExt.DelayedACKs', value: counter(f, 'server', 'TcpExt.DelayedACKs'), unit: 'segments' },
    ],
    advice: 'Set TCP_NODELAY on the client, the side that writes each request in pieces (options.client.TCP_NODELAY: true), or write each request at once (requestWrites: 1).',
  };
}

/** UDP stream: datagrams lost, against the receive-buffer drops the kernel counted. */
function udpReceiveOverflow(f: RunEvidence): Scored | null {
  const d = f.result.datagram;
  const { transport } = f.config;
  if (!d || !isDatagram(transport) || transport === 'unix-dgram' || !(d.lost > 0)) return null;
  const name = transport === 'udp6' ? 'Udp6.RcvbufErrors' : 'Udp.RcvbufErrors';
  const drops = counter(f, 'server', name);
  const rcvbuf = num(optionValue(option(f, 'server', 'SO_RCVBUF')));
  const rmemMax = sysctlNumber(f, 'server', 'net.core.rmem_max');
  const explained = drops === null ? 0 : Math.min(drops, d.lost);
  const unexplained = d.lost - explained;
  const tolerated = Math.max(2, Math.ceil(d.lost * UNEXPLAINED_SHARE));
  const dropsText = drops === null
    ? `the kernel's ${name} counter could not be read, so nothing explains them`
    : drops >= d.lost - tolerated
      ? `the kernel counted ${drops} receive-buffer drops (${name}) in the window, which accounts for ${drops > d.lost + tolerated ? 'all of them (the counter includes other traffic in this network namespace)' : 'them'}`
      : `the kernel counted ${drops} receive-buffer drops (${name}) in the window; ${unexplained} lost datagrams are unexplained by the counters (lost elsewhere: on the path, or in a queue these counters do not see)`;
  return {
    code: 'udp-receive-overflow', side: 'server', strength: Math.min(1, 0.5 + (d.lossRatio ?? 0)),
    summary: `${d.lost} of ${d.sent} datagrams (${percent(d.lossRatio ?? 0, 2)}) were lost; ${dropsText}.`,
    evidence: [
      { name: 'summary.sent', value: d.sent, unit: 'datagrams' },
      { name: 'summary.lost', value: d.lost, unit: 'datagrams' },
      { name: `kernelCounters ${name}`, value: drops, unit: 'datagrams' },
      { name: 'unexplained', value: drops === null ? null : unexplained, unit: 'datagrams' },
      { name: 'server SO_RCVBUF', value: rcvbuf, unit: 'bytes' },
      { name: 'net.core.rmem_max', value: rmemMax, unit: 'bytes' },
    ],
    advice: drops !== null && explained > 0
      ? `Give the server a larger SO_RCVBUF (now ${rcvbuf ?? 'unknown'} B): net.core.rmem_max = ${rmemMax ?? 'unknown'} B caps what it may ask for (the kernel stores twice the value, so at most ${rmemMax === null ? 'twice that' : `${2 * rmemMax} B`}); beyond that raise rmem_max or use SO_RCVBUFFORCE (CAP_NET_ADMIN). A paced sender (rateBitsPerSecond) shows the rate the receiver keeps up with.`
      : 'The receive buffer did not overflow: look at the path (the peer link, its MTU, a firewall) for the loss.',
  };
}

/** A paced stream went at its pacing rate. */
function paced(f: RunEvidence): Scored | null {
  const { config, result } = f;
  const bps = throughput(result);
  if (config.pattern !== 'stream' || bps === null) return null;
  // The sending side's socket (a reverse stream's sender is the server).
  const sender = config.direction === 'reverse' ? 'server' : 'client';
  const pacing = option(f, sender, 'SO_MAX_PACING_RATE');
  const pacingBytes = pacing && pacing.requested !== null ? num(optionValue(pacing)) : null;
  const limits: Array<[string, number]> = [];
  if (config.rateBitsPerSecond > 0) limits.push(['rateBitsPerSecond', config.rateBitsPerSecond]);
  // pacingRateBitsPerSecond is the client's SO_MAX_PACING_RATE, set through the options.
  const viaParameter = config.pacingRateBitsPerSecond !== null;
  if (pacingBytes !== null && pacingBytes > 0 && pacingBytes < 2 ** 53) limits.push([viaParameter ? 'pacingRateBitsPerSecond' : `${sender} SO_MAX_PACING_RATE`, pacingBytes * 8]);
  if (limits.length === 0) return null;
  const [by, limit] = limits.reduce((a, b) => (b[1] < a[1] ? b : a));
  const reached = bps / limit;
  if (reached < PACED_LOW || reached > PACED_HIGH) return null;
  const what = by === `${sender} SO_MAX_PACING_RATE` ? `SO_MAX_PACING_RATE=${pacingBytes} B/s` : by === 'pacingRateBitsPerSecond' ? `pacingRateBitsPerSecond (SO_MAX_PACING_RATE=${pacingBytes} B/s)` : by;
  return {
    code: 'paced', side: sender, strength: 0.9,
    summary: `The sender was paced to ${rate(limit)} by ${what} and delivered ${rate(bps)} (${percent(reached)} of it).`,
    evidence: [
      { name: 'summary.bitsPerSecond', value: bps, unit: 'bit/s' },
      ...limits.map(([name, value]): Evidence => ({ name, value, unit: 'bit/s' })),
    ],
    advice: `Remove ${by === `${sender} SO_MAX_PACING_RATE` ? 'SO_MAX_PACING_RATE' : by} to measure what the path itself carries.`,
  };
}

/** rr/crr on loopback: each round trip wakes the other side's thread, often on another CPU. */
function placement(f: RunEvidence): Scored | null {
  const { config, result } = f;
  if (config.pattern === 'stream' || !result.rr || config.peer !== undefined) return null;
  const p50 = num(result.rr.latencyMicros.p50);
  if (p50 === null || p50 > PLACEMENT_MAX_P50_MICROS) return null;
  const client = result.cpus.client ?? [];
  const server = result.cpus.server ?? [];
  const pinned = config.affinity.client !== null && config.affinity.server !== null;
  if (client.length === 1 && server.length === 1 && client[0] === server[0]) return null;
  const where = pinned
    ? `the client is pinned to CPU ${client.join(',')} and the server to CPU ${server.join(',')}, so every wake-up crosses CPUs`
    : `the threads were free to run on CPUs ${client.join(',') || 'unknown'} (client) and ${server.join(',') || 'unknown'} (server), so a wake-up crosses CPUs whenever the scheduler puts them apart`;
  return {
    code: 'placement', side: null, strength: 0.3,
    summary: `Each of the ${result.rr.transactions} round trips (p50 ${micros(p50)}) wakes the other side's thread; ${where}, and on loopback the wake-up is most of a round trip.`,
    evidence: [
      { name: 'summary.latencyMicros.p50', value: p50, unit: 'µs' },
      { name: 'summary.transactions', value: result.rr.transactions },
      { name: 'cpus.client', value: client.join(',') },
      { name: 'cpus.server', value: server.join(',') },
      { name: 'config.affinity.client', value: config.affinity.client },
      { name: 'config.affinity.server', value: config.affinity.server },
    ],
    advice: pinned
      ? 'Compare this run only with runs pinned alike; affinity {"client": 0, "server": 0} puts both sides on one CPU, where no wake-up crosses CPUs.'
      : 'Pin both sides with affinity to compare like with like: {"client": 0, "server": 0} for round trips on one CPU, {"client": 0, "server": 1} for round trips across CPUs.',
  };
}

const FINDINGS = [windowLimited, sndbufLimited, cpuLimited, retransmissions, nagleDelayedAck, udpReceiveOverflow, paced, placement];

/** Every finding that holds for the run, strongest first. */
export function explainRun(facts: RunEvidence): Finding[] {
  const found = FINDINGS.map((finding) => finding(facts)).filter((x): x is Scored => x !== null);
  return found.sort((a, b) => b.strength - a.strength).map(({ strength: _s, ...finding }) => finding);
}
