import { Type } from '@sinclair/typebox';
import { errors } from '../errors.js';
import { advise, type AdviceHost, type AdvicePath, type BufferRequest } from './advisor.js';
import type { Advice, AdviceRun } from './schema.js';

// POST /v1/advice as a service: resolves the path (given, or measured by a finished run), takes
// this host's facts from `host`, and hands both to the pure advisor. It never changes the host.

/** Longest RTT the advisor accepts (a path beyond 10 s is a mistake in units, not a network). */
export const MAX_RTT_MS = 10000;
/** Fastest path it accepts: 10 Tbit/s. */
export const MAX_BANDWIDTH_BITS_PER_SECOND = 1e13;

export interface AdviceRequest {
  bandwidthBitsPerSecond?: number;
  rttMs?: number;
  /** A finished benchmark whose measured rtt (and throughput) describe the path. */
  run?: string;
  buffers?: BufferRequest;
}

const BufferValue = (what: string) => Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647, description: `An ${what} value an application would set: the advice says what the kernel stores and what it allows` }));

/** The request as POST /v1/advice validates it: the fields of AdviceRequest, with their bounds. */
export const AdviceBody = Type.Object({
  bandwidthBitsPerSecond: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: MAX_BANDWIDTH_BITS_PER_SECOND, description: 'The rate to keep up; with run: overrides the throughput the run measured' })),
  rttMs: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: MAX_RTT_MS, description: 'Round-trip time of the path, in ms (not with run)' })),
  run: Type.Optional(Type.String({ maxLength: 64, description: 'A finished benchmark (best: a peer run) whose measured TCP_INFO rtt and throughput describe the path' })),
  buffers: Type.Optional(Type.Object({ SO_RCVBUF: BufferValue('SO_RCVBUF'), SO_SNDBUF: BufferValue('SO_SNDBUF') }, { additionalProperties: false })),
}, { additionalProperties: false, description: '{bandwidthBitsPerSecond, rttMs} or {run}' });

/** What the advisor reads of a benchmark run document. */
export interface AdvisableRun {
  id: string;
  status: string;
  config: { transport: string; pattern: string; peer?: string };
  result: { summary: Record<string, unknown> } | null;
}

/** A run's median figures: the one place that knows where the run document keeps them. */
export function runFigures(run: AdvisableRun): Record<string, unknown> | null {
  return run.result?.summary ?? null;
}

/** The client's TCP_INFO rtt at the end of the run, in µs (null: not a TCP run, or none measured). */
function measuredRttMicros(figures: Record<string, unknown>): number | null {
  const info = figures.tcpInfo as { client?: { rtt?: unknown } | null } | null | undefined;
  const rtt = info?.client?.rtt;
  return typeof rtt === 'number' && rtt > 0 ? rtt : null;
}

const invalid = (field: string, message: string) => errors.invalidValue(`${field}: ${message}`, field);

export class AdviceService {
  constructor(
    private readonly findRun: (id: string) => AdvisableRun | undefined,
    private readonly host: () => AdviceHost,
  ) {}

  /** The advice for a request; throws the 400 or 404 that names the field at fault. */
  advise(req: AdviceRequest): Advice {
    return advise(this.#path(req), this.host(), req.buffers ?? {});
  }

  #path(req: AdviceRequest): AdvicePath {
    if (req.run === undefined) {
      for (const field of ['bandwidthBitsPerSecond', 'rttMs'] as const) {
        if (req[field] === undefined) throw invalid(`body.${field}`, `${field} is required without run; give bandwidthBitsPerSecond and rttMs, or {"run": "<id of a finished benchmark>"}.`);
      }
      return { bandwidthBitsPerSecond: req.bandwidthBitsPerSecond!, rttMs: req.rttMs!, run: null };
    }
    if (req.rttMs !== undefined) throw invalid('body.rttMs', 'give rttMs or run, not both: with run, the rtt is the one the benchmark measured.');
    const run = this.findRun(req.run);
    if (!run) throw Object.assign(errors.runNotFound(`body.run: no benchmark ${req.run}. GET /v1/benchmarks lists the runs kept.`), { field: 'body.run' });
    const figures = runFigures(run);
    if (run.status !== 'done' || figures === null) {
      throw invalid('body.run', `benchmark ${run.id} is ${run.status}; only a finished run (status done) has a measured rtt. Wait for it (GET /v1/benchmarks/${run.id}) or use another.`);
    }
    const rttMicros = measuredRttMicros(figures);
    if (rttMicros === null) {
      throw invalid('body.run', `benchmark ${run.id} (${run.config.transport} ${run.config.pattern}) has no TCP_INFO rtt; use a tcp4/tcp6 stream or rr run (a peer run measures the real path), or give bandwidthBitsPerSecond and rttMs.`);
    }
    if (rttMicros / 1000 > MAX_RTT_MS) throw invalid('body.run', `benchmark ${run.id} measured an rtt of ${rttMicros} µs, above the ${MAX_RTT_MS} ms the advisor accepts.`);
    const measured = typeof figures.bitsPerSecond === 'number' && figures.bitsPerSecond > 0 ? figures.bitsPerSecond : null;
    const bandwidth = req.bandwidthBitsPerSecond ?? measured;
    if (bandwidth === null) {
      throw invalid('body.bandwidthBitsPerSecond', `benchmark ${run.id} (${run.config.transport} ${run.config.pattern}) measured no throughput; give bandwidthBitsPerSecond, the rate to plan for, along with run.`);
    }
    const source: AdviceRun = {
      id: run.id, transport: run.config.transport, pattern: run.config.pattern, peer: run.config.peer ?? null,
      bitsPerSecond: measured, rttMicros,
    };
    return { bandwidthBitsPerSecond: bandwidth, rttMs: rttMicros / 1000, run: source };
  }
}
