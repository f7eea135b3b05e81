import { findOption } from '../options/catalog.js';
import { applyOption, readBack, recordConnected } from '../options/apply.js';
import type { ExplainContext } from '../options/explain.js';
import { explainContext } from '../options/probe.js';
import { resolveOptions, type OptionItem, type OptionsInput, type ResolvedOption } from '../options/request.js';
import type { OptionReport, Phase, Transport } from '../options/types.js';
import type { Role } from '../sockets/pair.js';
import { BenchConfigError } from './errors.js';
import type { PatternBehaviour } from './patterns.js';
import type { BenchHooks, RawSocketOption, ResolvedBenchConfig } from './types.js';

/** Options per side of a benchmark, in the probe's forms; `both` applies first, then the side's own. */
export interface SideOptionsInput {
  both?: OptionsInput;
  client?: OptionsInput;
  server?: OptionsInput;
}

/** Always reported on both sides, set or not: they decide most of what a transfer can do. */
export const ALWAYS_REPORTED = ['SO_SNDBUF', 'SO_RCVBUF'];

function setsOption(input: OptionsInput | undefined, name: string): boolean {
  if (input === undefined) return false;
  const names = Array.isArray(input) ? input.map((i) => String(i.name)) : Object.keys(input);
  return names.some((n) => n.toUpperCase() === name);
}

function withOption(input: OptionsInput | undefined, name: string, value: number | string): OptionsInput {
  if (Array.isArray(input)) return [...input, { name, value } as OptionItem];
  return { ...(input ?? {}), [name]: value };
}

/**
 * The caller's options plus what the run's own parameters set through the same path (so that
 * they are applied in phase order and reported like any option): TCP_CONGESTION on each side
 * that names an algorithm, SO_MAX_PACING_RATE in bytes per second (its 64-bit form) on the
 * sender. A parameter and an option setting the same thing on one side are refused, so that
 * neither silently wins.
 */
export function withRunOptions(input: SideOptionsInput, config: Pick<ResolvedBenchConfig, 'congestion' | 'pacingRateBitsPerSecond' | 'direction'>): SideOptionsInput {
  const out: SideOptionsInput = { ...input };
  const add = (role: Role, name: string, value: number | string, field: string): void => {
    if (setsOption(input.both, name) || setsOption(input[role], name)) {
      throw new BenchConfigError(field, `${field} and options ${name} both set the ${role}'s ${name}; give one of them`);
    }
    out[role] = withOption(out[role], name, value);
  };
  for (const role of ['client', 'server'] as const) {
    const algorithm = config.congestion[role];
    if (algorithm !== null) add(role, 'TCP_CONGESTION', algorithm, 'congestion');
  }
  if (config.pacingRateBitsPerSecond !== null) {
    for (const sender of sendersOf(config.direction)) add(sender, 'SO_MAX_PACING_RATE', Math.floor(config.pacingRateBitsPerSecond / 8), 'pacingRateBitsPerSecond');
  }
  return out;
}

/** The sides whose sockets send a stream's bytes. */
export function sendersOf(direction: ResolvedBenchConfig['direction']): Role[] {
  return direction === 'forward' ? ['client'] : direction === 'reverse' ? ['server'] : ['client', 'server'];
}

interface SideState {
  options: ResolvedOption[];
  /** Buffers the user did not set, read at the same points as the options. */
  observed: ResolvedOption[];
  reports: Map<ResolvedOption, OptionReport>;
}

function observedOption(name: string): ResolvedOption {
  const entry = findOption(name)!;
  return {
    field: name, entry, name, level: entry.level, levelNumber: entry.levelNumber, optname: entry.optname,
    type: entry.type, requested: null as never, bytes: Buffer.alloc(0), phase: 'before-bind',
  };
}

/**
 * Resolves each side's options (throwing the probe's 400 errors before anything runs) and
 * applies them through the engine's hooks: in phase order, on the socket each phase reaches
 * (the listener stands for the server until accept), reporting before, effective, connected and
 * end. Each run of the engine gets fresh reports from `hooks()`.
 */
export class BenchOptions {
  readonly #sides: Record<Role, { options: ResolvedOption[]; observed: ResolvedOption[] }>;
  readonly #ctx: ExplainContext;
  readonly #unsetNote: string;

