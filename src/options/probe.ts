import { connectedPair, type Role } from '../sockets/pair.js';
import { FdScope } from '../sockets/fd-scope.js';
import { formatAddress } from '../sockets/address.js';
import { getsockname } from '../../native-bindings/index.js';
import { sysctlValue } from '../kernel/sysctls.js';
import { applyOption, readOption, recordConnected } from './apply.js';
import type { ExplainContext } from './explain.js';
import { resolveGets, resolveOptions, type GetItem, type OptionsInput, type ResolvedOption } from './request.js';
import { clockTickMicros } from './tick.js';
import { PHASES, type GetReport, type OptionReport, type Phase, type Transport } from './types.js';

export interface ProbeRequest {
  transport: Transport;
  side?: Role;
  options?: OptionsInput;
  get?: GetItem[];
}

export interface ProbeResult {
  transport: Transport;
  side: Role;
  pair: { client: string; server: string; nudged: boolean };
  options: OptionReport[];
  get: GetReport[];
}

export interface ProbeLimits {
  maxOptions: number;
  timeoutMs: number;
}

const asNumber = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const asString = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function explainContext(transport: Transport): ExplainContext {
  return {
    transport,
    wmemMax: asNumber(sysctlValue('net.core.wmem_max')),
    rmemMax: asNumber(sysctlValue('net.core.rmem_max')),
    tickMicros: clockTickMicros(),
    availableCongestion: asString(sysctlValue('net.ipv4.tcp_available_congestion_control')),
    allowedCongestion: asString(sysctlValue('net.ipv4.tcp_allowed_congestion_control')),
  };
}

/**
 * The classic recipe "read it, set it, read it again", for any option on any transport: builds
 * a connected loopback pair, applies the options in phase order on the chosen side, reads the
 * requested values back, and closes every descriptor whatever happens.
 */
export function probe(req: ProbeRequest, limits: ProbeLimits): ProbeResult {
  const side: Role = req.side ?? 'client';
  const options = resolveOptions(req.options ?? {}, limits.maxOptions);
  const gets = resolveGets(req.get ?? [], limits.maxOptions);
  const ctx = explainContext(req.transport);

  const byPhase = new Map<Phase, ResolvedOption[]>(PHASES.map((p) => [p, options.filter((o) => o.phase === p)]));
  const reports = new Map<ResolvedOption, OptionReport>();
  const applyPhase = (phase: Phase, role: Role, fd: number): void => {
    if (role !== side) return;
    for (const opt of byPhase.get(phase)!) reports.set(opt, applyOption(fd, opt, ctx));
  };

  const scope = new FdScope();
  try {
    const pair = connectedPair(req.transport, scope, {
      beforeBind: (role, fd) => applyPhase('before-bind', role, fd),
      beforeConnect: (role, fd) => applyPhase('before-connect', role, fd),
    }, limits.timeoutMs);
    const fd = side === 'client' ? pair.client : pair.server;
    for (const [opt, report] of reports) recordConnected(fd, opt, report, ctx);
    applyPhase('any', side, fd);
    return {
      transport: req.transport,
      side,
      pair: { client: formatAddress(getsockname(pair.client)), server: formatAddress(getsockname(pair.server)), nudged: pair.nudged },
      options: [...reports.values()],
      get: gets.map((g) => readOption(fd, g, ctx)),
    };
  } finally {
    scope.closeAll();
  }
}
