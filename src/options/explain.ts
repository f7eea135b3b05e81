import type { SysError } from '../../native-bindings/index.js';
import { MIN_RCVBUF, MIN_SNDBUF, storedBufferSize } from './buffers.js';
import type { Target as OptionTarget } from './request.js';
import type { CatalogEntry, DecodedValue, OptionReport, OptionValue, Transport } from './types.js';
import { same } from '../json-documents.js';

/** What the explanations need to know about this host, read once per request. */
export interface ExplainContext {
  transport: Transport;
  wmemMax: number | null;
  rmemMax: number | null;
  /** One kernel clock tick in microseconds (4000 at CONFIG_HZ=250), measured, or null. */
  tickMicros: number | null;
  availableCongestion: string | null;
  allowedCongestion: string | null;
}

type Target = Pick<OptionTarget, 'entry' | 'name' | 'level'>;

const BUFFER_OPTIONS: Record<string, { send: boolean; force: boolean }> = {
  SO_SNDBUF: { send: true, force: false },
  SO_RCVBUF: { send: false, force: false },
  SO_SNDBUFFORCE: { send: true, force: true },
  SO_RCVBUFFORCE: { send: false, force: true },
};

const show = (v: unknown): string => JSON.stringify(v);

function applies(entry: CatalogEntry | null, transport: Transport): boolean {
  return entry === null || entry.transports.includes(transport);
}

/** Why the kernel refused an option or a read, in words a user can act on. */
export function hintFor(target: Target, err: SysError, ctx: ExplainContext): string {
  const { entry } = target;
  switch (err.code) {
    case 'EPERM':
      return entry?.privilege
        ? `needs ${entry.privilege}; this process does not have it. Run sockbench with that capability (e.g. as root or with setcap) to set it.`
        : 'the kernel refused it for lack of privilege; run sockbench with CAP_NET_ADMIN to set it.';
    case 'ENOPROTOOPT':
    case 'EOPNOTSUPP':
      if (!applies(entry, ctx.transport)) {
        return `not applicable to ${ctx.transport} sockets: ${target.name} applies to ${entry!.transports.join(', ')}.`;
      }
      if (entry?.access === 'ro') return `${target.name} is read-only: the kernel has no setsockopt for it.`;
      if (entry?.access === 'wo') return `${target.name} is write-only: the kernel has no getsockopt for it.`;
      if (entry?.getNeeds === 'connected' && err.code === 'ENOPROTOOPT') return `${target.name} needs a connected socket.`;
      return entry
        ? `this kernel refuses ${target.name} on ${ctx.transport} sockets (${err.code}).`
        : `level ${target.level} has no option ${target.name} on this kernel, or not for ${ctx.transport} sockets.`;
    case 'ENOTCONN':
      return `${target.name} can only be read on a connected socket.`;
    case 'ENOENT':
      if (target.name === 'TCP_CONGESTION') {
        return `no such congestion control algorithm on this kernel; available: ${ctx.availableCongestion ?? 'unknown'} (net.ipv4.tcp_available_congestion_control).`;
      }
      return 'the kernel does not know this name (for TCP_ULP: the module is not built in).';
    case 'ENODEV':
      return 'no network device by that name on this host; `ip link` lists them.';
    case 'EDOM':
      return 'usec must be between 0 and 999999.';
    case 'EINVAL':
      return entry ? `the kernel rejected the value or its size. ${entry.summary}` : 'the kernel rejected the value or its size.';
    default:
      return err.description;
  }
}

