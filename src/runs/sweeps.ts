import type { Config } from '../config.js';
import { errors } from '../errors.js';
import { findOption, nearestNames, suggestOptions } from '../options/catalog.js';
import type { OptionItem, OptionsInput } from '../options/request.js';
import { ALWAYS_REPORTED, median, ratio, type SideOptionsInput } from '../bench/index.js';
import { FindingShortSchema } from '../advice/findings.js';
import { Type, type Static, type TOptional } from '@sinclair/typebox';
import { Nullable, NullableNumber, StringEnum } from '../schema-types.js';
import { NullableValue, OptionValueInput } from '../options/schema.js';
import { BenchmarkBodySchema, BenchmarkRequestSchema, describeError, traceError, type BenchmarkOutcome, type BenchmarkRequest, type BenchmarkService, type PreparedBenchmark } from './benchmarks.js';
import { effectiveBySide } from './compare.js';
import { METRIC_NAMES, METRICS, metricsOf, type MetricName } from './metrics.js';
import { RUN_STATUSES, RunErrorSchema, runDocumentSchema, type RunReporter, type RunView } from './registry.js';
import type { Runs } from './runs.js';

export const MAX_SWEEP_POINTS = 64;

/** Body parameters a sweep may vary besides options (transport, sizes, counts, pacing). */
const SWEEP_PARAMETERS = [
  'transport', 'messageSize', 'responseSize', 'requestWrites', 'streams', 'rateBitsPerSecond', 'sendMode', 'gso', 'gro', 'inFlight', 'congestion', 'pacingRateBitsPerSecond',
] as const;
/** vary.congestion: ["*"] stands for every algorithm both hosts have. */
export const EVERY_CONGESTION = '*';
type SweepParameter = (typeof SWEEP_PARAMETERS)[number];

export type SweepValue = number | boolean | string;

export interface SweepRequest {
  base: BenchmarkRequest;
  /** Name to values: a body parameter, an option for both sides, or client.NAME / server.NAME. */
  vary: Record<string, SweepValue[]>;
}

export type SweepConfig = SweepRequest & { points: number };

/** A sweep checked completely (admit) and ready to queue. */
export interface PreparedSweep {
  req: SweepRequest;
  params: Array<Record<string, SweepValue>>;
  prepared: PreparedBenchmark[];
  expectedMs: number;
}

const SweepValueSchema = Type.Union([Type.Number(), Type.Boolean(), Type.String()]);
const ParamsSchema = Type.Record(Type.String(), SweepValueSchema, { description: 'The varied parameters\' values at this point, by name' });
const MetricsSchema = (description: string) => Nullable(Type.Object(Object.fromEntries(METRIC_NAMES.map((m) => [m, Type.Optional(NullableNumber)])) as Record<MetricName, TOptional<typeof NullableNumber>>, { additionalProperties: false }), description);

export const SweepPointSchema = Type.Object({
  index: Type.Integer(),
  params: ParamsSchema,
  status: StringEnum(RUN_STATUSES),
  metrics: MetricsSchema('Medians over the point\'s repeats; null until it is done'),
  min: MetricsSchema('The repeats\' lowest of each metric'),
  max: MetricsSchema('The repeats\' highest of each metric'),
  ratioToFirst: MetricsSchema('Each metric over the first point\'s (1 = the same)'),
  effective: Nullable(Type.Object({
    client: Type.Record(Type.String(), NullableValue), server: Type.Record(Type.String(), NullableValue),
  }, { additionalProperties: false }), 'What the kernel made of each varied option, per side (and the buffers, always), by option name'),
  explanation: Nullable(Type.Array(FindingShortSchema), 'What bounded the point\'s figures, strongest first (null: not done)'),
  overheadMs: Nullable(Type.Number(), 'Wall time of the point beyond its warm-up and measured time: the sweep\'s own cost'),
  error: Nullable(RunErrorSchema),
}, { additionalProperties: false });
export type SweepPoint = Static<typeof SweepPointSchema>;

