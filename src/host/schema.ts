import { Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { TRANSPORTS, type Transport } from '../options/types.js';
import { snapshotOptions, SNAPSHOT_STATES, type SnapshotType } from './snapshot-options.js';
import { SYSCTLS, SysctlValueSchema, type SysctlKind } from '../kernel/sysctls.js';

// The defaults snapshot as a contract: every sysctl and every option is a named key, present
// whatever this host answers (null when it cannot be read), so CI jobs can diff two hosts' JSON
// key by key. Each key's schema is as narrow as its kind or type; the static types below use the
// union of all of them.

const nullable = (schema: TSchema, description?: string) => Type.Union([schema, Type.Null()], description ? { description } : {});

const LingerSchema = Type.Object({ onoff: Type.Integer(), linger: Type.Integer({ description: 'seconds' }) }, { additionalProperties: false, description: 'struct linger' });
const TimevalSchema = Type.Object({ sec: Type.Integer(), usec: Type.Integer() }, { additionalProperties: false, description: 'struct timeval' });

export { SysctlValueSchema };

/**
 * Snapshot fields left out of comparisons: those that name a host or a moment rather than describe
 * its defaults, and where the sysctls are persisted (file names differ between hosts with the same values).
 */
export const NOT_COMPARED = ['/host/hostname', '/host/takenAt', '/sources'];
export const OptionDefaultSchema = Type.Union([Type.Integer(), Type.Boolean(), Type.String(), LingerSchema, TimevalSchema, Type.Null()]);

const SYSCTL_SCHEMA: Record<SysctlKind, () => TSchema> = {
  number: () => nullable(Type.Integer()),
  numbers: () => nullable(Type.Array(Type.Integer()), 'integers, in the order of the file (e.g. min default max)'),
  string: () => nullable(Type.String(), 'text, whitespace collapsed to single spaces'),
};

const OPTION_SCHEMA: Record<SnapshotType, () => TSchema> = {
  int: () => nullable(Type.Integer()),
  uint32: () => nullable(Type.Integer({ minimum: 0 })),
  // Exact: a number up to 2^53-1, past it the decimal string (options/codec.ts decodeValue).
  uint64: () => nullable(Type.Union([Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }), Type.String({ pattern: '^[0-9]{16,20}$' })]),
    'exact: a number up to 2^53-1, past it the decimal string (SO_MAX_PACING_RATE\'s unlimited ~0 is "18446744073709551615")'),
  bool: () => nullable(Type.Boolean()),
  string: () => nullable(Type.String()),
  linger: () => nullable(LingerSchema),
  timeval: () => nullable(TimevalSchema),
};

// The key sets are computed from the lists, so TypeScript sees string-keyed records; the runtime
// schemas are narrower than the declared value union, never wider.
type SysctlsObject = TObject<Record<string, typeof SysctlValueSchema>>;
type OptionsObject = TObject<Record<string, typeof OptionDefaultSchema>>;

const SysctlsSchema = Type.Object(
  Object.fromEntries(SYSCTLS.map((s) => [s.name, SYSCTL_SCHEMA[s.kind]()])),
  { additionalProperties: false, description: 'Sysctls that set socket defaults and limits, by dotted name; null where this host has no such file or it is not readable here (e.g. in a network namespace)' },
) as unknown as SysctlsObject;

/** Options read on a fresh socket are always present; those that need a connection only in state connected. */
function transportSchema(transport: Transport): OptionsObject {
  const fresh = new Set(snapshotOptions(transport, 'fresh').map((e) => e.name));
  const props = Object.fromEntries(snapshotOptions(transport, 'connected').map((e) => {
    const schema = OPTION_SCHEMA[e.type]();
    return [e.name, fresh.has(e.name) ? schema : Type.Optional(schema)];
  }));
  return Type.Object(props, {
    additionalProperties: false,
    description: `getsockopt on a ${transport} socket, by option name in catalog order; null when the read failed (see errors)`,
  }) as unknown as OptionsObject;
}

export const HostFactsSchema = Type.Object({
  hostname: Type.String(),
  kernel: Type.String({ description: 'Kernel release (uname -r)' }),
  arch: Type.String({ description: "Node's name for the CPU architecture, e.g. x64, arm64" }),
  cpus: Type.Integer({ minimum: 1, description: 'CPUs this process may run on' }),
  cpuModel: Type.Union([Type.String(), Type.Null()], { description: 'Model name of the first CPU; null when the kernel reports none' }),
  takenAt: Type.String({ description: 'When the snapshot was taken, ISO 8601 (UTC)' }),
}, { additionalProperties: false });

export const DefaultsErrorSchema = Type.Object({
  transport: Type.Union(TRANSPORTS.map((t) => Type.Literal(t))),
  option: Type.String(),
  code: Type.String({ description: 'errno name of the failed getsockopt, socket() or connect() (e.g. EOPNOTSUPP), SOCKBENCH_PAIR_SETUP_FAILED, or TRUNCATED when the kernel returned fewer bytes than the type has' }),
}, { additionalProperties: false });

export const SysctlSourcesSchema = Type.Object({
  files: Type.Array(Type.String(), { description: "The sysctl files read, in systemd-sysctl's order (later ones win): *.conf of /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d by file name, then /etc/sysctl.conf" }),
  sysctls: Type.Record(Type.String(), Type.Object({
    file: Type.String(),
    line: Type.Integer({ minimum: 1 }),
    value: nullable(SysctlValueSchema, 'what the file sets, read as the sysctl is (null when it does not read as one)'),
    differs: Type.Boolean({ description: 'the running value is not the one the file sets: a reboot changes it' }),
  }, { additionalProperties: false }), { description: 'For each listed sysctl a file sets, the setting that wins' }),
  differing: Type.Array(Type.String(), { description: 'Sysctls whose running value differs from the persisted one' }),
  missing: Type.Array(Type.Object({ name: Type.String(), file: Type.String(), line: Type.Integer({ minimum: 1 }) }, { additionalProperties: false }), {
    description: 'Keys the files set that this kernel does not have',
  }),
}, { additionalProperties: false, description: 'Where the sysctls are persisted; kept apart from sysctls so that values stay comparable across hosts' });

export const DefaultsSnapshotSchema = Type.Object({
  host: HostFactsSchema,
  state: Type.Union(SNAPSHOT_STATES.map((s) => Type.Literal(s)), { description: 'fresh: sockets straight from socket(); connected: the client end of a loopback pair' }),
  sysctls: SysctlsSchema,
  sockets: Type.Object(
    Object.fromEntries(TRANSPORTS.map((t) => [t, transportSchema(t)])) as Record<Transport, OptionsObject>,
    { additionalProperties: false, description: 'Option values per transport' },
  ),
  errors: Type.Array(DefaultsErrorSchema, { description: 'Reads that failed; their values are null. Usually empty' }),
  sources: Type.Optional(SysctlSourcesSchema),
}, { additionalProperties: false, description: "This host's socket defaults" });

export type DefaultsSnapshot = Static<typeof DefaultsSnapshotSchema>;
export type DefaultsError = Static<typeof DefaultsErrorSchema>;
export type OptionDefault = Static<typeof OptionDefaultSchema>;
