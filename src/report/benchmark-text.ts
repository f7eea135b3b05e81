import type { BenchmarkRun } from '../runs/benchmarks.js';
import type { RunComparison } from '../runs/compare.js';
import type { RunRow } from '../runs/rows.js';
import { formatShort } from './format.js';
import { table, valueText } from './text.js';

// Benchmarks as text (Accept: text/plain): a run, the history's list and a comparison.

const cpuTotal = (u: { userMs: number; systemMs: number } | null | undefined): number | null => (u ? u.userMs + u.systemMs : null);

function fmt(n: unknown, unit: string, scale = 1, digits = 2): string {
  return typeof n === 'number' ? `${(n / scale).toFixed(digits)} ${unit}` : 'n/a';
}

/** A benchmark run as a terminal reads it: the headline figures, what bounded them, the options per side. */
export function runText(run: BenchmarkRun): string {
  const c = run.config;
  const lines = [`${run.id}  ${run.status}  ${c.transport} ${c.pattern}  ${c.durationMs} ms x ${c.repeats}${c.streams > 1 ? `  ${c.streams} streams` : ''}  message ${c.messageSize} B`];
  if (c.peer) {
    const far = run.result?.peer?.host;
    lines.push(`client here (${run.result?.host.hostname ?? 'this host'}), server on peer ${c.peer}${far ? ` (${far.hostname}, kernel ${far.kernel})` : ''}`);
  }
  if (run.error) lines.push(`error: ${run.error.code}: ${run.error.message}`);
  const out = run.result;
  if (out) {
    const r = out.summary;
    if ('verified' in r) {
      lines.push(`throughput ${fmt(r.bitsPerSecond, 'Gbit/s', 1e9)} (min ${fmt(r.min.bitsPerSecond, 'Gbit/s', 1e9)}, max ${fmt(r.max.bitsPerSecond, 'Gbit/s', 1e9)})  ${r.bytes} bytes  verified ${r.verified}`);
    } else if ('lost' in r) {
      lines.push(`received ${fmt(r.bitsPerSecond, 'Mbit/s', 1e6)}  sent ${r.sent}  lost ${r.lost} (${fmt(typeof r.lossRatio === 'number' ? r.lossRatio * 100 : null, '%', 1, 3)})  reordered ${r.reordered}`);
    } else {
      const l = r.latencyMicros;
      lines.push(`${fmt(r.transactionsPerSecond, 'transactions/s', 1, 0)}  latency µs p50 ${fmt(l.p50, '', 1, 1)} p90 ${fmt(l.p90, '', 1, 1)} p99 ${fmt(l.p99, '', 1, 1)} max ${fmt(l.max, '', 1, 1)}`);
    }
    if ('zerocopy' in r && r.zerocopy) lines.push(`zerocopy  sends ${r.zerocopy.sends}  completed ${r.zerocopy.completed}  copied by the kernel ${r.zerocopy.copied}  unconfirmed ${r.zerocopy.unconfirmed}  ring ${r.zerocopy.ringBuffers} buffers`);
    if ('gsoSegmentsPerSend' in r && r.gsoSegmentsPerSend) lines.push(`gso  ${r.gsoSegmentsPerSend} datagrams per send`);
    if ('gro' in r && r.gro) lines.push(`gro  ${r.gro.segments} segments in ${r.gro.receives} reads (${r.gro.coalesced} coalesced)  sizes ${Object.entries(r.gro.segmentSizes).map(([k, v]) => `${k} B x ${v}`).join(', ')}`);
    if ('cpuMsPerGigabyte' in r) lines.push(`cpu ms per GB  client ${fmt(r.cpuMsPerGigabyte.client, '', 1, 1)}  server ${fmt(r.cpuMsPerGigabyte.server, '', 1, 1)}`);
    if ('inFlight' in r && r.inFlight > 1) lines.push(`${r.inFlight} requests in flight`);
    if ('directions' in r && r.directions) {
      for (const [name, d] of Object.entries(r.directions)) {
        if (!d) continue;
        lines.push(`${name}  sent by ${d.sentBy}${c.peer ? (d.sentBy === 'server' ? ` (peer ${c.peer})` : ' (this host)') : ''}  ${fmt(d.bitsPerSecond, 'Gbit/s', 1e9)}  ${d.bytes} bytes  verified ${d.verified}  cpu ms client ${fmt(cpuTotal(d.cpu.client), '', 1, 1)} server ${fmt(cpuTotal(d.cpu.server), '', 1, 1)}`);
      }
    }
    if (r.congestion) lines.push(`congestion  client ${r.congestion.client ?? 'n/a'}  server ${r.congestion.server ?? 'n/a'}`);
    const p = 'pacing' in r ? r.pacing : undefined;
    if (p && p.requestedBitsPerSecond !== null) {
      lines.push(`pacing  asked ${fmt(p.requestedBitsPerSecond, 'Gbit/s', 1e9, 3)}  socket ${fmt(p.effectiveBitsPerSecond, 'Gbit/s', 1e9, 3)}  tcp_info pacing_rate ${fmt(p.tcpInfoPacingRateBitsPerSecond, 'Gbit/s', 1e9, 3)}  ${p.bounded ? 'bounded the run' : 'did not bound the run'}`);
    }
    const q = 'senderQdisc' in r ? r.senderQdisc : undefined;
    if (q) lines.push(`sender qdisc  ${q.device} ${q.root ?? 'unknown'} (${q.pacedBy === 'fq' ? 'fq paces' : 'TCP paces internally'})`);
    const bg = 'background' in r ? r.background : null;
    if (bg) lines.push(`under load: ${bg.streams} background ${bg.direction} stream${bg.streams > 1 ? 's' : ''} of ${bg.messageSize} B, ${fmt(bg.bitsPerSecond, 'Gbit/s', 1e9)} over ${fmt(bg.seconds, 's', 1, 2)}${bg.coveredWindow ? '' : ' (did NOT cover the whole window)'}`);
    const cpu = r.cpu;
    // Where a pinned side ran; an unpinned one was free to move (the JSON's `cpus` lists where).
    const on = (side: 'client' | 'server') => (c.affinity?.[side] == null ? '' : `on cpu ${(r.cpus[side] ?? []).join(',')}`);
    lines.push(`cpu ms  client user ${fmt(cpu.client.userMs, '', 1, 1)} sys ${fmt(cpu.client.systemMs, '', 1, 1)}${on('client')}  server user ${fmt(cpu.server.userMs, '', 1, 1)} sys ${fmt(cpu.server.systemMs, '', 1, 1)}${on('server')}`);
    const [first, ...others] = out.explanation ?? [];
    if (first) {
      lines.push(`why: ${first.code}: ${first.summary}`);
      if (first.advice) lines.push(`advice: ${first.advice}`);
      if (others.length > 0) lines.push(`also: ${others.map((f) => f.code).join(', ')} (see explanation in the JSON)`);
    }
    lines.push('', table(['SIDE', 'OPTION', 'REQUESTED', 'BEFORE', 'EFFECTIVE', 'CONNECTED', 'END', 'OK'],
      (['client', 'server'] as const).flatMap((side) => out.sockets[side].map((o) => [side, o.name, valueText(o.requested), valueText(o.before), valueText(o.effective),
        o.connected === undefined ? '' : valueText(o.connected), o.end === undefined ? '' : valueText(o.end), o.ok ? 'ok' : o.error?.code]))).trimEnd());
  }
  return lines.join('\n') + '\n';
}