export const SweepOutcomeSchema = Type.Object({
  points: Type.Array(SweepPointSchema),
  best: Type.Object(Object.fromEntries(METRIC_NAMES.map((m) => [m, Type.Optional(Type.Object({ index: Type.Integer(), params: ParamsSchema, value: Type.Number() }, { additionalProperties: false }))])), {
    additionalProperties: false, description: 'Per metric, the point that did best ("higher" or "lower" is better as the metric says)',
  }),
  overheadMs: Nullable(Type.Number(), 'Median of the points\' overheadMs'),
}, { additionalProperties: false });
export type SweepOutcome = Static<typeof SweepOutcomeSchema> & { best: Partial<Record<MetricName, { index: number; params: Record<string, SweepValue>; value: number }>> };

/** POST /v1/sweeps: a benchmark to start from and the values to vary, every combination a point. */
export const SweepBodySchema = Type.Object({
  base: BenchmarkBodySchema,
  vary: Type.Record(Type.String({ maxLength: 100 }), Type.Array(OptionValueInput, { minItems: 1, maxItems: MAX_SWEEP_POINTS }), {
    description: 'Name to values: an option (both sides; client.NAME or server.NAME for one), or transport, messageSize, responseSize, requestWrites, streams, rateBitsPerSecond, sendMode, gso, gro, inFlight, congestion ("*": every algorithm both hosts have), pacingRateBitsPerSecond',
    examples: [{ SO_SNDBUF: [4096, 65536, 1048576], TCP_NODELAY: [false, true] }],
  }),
}, { additionalProperties: false });

export const SweepConfigSchema = Type.Object({
  base: BenchmarkRequestSchema,
  vary: Type.Record(Type.String(), Type.Array(SweepValueSchema), { description: 'Name to values, as requested' }),
  points: Type.Integer(),
}, { additionalProperties: false });

/** The sweep run document (GET /v1/sweeps/{id}). */
export const SweepRunSchema = runDocumentSchema('sweep', SweepConfigSchema, SweepOutcomeSchema, 'A sweep: its grid, status, progress (points finished) and points');

export type SweepRun = RunView<SweepConfig, SweepOutcome>;

/** The grid, last key fastest: [{a:1,b:x},{a:1,b:y},{a:2,b:x}...]. */
export function grid(vary: Record<string, SweepValue[]>): Array<Record<string, SweepValue>> {
  return Object.entries(vary).reduce<Array<Record<string, SweepValue>>>(
    (points, [name, values]) => points.flatMap((p) => values.map((v) => ({ ...p, [name]: v }))),
    [{}],
  );
}

/** Where a varied name goes: a body parameter, or an option of one side or both. */
function target(name: string): { parameter: SweepParameter } | { side: keyof SideOptionsInput; option: string } {
  if ((SWEEP_PARAMETERS as readonly string[]).includes(name)) return { parameter: name as SweepParameter };
  const m = /^(client|server)\.(.+)$/.exec(name);
  return m ? { side: m[1] as 'client' | 'server', option: m[2] } : { side: 'both', option: name };
}

function withOption(input: OptionsInput | undefined, name: string, value: SweepValue): OptionsInput {
  if (Array.isArray(input)) return [...input.filter((i) => String(i.name).toUpperCase() !== name.toUpperCase()), { name, value } as OptionItem];
  return { ...(input ?? {}), [name]: value };
}

function pointRequest(base: BenchmarkRequest, params: Record<string, SweepValue>): BenchmarkRequest {
  let req: BenchmarkRequest = { ...base, options: { ...(base.options ?? {}) } };
  for (const [name, value] of Object.entries(params)) {
    const t = target(name);
    if ('parameter' in t) req = { ...req, [t.parameter]: value };
    else req.options = { ...req.options, [t.side]: withOption(req.options![t.side], t.option, value) };
  }
  return req;
}

