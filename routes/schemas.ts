import { Type, type TSchema, type Static } from '@sinclair/typebox';
import { ACCESS, PHASES, TRANSPORTS, VALUE_TYPES } from '../src/options/types.js';
import { LEVELS } from '../native-bindings/index.js';
import { FINDING_CODES } from '../src/advice/findings.js';
import { KERNEL_COUNTERS } from '../src/host/kernel-counters.js';

// Schemas shared by several routes. Enums are plain JSON-schema enums (not unions of literals)
// so that a wrong value gets one clear validation message listing the allowed ones.

export function StringEnum<T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export const TransportSchema = StringEnum(TRANSPORTS, { description: 'Socket family and type: tcp4, tcp6, udp4, udp6, unix (stream) or unix-dgram' });
export const LevelNameSchema = StringEnum(Object.keys(LEVELS) as (keyof typeof LEVELS)[]);
export const PhaseSchema = StringEnum(PHASES, { description: 'When the option is applied: before bind(), before listen()/connect(), or on the connected socket' });
export const AccessSchema = StringEnum(ACCESS);
export const ValueTypeSchema = StringEnum(VALUE_TYPES);
export const SideSchema = StringEnum(['client', 'server'] as const);

export const FormatQuery = StringEnum(['json', 'text'] as const, { description: 'text: an aligned table for terminals (same as Accept: text/plain)' });
/** For documents that are rows of figures, which spreadsheets and CI artifacts want as CSV. */
export const TableFormatQuery = StringEnum(['json', 'text', 'csv'] as const, { description: 'text: an aligned table for terminals (same as Accept: text/plain); csv: for spreadsheets (same as Accept: text/csv)' });

/** For results that CI systems read as test reports. */
export const ReportFormatQuery = StringEnum(['json', 'text', 'junit', 'tap'] as const, { description: 'text: a table for terminals (Accept: text/plain); junit: JUnit XML, one testsuite per host and one testcase per key (Accept: application/xml); tap: TAP 14' });

export const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

/** The :id of a stored resource (a run, a snapshot, a peer session). */
export const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

const LingerSchema = Type.Object({ onoff: Type.Integer(), linger: Type.Integer() }, { additionalProperties: false, description: 'struct linger' });
const TimevalSchema = Type.Object({ sec: Type.Integer(), usec: Type.Integer() }, { additionalProperties: false, description: 'struct timeval' });
const HexSchema = Type.Object({ hex: Type.String() }, { additionalProperties: false, description: 'raw bytes' });

/**
 * An option value as a client sends it. Checked against the option's type by the codec, which
 * names the option in its message, rather than by an anyOf whose errors would name every branch.
 */
export const OptionValueInput = Type.Unsafe<unknown>({
  description: 'integer | boolean | string | {"onoff","linger"} (linger) | {"sec","usec"} (timeval) | {"hex"} (raw bytes)',
  examples: [4096, true, 'reno', { onoff: 1, linger: 5 }, { sec: 1, usec: 500000 }, { hex: '00100000' }],
});

/** A value as the API reports it. */
export const DecodedValueSchema = Type.Union([
  Type.Integer(), Type.Number(), Type.Boolean(), Type.String(), LingerSchema, TimevalSchema, HexSchema,
  Type.Record(Type.String(), Type.Number(), { description: 'struct tcp_info, by field' }),
]);

export const NullableValue = Type.Union([DecodedValueSchema, Type.Null()]);
export const RequestedValueSchema = Type.Union([Type.Integer(), Type.Boolean(), Type.String(), LingerSchema, TimevalSchema, HexSchema]);

export const ErrorSchema = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String({ description: 'Stable SOCKBENCH_* code' }),
  error: Type.String(),
  message: Type.String({ description: 'What went wrong and what to change' }),
  field: Type.Optional(Type.String({ description: 'The request field at fault, e.g. body.options.SO_LINGER' })),
  suggestions: Type.Optional(Type.Array(Type.String(), { description: 'Nearest valid names' })),
}, { $id: 'Error' });
export type ErrorBody = Static<typeof ErrorSchema>;

export const errorResponses = (...codes: number[]): Record<number, TSchema> =>
  Object.fromEntries(codes.map((c) => [c, Type.Ref('Error')]));

export const OptionErrorSchema = Type.Object({
  code: Type.String({ description: 'errno name' }), errno: Type.Integer(), message: Type.String(), hint: Type.String(),
});

export const OptionReportSchema = Type.Object({
  name: Type.String(), level: Type.String(), optname: Type.Integer(),
  requested: Type.Union([RequestedValueSchema, Type.Null()], { description: 'null: not set, reported because it matters' }),
  appliedAt: PhaseSchema,
  before: NullableValue, effective: NullableValue, connected: Type.Optional(NullableValue),
  end: Type.Optional(NullableValue),
  readVia: Type.Optional(Type.String()),
  ok: Type.Boolean(),
  note: Type.Optional(Type.String()),
  error: Type.Optional(OptionErrorSchema),
});

const MAX_PAGE = 200;

/** limit/offset paging, newest first. */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 20, description: `Items per page (at most ${MAX_PAGE})` })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'Items to skip' })),
};

export const FindingCodeSchema = StringEnum(FINDING_CODES, { description: 'What bounded the figure' });

export const FindingSchema = Type.Object({
  code: FindingCodeSchema,
  side: Type.Union([SideSchema, Type.Null()], { description: 'The side it is about (null: the run as a whole)' }),
  summary: Type.String({ description: 'One sentence, with the numbers' }),
  evidence: Type.Array(Type.Object({
    name: Type.String({ description: 'Where the figure is found (a result path, an option, a kernel counter) or what it is' }),
    value: Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]),
    unit: Type.Optional(Type.String()),
  }, { additionalProperties: false }), { description: 'The figures the finding rests on' }),
  advice: Type.Union([Type.String(), Type.Null()], { description: 'What to change (null: nothing to change)' }),
}, { additionalProperties: false });

/** A sweep point's findings: code and sentence only. */
export const FindingShortSchema = Type.Object({ code: FindingCodeSchema, summary: Type.String() }, { additionalProperties: false });

const NullableCount = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]);
const CounterWindowSchema = Type.Object({
  sides: Type.Array(SideSchema, { description: 'The run\'s sides whose window this host\'s reading brackets' }),
  windowMs: Type.Number({ description: 'Time between the two readings' }),
  deltas: Type.Object(Object.fromEntries(KERNEL_COUNTERS.map((c) => [c.name, { ...NullableCount, description: `${c.unit}; null: this kernel or namespace does not have it` }])), { additionalProperties: false }),
  beyondRun: Type.Array(Type.Object({
    counter: Type.String(), delta: Type.Integer(), runAtMost: Type.Integer({ description: 'Packets of that protocol this run sent and received' }),
  }, { additionalProperties: false }), { description: 'Counters that moved by more than this run could cause: other traffic in the namespace' }),
}, { additionalProperties: false });

export const KernelCountersSchema = Type.Object({
  scope: Type.Literal('network-namespace'),
  note: Type.String(),
  thisHost: Type.Union([CounterWindowSchema, Type.Null()], { description: 'This host: both sides of a loopback run, the client side across hosts (null: the window never opened)' }),
  peer: Type.Union([CounterWindowSchema, Type.Null()], { description: 'Peer runs: the far host\'s own reading around its side\'s window' }),
}, { additionalProperties: false, description: 'Kernel counter deltas over the measured window of the median repeat' });