/** The history's list of benchmarks, one line each. */
export function benchmarkListText(list: { total: number; runs: RunRow[] }): string {
  const n = (v: number | null, scale: number, digits: number) => (v === null ? '' : (v / scale).toFixed(digits));
  return `${list.total} runs\n\n${table(['ID', 'STATUS', 'TRANSPORT', 'PATTERN', 'CREATED', 'GBIT/S', 'TRANS/S', 'P50 µS', 'LOSS'],
    list.runs.map((r) => [r.id, r.status, r.transport, r.pattern, r.createdAt, n(r.bitsPerSecond, 1e9, 3), n(r.transactionsPerSecond, 1, 0), n(r.latencyP50Micros, 1, 1), n(r.lossRatio, 1, 4)]))}`;
}

/** Two runs compared metric by metric, with the config and option differences. */
export function compareText(c: RunComparison): string {
  const n = (v: number | null) => (v === null ? 'n/a' : Math.abs(v) >= 1000 ? v.toExponential(3) : formatShort(v));
  const lines = [`a: ${c.a.id} ${c.a.transport} ${c.a.pattern} ${c.a.createdAt}`, `b: ${c.b.id} ${c.b.transport} ${c.b.pattern} ${c.b.createdAt}`, ''];
  lines.push(table(['METRIC', 'UNIT', 'A (MIN..MAX)', 'B (MIN..MAX)', 'B/A', 'VERDICT'], c.metrics.map((m) => [
    m.metric, m.unit, `${n(m.a.median)} (${n(m.a.min)}..${n(m.a.max)})`, `${n(m.b.median)} (${n(m.b.min)}..${n(m.b.max)})`,
    m.ratio === null ? 'n/a' : m.ratio.toFixed(3), m.verdict === 'unknown' ? 'unknown (need repeats >= 2)' : m.verdict,
  ])).trimEnd());
  for (const [title, diffs] of [['config', c.configDifferences], ['effective options', c.optionDifferences]] as const) {
    if (diffs.length > 0) lines.push('', table([title.toUpperCase(), 'A', 'B'], diffs.map((d) => [d.path, valueText(d.a), valueText(d.b)])).trimEnd());
  }
  return lines.join('\n') + '\n';
}