function bufferNote(name: string, requested: OptionValue, effective: DecodedValue | null, ctx: ExplainContext): string | undefined {
  const spec = BUFFER_OPTIONS[name];
  if (!spec || typeof requested !== 'number' || typeof effective !== 'number') return undefined;
  const sysctl = spec.send ? 'net.core.wmem_max' : 'net.core.rmem_max';
  const max = spec.send ? ctx.wmemMax : ctx.rmemMax;
  const min = spec.send ? MIN_SNDBUF : MIN_RCVBUF;
  const u32 = requested >>> 0;
  const { stored: expected, raised } = storedBufferSize(requested, spec.force ? null : max, spec.send);
  const lock = spec.send
    ? 'Setting it locks the size: send-buffer autotuning is off for this socket (SO_BUF_LOCK & 1).'
    : 'Setting it locks the size: receive autotuning is off for this socket (SO_BUF_LOCK & 2).';
  if (effective !== expected) {
    return `The kernel stored ${effective}; the usual rule max(2 × min(value, ${sysctl}), ${min}) gives ${expected}.`;
  }
  const signed = requested < 0 ? ` ${requested} is read as the unsigned ${u32}, so` : '';
  if (!spec.force && max !== null && u32 > max) {
    return `Clamped to ${sysctl} (${max}) and doubled:${signed} ${effective}. ${lock}`;
  }
  if (raised) {
    return `Raised to the minimum ${min} (the kernel's SOCK_MIN_${spec.send ? 'SNDBUF' : 'RCVBUF'}, room for ${spec.send ? 'two' : 'one'} minimal packet${spec.send ? 's' : ''}; socket(7)'s figure is out of date). ${lock}`;
  }
  return `Doubled: the kernel stores twice the requested size to leave room for its bookkeeping (sk_buff overhead), so ${u32} becomes ${effective}. ${lock}`;
}

function timevalNote(requested: OptionValue, effective: DecodedValue | null, ctx: ExplainContext): string | undefined {
  if (typeof requested !== 'object' || requested === null || !('sec' in requested) || typeof effective !== 'object' || effective === null || !('sec' in effective)) return undefined;
  if (requested.sec < 0) {
    return 'A negative timeout makes every blocking call fail with EAGAIN at once, although getsockopt reads {0,0} (the same as "no timeout"); the kernel logs a warning.';
  }
  if (same(requested, effective)) return undefined;
  const tick = ctx.tickMicros ? ` (one tick is ${ctx.tickMicros} µs on this kernel)` : '';
  return `Rounded up to a whole number of kernel clock ticks${tick}: ${show(requested)} → ${show(effective)}.`;
}

/** The note for an option report: what the kernel did and why, when it is not obvious. */
export function explain(opt: { entry: CatalogEntry | null; name: string }, report: OptionReport, ctx: ExplainContext): string | undefined {
  if (!report.ok || report.requested === null) return report.note;
  const notes: string[] = [];
  const { entry } = opt;
  const { requested, effective } = report;

  const buffer = bufferNote(opt.name, requested, effective, ctx);
  if (buffer) notes.push(buffer);
  else if (entry?.type === 'timeval') {
    const t = timevalNote(requested, effective, ctx);
    if (t) notes.push(t);
  } else if (entry?.type === 'bool' && typeof requested === 'number' && requested !== 0 && requested !== 1 && effective === true) {
    notes.push(`Any non-zero value is stored as 1 (true); ${requested} reads back as true.`);
  } else if (effective !== null && !report.readVia && !same(requested, effective)
    && !(entry?.type === 'bool' && typeof requested === 'boolean')
    && !(typeof requested === 'object' && 'hex' in requested)) {
    notes.push(`The kernel stored ${show(effective)}, not the requested ${show(requested)}.${entry ? ` ${entry.summary}` : ''}`);
  }

  if (entry?.effectiveOn && !entry.effectiveOn.includes(ctx.transport)) {
    notes.push(`Accepted, but it has no effect on ${ctx.transport} sockets (it acts on ${entry.effectiveOn.join(', ')}).`);
  }
  if (entry && entry.phase !== 'any' && report.appliedAt === 'any') {
    notes.push(`Applied after the connection was established; it takes full effect only when set ${entry.phase === 'before-bind' ? 'before bind()' : 'before listen()/connect()'}.`);
  }
  if (report.connected !== undefined && report.connected !== null && !same(report.connected, effective)) {
    notes.push(`Once connected it reads ${show(report.connected)}.`);
  }
  return notes.length > 0 ? notes.join(' ') : undefined;
}
