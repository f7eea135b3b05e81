import { Type } from '@sinclair/typebox';
import { LEVELS } from '../../native-bindings/index.js';
import { NullableNumber, SideSchema, StringEnum } from '../schema-types.js';
import { MAX_BUFLEN } from './codec.js';
import type { OptionsInput } from './request.js';
import { ACCESS, PHASES, TRANSPORTS, VALUE_TYPES } from './types.js';

// Option values and reports as the API shows them: owned beside the option types, so that every
// result that carries an option report (probes, benchmarks, sweeps) uses one schema.

export const PhaseSchema = StringEnum(PHASES, { description: 'When the option is applied: before bind(), before listen()/connect(), or on the connected socket' });

const LingerSchema = Type.Object({ onoff: Type.Integer(), linger: Type.Integer() }, { additionalProperties: false, description: 'struct linger' });
const TimevalSchema = Type.Object({ sec: Type.Integer(), usec: Type.Integer() }, { additionalProperties: false, description: 'struct timeval' });
const HexSchema = Type.Object({ hex: Type.String() }, { additionalProperties: false, description: 'raw bytes' });

/**
 * struct tcp_info by field, without the tcpi_ prefix (native-bindings decodeTcpInfo); a field this
 * kernel does not return is absent. Every number is exact; a 64-bit field is null for the kernel's ~0.
 */
export const TcpInfoSchema = Type.Record(Type.String(), NullableNumber, {
  description: 'struct tcp_info by field name without the tcpi_ prefix (rtt, snd_cwnd, total_retrans...); fields past what this kernel returns are absent. Every number is exact. A 64-bit field is null when the kernel reports ~0 (2^64-1): max_pacing_rate with no SO_MAX_PACING_RATE set (unlimited), pacing_rate before TCP has set one. (No other 64-bit value can pass 2^53 within a socket\'s life, 9 PB or 285 years; one that did would be null too.)',
});

/** A value as the API reports it. */
export const DecodedValueSchema = Type.Union([
  Type.Integer(), Type.Number(), Type.Boolean(), Type.String(), LingerSchema, TimevalSchema, HexSchema,
  TcpInfoSchema,
]);

export const NullableValue = Type.Union([DecodedValueSchema, Type.Null()]);
export const RequestedValueSchema = Type.Union([Type.Integer(), Type.Boolean(), Type.String(), LingerSchema, TimevalSchema, HexSchema]);

export const OptionErrorSchema = Type.Object({
  code: Type.String({ description: 'errno name' }), errno: Type.Integer(), message: Type.String(), hint: Type.String(),
}, { additionalProperties: false });

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
}, { additionalProperties: false });

/** Options as a client sent them, kept with a run: a map of names to values, or a list of items. */
export const OptionsEchoSchema = Type.Union([
  Type.Record(Type.String(), RequestedValueSchema, { description: 'option names to values' }),
  Type.Array(Type.Object({
    level: Type.Optional(Type.Union([Type.String(), Type.Integer()])),
    name: Type.Union([Type.String(), Type.Integer()]),
    value: RequestedValueSchema,
    phase: Type.Optional(PhaseSchema),
  }, { additionalProperties: false })),
]);

export const TransportSchema = StringEnum(TRANSPORTS, { description: 'Socket family and type: tcp4, tcp6, udp4, udp6, unix (stream) or unix-dgram' });
export const LevelNameSchema = StringEnum(Object.keys(LEVELS) as (keyof typeof LEVELS)[]);
export const AccessSchema = StringEnum(ACCESS);
export const ValueTypeSchema = StringEnum(VALUE_TYPES);

/**
 * An option value as a client sends it. Checked against the option's type by the codec, which
 * names the option in its message, rather than by an anyOf whose errors would name every branch.
 */
export const OptionValueInput = Type.Unsafe<unknown>({
  description: 'integer | boolean | string | {"onoff","linger"} (linger) | {"sec","usec"} (timeval) | {"hex"} (raw bytes)',
  examples: [4096, true, 'reno', { onoff: 1, linger: 5 }, { sec: 1, usec: 500000 }, { hex: '00100000' }],
});

/** A catalog entry as GET /v1/options answers it. */
export const OptionSchema = Type.Object({
  name: Type.String({ examples: ['SO_SNDBUF'] }),
  level: LevelNameSchema,
  levelNumber: Type.Integer(),
  optname: Type.Integer({ description: 'The optname number on Linux x86_64/arm64' }),
  type: ValueTypeSchema,
  access: AccessSchema,
  transports: Type.Array(TransportSchema, { description: 'Where the kernel accepts it' }),
  effectiveOn: Type.Optional(Type.Array(TransportSchema, { description: 'Where it changes behaviour, when narrower than transports' })),
  phase: PhaseSchema,
  privilege: Type.Union([Type.String(), Type.Null()]),
  summary: Type.String(),
  man: Type.String(),
  readVia: Type.Optional(Type.String()),
  getNeeds: Type.Optional(Type.Literal('connected')),
  returnsFd: Type.Optional(Type.Boolean({ description: 'getsockopt installs a new descriptor in the caller (SO_PEERPIDFD), which the reader must close' })),
  volatile: Type.Optional(Type.Boolean()),
  example: Type.Optional(RequestedValueSchema),
});

const NameOrNumber = Type.Union([Type.String({ maxLength: 64 }), Type.Integer({ minimum: 0, maximum: 2147483647 })]);
// Not validated here: `value` is checked against the option's type by the codec, which names the option.
/** One option as a list item: level (name or number), name (name or number), value and, optionally, when to apply it. */
const OptionItemSchema = Type.Object({
  level: Type.Optional(NameOrNumber),
  name: NameOrNumber,
  value: OptionValueInput,
  phase: Type.Optional(PhaseSchema),
}, { additionalProperties: false });

export const OptionsInputSchema = Type.Unsafe<OptionsInput>({
  description: 'an object of option names to values ({"SO_SNDBUF": 4096}) or a list of {level, name, value, phase?}',
  anyOf: [
    Type.Record(Type.String({ maxLength: 64 }), OptionValueInput),
    Type.Array(OptionItemSchema, { maxItems: 1024 }),
  ],
});

/** POST /v1/sockopts: what to set on a fresh loopback pair, on which side, and what to read back. */
export const ProbeRequestSchema = Type.Object({
  transport: TransportSchema,
  side: Type.Optional(SideSchema),
  options: Type.Optional(OptionsInputSchema),
  get: Type.Optional(Type.Array(Type.Object({
    level: Type.Optional(NameOrNumber),
    name: NameOrNumber,
    buflen: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BUFLEN })),
  }, { additionalProperties: false }), { maxItems: 1024 })),
}, { additionalProperties: false });

const GetReportSchema = Type.Object({
  name: Type.String(), level: Type.String(), optname: Type.Integer(), buflen: Type.Integer(), ok: Type.Boolean(),
  length: Type.Optional(Type.Integer()), hex: Type.Optional(Type.String()), value: Type.Optional(DecodedValueSchema),
  error: Type.Optional(OptionErrorSchema),
});

/** What a probe found: each option set (requested, before, effective, connected) and each one read back. */
export const ProbeResultSchema = Type.Object({
  transport: TransportSchema,
  side: SideSchema,
  pair: Type.Object({ client: Type.String(), server: Type.String(), nudged: Type.Boolean({ description: 'The server could only accept after the client sent one byte' }) }),
  options: Type.Array(OptionReportSchema),
  get: Type.Array(GetReportSchema),
});