function checkVary(vary: Record<string, SweepValue[]>): void {
  const names = Object.keys(vary);
  if (names.length === 0) throw errors.invalidValue('body.vary: give at least one name with a list of values, e.g. {"SO_SNDBUF": [4096, 65536]}.', 'body.vary');
  for (const name of names) {
    const field = `body.vary.${name}`;
    if (vary[name].length === 0) throw errors.invalidValue(`${field}: the list of values is empty; give at least one.`, field);
    const t = target(name);
    if ('option' in t && !findOption(t.option)) {
      const suggestions = suggestOptions(t.option);
      throw errors.unknownOption(`${field}: "${name}" is neither a parameter (${SWEEP_PARAMETERS.join(', ')}) nor a known option (options may be prefixed client. or server.).${suggestions.length ? ` Did you mean ${suggestions.join(', ')}?` : ''}`, field,
        [...suggestions, ...nearestNames(name, SWEEP_PARAMETERS, 1)]);
    }
  }
  const points = names.reduce((n, k) => n * vary[k].length, 1);
  if (points > MAX_SWEEP_POINTS) {
    throw errors.invalidValue(`body.vary: ${names.map((k) => vary[k].length).join(' × ')} = ${points} points is more than ${MAX_SWEEP_POINTS}; vary fewer values.`, 'body.vary');
  }
}

function effectiveOf(outcome: BenchmarkOutcome, vary: string[]): SweepPoint['effective'] {
  // The run parameters that set options are shown by the options they set.
  const asOption: Record<string, string> = { congestion: 'TCP_CONGESTION', pacingRateBitsPerSecond: 'SO_MAX_PACING_RATE' };
  const wanted = new Set([...ALWAYS_REPORTED, ...vary.map((n) => asOption[n] ?? n.replace(/^(client|server)\./, '').toUpperCase())]);
  return effectiveBySide(outcome.sockets, (name) => wanted.has(name));
}

/**
 * Sweeps: a benchmark over a grid of option and parameter values. Every point is checked before
 * the sweep is queued (a typo is a 400, not a failure at point 37), then the points run one
 * after another as one run in the shared queue, so that nothing else runs between them.
 */
export class SweepService {
  constructor(private readonly config: Config, private readonly runs: Runs, private readonly benchmarks: BenchmarkService) {}

