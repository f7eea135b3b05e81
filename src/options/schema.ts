import { Type } from '@sinclair/typebox';
import { NullableNumber, StringEnum } from '../schema-types.js';
import { PHASES } from './types.js';

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