  /** `field` names the options in errors ("body.options"). */
  constructor(transport: Transport, input: SideOptionsInput, maxOptions: number, field = 'options') {
    const side = (role: Role) => {
      const options = [
        ...resolveOptions(input.both ?? {}, maxOptions, `${field}.both`),
        ...resolveOptions(input[role] ?? {}, maxOptions, `${field}.${role}`),
      ];
      const set = new Set(options.map((o) => o.name));
      return { options, observed: ALWAYS_REPORTED.filter((n) => !set.has(n)).map(observedOption) };
    };
    this.#sides = { client: side('client'), server: side('server') };
    this.#ctx = explainContext(transport);
    this.#unsetNote = transport.startsWith('tcp')
      ? 'Not set: it starts at the tcp_wmem/tcp_rmem default and the kernel autotunes it (compare connected and end).'
      : 'Not set: the kernel default (net.core.wmem_default / rmem_default); only TCP autotunes buffers.';
  }

  /**
   * Everything one engine run (or one side of a peer run) needs of the options, for the pattern's
   * behaviour: hooks for the sockets the main thread builds, the raw options a client worker sets
   * on each connection it opens itself, and the reports once the run is over.
   */
  forRun(behaviour: PatternBehaviour): { hooks: BenchHooks; clientSocketOptions: RawSocketOption[]; reports: () => Record<Role, OptionReport[]> } {
    const perTransaction = behaviour.connection === 'transaction';
    const { hooks, reports } = this.#hooks(perTransaction);
    if (!perTransaction) return { hooks, clientSocketOptions: [], reports };
    // The main thread reaches the listener only: what follows it, on every accepted socket, is the workers'.
    const { afterConnect: _c, atEnd: _e, ...listenerHooks } = hooks;
    const client = this.#sides.client.options;
    return {
      hooks: listenerHooks,
      clientSocketOptions: client.map((o) => ({ level: o.levelNumber, optname: o.optname, value: new Uint8Array(o.bytes), phase: o.phase })),
      // The client worker sets these on every connection it opens, so there is no one socket to
      // read them back from; the report says what was asked and where it went.
      reports: () => ({
        server: reports().server,
        client: client.map((o) => ({
          name: o.name, level: o.level, optname: o.optname, requested: o.requested, appliedAt: o.phase,
          before: null, effective: null, ok: true,
          note: 'Set by the client worker on each of its connections (crr); not read back. A refusal fails the run with the errno.',
        })),
      }),
    };
  }

  /**
   * Hooks for one engine run, and the reports they fill in. `listenerOnly`: a connection per
   * transaction, whose server sockets are accepted in the worker; connected-phase server options
   * go on the listener before listen(), and every accepted socket inherits them.
   */
  #hooks(listenerOnly: boolean): { hooks: BenchHooks; reports: () => Record<Role, OptionReport[]> } {
    const state: Record<Role, SideState> = {
      client: { ...this.#sides.client, reports: new Map() },
      server: { ...this.#sides.server, reports: new Map() },
    };
    const ctx = this.#ctx;
    const unsetNote = this.#unsetNote;
    const apply = (role: Role, phase: Phase, fd: number) => {
      for (const opt of state[role].options) if (opt.phase === phase) state[role].reports.set(opt, applyOption(fd, opt, ctx));
    };
    const hooks: BenchHooks = {
      beforeBind(role, fd) {
        for (const opt of state[role].observed) {
          const value = readBack(fd, opt);
          state[role].reports.set(opt, {
            name: opt.name, level: opt.level, optname: opt.optname, requested: null, appliedAt: 'before-bind',
            before: value, effective: value, ok: true, note: unsetNote,
          });
        }
        apply(role, 'before-bind', fd);
      },
      beforeConnect(role, fd) {
        apply(role, 'before-connect', fd);
        if (listenerOnly && role === 'server') apply(role, 'any', fd);
      },
      afterConnect(role, fd) {
        for (const [opt, report] of state[role].reports) {
          if (report.requested === null) report.connected = readBack(fd, opt);
          else recordConnected(fd, opt, report, ctx);
        }
        apply(role, 'any', fd);
      },
      atEnd(role, fd) {
        for (const [opt, report] of state[role].reports) report.end = readBack(fd, opt);
      },
    };
    return { hooks, reports: () => ({ client: [...state.client.reports.values()], server: [...state.server.reports.values()] }) };
  }
}