  /**
   * The request with vary.congestion's "*" replaced by every algorithm available on both hosts
   * (this one's list, in its order, less what the peer lacks); other requests as they are.
   */
  async #expand(req: SweepRequest): Promise<SweepRequest> {
    const values = req.vary.congestion;
    if (!Array.isArray(values) || !values.includes(EVERY_CONGESTION)) return req;
    const available = await this.benchmarks.availableCongestion(req.base.peer, 'body.base.peer');
    if (available.length === 0) throw errors.congestionUnavailable('body.vary.congestion: "*" found no congestion control that both hosts have; name the algorithms instead.', 'body.vary.congestion', []);
    const congestion = [...new Set(values.flatMap((v) => (v === EVERY_CONGESTION ? available : [v])))];
    return { ...req, vary: { ...req.vary, congestion } };
  }

  /**
   * Checks a sweep completely before it is queued, every point as a benchmark would be (the far
   * host's side too, once per algorithm it is asked for), so that a mistake is a 400 naming the
   * point, not a failed point in the middle of the sweep.
   */
  async admit(request: SweepRequest): Promise<PreparedSweep> {
    const req = await this.#expand(request);
    checkVary(req.vary);
    const params = grid(req.vary);
    const prepared = params.map((p, i) => this.#prepare(req, p, i));
    const expectedMs = prepared.reduce((sum, p) => sum + p.expectedMs, 0);
    const max = this.config.SOCKBENCH_MAX_SWEEP_MS;
    if (expectedMs > max) {
      throw errors.invalidValue(`body: ${params.length} points take about ${Math.ceil(expectedMs / 1000)} s of measuring, more than the limit of ${max / 1000} s (SOCKBENCH_MAX_SWEEP_MS); shorten durationMs, repeats or the grid.`, 'body');
    }
    const asked = new Set<string>();
    for (const [i, point] of prepared.entries()) {
      const wanted = point.config.congestion.server;
      if (wanted === null || asked.has(wanted)) continue;
      asked.add(wanted);
      await this.#atPoint(params[i], i, () => this.benchmarks.checkFar(point, 'body.base'));
    }
    return { req, params, prepared, expectedMs };
  }

  submit({ req, params, prepared, expectedMs }: PreparedSweep): SweepRun {
    const config: SweepConfig = { base: req.base, vary: req.vary, points: params.length };
    return this.runs.registry.submit('sweep', config, (signal, reporter) => this.#run(req, params, prepared, signal, reporter), expectedMs, params.length) as SweepRun;
  }

  get(id: string): SweepRun | undefined {
    return this.runs.get('sweep', id) as SweepRun | undefined;
  }

  #prepare(req: SweepRequest, params: Record<string, SweepValue>, index: number): PreparedBenchmark {
    try {
      return this.benchmarks.prepare(pointRequest(req.base, params), 'body.base');
    } catch (err) {
      throw atPoint(err, params, index);
    }
  }

  async #atPoint(params: Record<string, SweepValue>, index: number, check: () => Promise<void>): Promise<void> {
    try {
      await check();
    } catch (err) {
      throw atPoint(err, params, index);
    }
  }

  async #run(req: SweepRequest, params: Array<Record<string, SweepValue>>, prepared: PreparedBenchmark[], signal: AbortSignal,
    reporter: RunReporter): Promise<SweepOutcome> {
    const vary = Object.keys(req.vary);
    const points: SweepPoint[] = params.map((p, index) => ({
      index, params: p, status: 'queued', metrics: null, min: null, max: null, ratioToFirst: null, effective: null, explanation: null, overheadMs: null, error: null,
    }));
    for (const [i, point] of points.entries()) {
      if (signal.aborted) {
        point.status = 'cancelled';
        continue;
      }
      const started = performance.now();
      try {
        const outcome = await this.benchmarks.execute(prepared[i], signal, { progress: () => undefined, emit: () => undefined, log: reporter.log.child({ point: i }) });
        const r = outcome.summary as Record<string, unknown> & { min: unknown; max: unknown };
        Object.assign(point, {
          status: 'done', metrics: metricsOf(r), min: metricsOf(r.min), max: metricsOf(r.max),
          effective: effectiveOf(outcome, vary),
          explanation: outcome.explanation.map((finding) => ({ code: finding.code, summary: finding.summary })),
          overheadMs: Math.max(0, Math.round((performance.now() - started - prepared[i].expectedMs) * 10) / 10),
        });
      } catch (err) {
        point.status = signal.aborted ? 'cancelled' : 'failed';
        // As the registry records a cancelled run: cancelling is not a failure, so no error.
        point.error = signal.aborted ? null : describeError(err);
        if (point.error) reporter.log.error({ err, point: i, code: point.error.code, ...traceError(err) }, 'sweep point failed');
      }
      reporter.emit({ event: 'point', data: point });
      reporter.progress({ done: i + 1, total: points.length });
    }
    const first = points[0].metrics;
    for (const p of points) {
      if (p.metrics && first) {
        p.ratioToFirst = Object.fromEntries(Object.entries(p.metrics).map(([k, v]) => [k, typeof v === 'number' ? ratio(v, first[k as MetricName] ?? null) : null]));
      }
    }
    const overheads = points.flatMap((p) => (p.overheadMs === null ? [] : [p.overheadMs]));
    // A cancelled sweep keeps the points it finished (the registry marks it cancelled).
    return { points, best: bestPoints(points), overheadMs: overheads.length > 0 ? median(overheads) : null };
  }
}

/** A point's refusal, saying which point it is. */
function atPoint(err: unknown, params: Record<string, SweepValue>, index: number): unknown {
  const e = err as Error & { field?: string };
  const where = Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
  e.message = `point ${index} (${where}): ${e.message}`;
  return e;
}

function bestPoints(points: SweepPoint[]): SweepOutcome['best'] {
  const best: SweepOutcome['best'] = {};
  for (const metric of METRIC_NAMES) {
    const higher = METRICS[metric].better === 'higher';
    for (const p of points) {
      const v = p.metrics?.[metric];
      if (typeof v !== 'number') continue;
      const current = best[metric];
      if (!current || (higher ? v > current.value : v < current.value)) best[metric] = { index: p.index, params: p.params, value: v };
    }
  }
  return best;
}
