import { Type, type Static, type TUnsafe } from '@sinclair/typebox';
import { SysctlValueSchema } from '../kernel/sysctls.js';

// The advice document as a contract (POST /v1/advice): the route answers it, the text renderer
// reads it, and its types are these schemas' Static<>.

export const VERDICTS = ['ok', 'too-small', 'unusual'] as const;
export type Verdict = (typeof VERDICTS)[number];

// Literal unions rather than plain enums: responses are not validated against user input, and this
// way the tests can check a document with TypeBox's own Value.Check.
const enumOf = <const T extends readonly string[]>(values: T, description: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), { description }) as unknown as TUnsafe<T[number]>;

export const SettingAdviceSchema = Type.Object({
  name: Type.String({ description: 'The sysctl, e.g. net.core.rmem_max' }),
  current: Type.Union([SysctlValueSchema], { description: 'Its value on this host now (null: cannot be read here)' }),
  needed: Type.Union([SysctlValueSchema], { description: 'What this path needs, the least that will do (null: no requirement)' }),
  set: Type.Union([SysctlValueSchema], { description: 'What the sysctl file below writes (null: leave it as it is)' }),
  verdict: enumOf(VERDICTS, 'ok: fine for this path; too-small: a limit below what the path needs; unusual: off the kernel default in a way that hurts here, or unreadable'),
  reason: Type.String({ description: 'Why, with the numbers' }),
  source: Type.String({ description: 'Where the rule comes from: the kernel documentation, a measurement on this kernel, ESnet fasterdata (URL), or the derivation' }),
}, { additionalProperties: false });
export type SettingAdvice = Static<typeof SettingAdviceSchema>;

export const BUFFER_OPTIONS = ['SO_RCVBUF', 'SO_SNDBUF'] as const;
export type BufferOption = (typeof BUFFER_OPTIONS)[number];

export const BufferAdviceSchema = Type.Object({
  option: enumOf(BUFFER_OPTIONS, 'The socket option an application would set'),
  requested: Type.Integer({ description: 'The value asked for' }),
  storedBytes: Type.Integer({ description: 'What the kernel stores and getsockopt reads back: max(2 × min(value, limit), minimum)' }),
  limit: Type.Object({ name: Type.String(), value: Type.Union([Type.Integer(), Type.Null()]) }, { additionalProperties: false, description: 'The sysctl that caps the value before doubling' }),
  clamped: Type.Boolean({ description: 'The value was above the limit and was cut to it' }),
  raisedToMinimum: Type.Boolean({ description: 'Twice the value was below the kernel minimum (4608 send, 2304 receive)' }),
  autotuning: Type.Literal('off', { description: 'Setting the option locks the size: the kernel no longer grows or shrinks this buffer' }),
  windowBytes: Type.Integer({ description: 'The window (receive) or bytes in flight (send) the stored size allows, at this kernel\'s window share' }),
  maxBitsPerSecond: Type.Number({ description: 'windowBytes / RTT: the most one connection gets with this buffer on this path' }),
  enough: Type.Boolean({ description: 'windowBytes reaches the bandwidth-delay product' }),
  note: Type.String(),
}, { additionalProperties: false });
export type BufferAdvice = Static<typeof BufferAdviceSchema>;

export const AdviceRunSchema = Type.Object({
  id: Type.String(),
  transport: Type.String(),
  pattern: Type.String(),
  peer: Type.Union([Type.String(), Type.Null()], { description: 'The peer the run went to (null: a loopback run)' }),
  bitsPerSecond: Type.Union([Type.Number(), Type.Null()], { description: 'The throughput it measured (null: not a stream)' }),
  rttMicros: Type.Number({ description: 'The client\'s TCP_INFO rtt at the end of the run' }),
}, { additionalProperties: false });
export type AdviceRun = Static<typeof AdviceRunSchema>;

export const AdviceSchema = Type.Object({
  path: Type.Object({
    bandwidthBitsPerSecond: Type.Number(),
    rttMs: Type.Number(),
    source: enumOf(['request', 'run'] as const, 'request: the figures given; run: measured by a finished benchmark'),
    run: Type.Union([AdviceRunSchema, Type.Null()]),
  }, { additionalProperties: false }),
  bdpBytes: Type.Integer({ description: 'Bandwidth-delay product: bytes in flight that keep the path full' }),
  window: Type.Object({
    share: Type.Number({ description: 'Share of a socket buffer the kernel offers as window (0..1)' }),
    mechanism: enumOf(['scaling_ratio', 'tcp_adv_win_scale'] as const, 'scaling_ratio: per socket, Linux 6.6 and later; tcp_adv_win_scale: the sysctl, before 6.6'),
    derivation: Type.String({ description: 'How the share was derived on this kernel' }),
    measured: Type.Union([Type.Object({ rcvbufBytes: Type.Integer(), windowClampBytes: Type.Integer() }, { additionalProperties: false }), Type.Null()], {
      description: 'Read from the accepted end of a fresh tcp4 loopback connection: TCP_WINDOW_CLAMP over SO_RCVBUF (null: could not be measured; the kernel\'s rule is used)',
    }),
    bufferBytes: Type.Integer({ description: 'The receive buffer (tcp_rmem max, or the stored SO_RCVBUF) that offers bdpBytes as window' }),
    socketOptionBytes: Type.Integer({ description: 'The SO_RCVBUF value to ask for: the kernel stores twice it, bufferBytes' }),
    sendBufferBytes: Type.Integer({ description: 'The send buffer (tcp_wmem max, or the stored SO_SNDBUF) that keeps bdpBytes unacknowledged: twice it, as send autotuning sizes it' }),
    sendSocketOptionBytes: Type.Integer({ description: 'The SO_SNDBUF value to ask for: the kernel stores twice it, sendBufferBytes' }),
    windowScale: Type.Union([Type.Integer(), Type.Null()], { description: 'The window scale the window needs (0..14); null: beyond TCP\'s largest window' }),
    connectionsNeeded: Type.Integer({ description: 'Parallel connections needed to keep this much in flight (more than 1 only beyond TCP\'s largest window or the largest socket buffer)' }),
  }, { additionalProperties: false }),
  summary: Type.String(),
  settings: Type.Array(SettingAdviceSchema),
  buffers: Type.Array(BufferAdviceSchema, { description: 'What the kernel would give for the requested SO_RCVBUF/SO_SNDBUF' }),
  sysctlFile: Type.Object({
    path: Type.String(),
    content: Type.String({ description: 'A ready /etc/sysctl.d/ file with the changes (sysctl --system loads it)' }),
  }, { additionalProperties: false }),
  commands: Type.Array(Type.String(), { description: 'The same changes as sysctl -w lines, to try before making them permanent' }),
  applied: Type.Boolean({ description: 'Always false: the service changes nothing on the host' }),
  host: Type.Object({ hostname: Type.String(), kernel: Type.String(), takenAt: Type.String() }, { additionalProperties: false }),
}, { additionalProperties: false });
export type Advice = Static<typeof AdviceSchema>;
