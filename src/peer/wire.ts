import { isIP } from 'node:net';
import { AF } from '../../native-bindings/index.js';
import { TRANSPORT_INFO } from '../sockets/transports.js';
import { behaviourOf, SenderQdiscSchema, SideReportSchema, TcpInfoSchema, type Pattern, type RepeatPlan } from '../bench/index.js';
import { errors } from '../errors.js';
import { Type, type Static } from '@sinclair/typebox';
import { BenchmarkConfigSchema, ResultHostSchema } from '../runs/benchmarks.js';
import { runDocumentSchema } from '../runs/registry.js';
import { Nullable } from '../schema-types.js';
import { OptionReportSchema } from '../options/schema.js';
import type { Transport } from '../options/types.js';
import { KernelCounterWindowSchema } from '../kernel/kernel-counters.js';

// What two instances say to each other in a peer benchmark, beside the HTTP routes under /v1/peer.

/** The one-time session key: random bytes, sent first on the data connection (or as the first datagram). */
export const KEY_BYTES = 32;
/** The server's answer to a datagram client's key: its socket is now connected to the client. */
export const ACK = Buffer.from('sockbench-peer-ack');

export const PEER_TRANSPORTS = ['tcp4', 'tcp6', 'udp4', 'udp6'] as const satisfies readonly Transport[];
export const PEER_PATTERNS = ['stream', 'rr', 'crr'] as const satisfies readonly Pattern[];

const SideOutcomeSchema = Type.Object({ report: SideReportSchema, forcedEnd: Type.Boolean() }, { additionalProperties: false });

/** The serving side's account of one data connection (one stream), known by the client's port. */
export const PeerStreamOutcomeSchema = Type.Object({
  clientPort: Type.Integer(),
  report: SideReportSchema,
  forcedEnd: Type.Boolean(),
  reverse: Type.Optional(SideOutcomeSchema),
  tcpInfo: Nullable(TcpInfoSchema),
  congestion: Type.Optional(Nullable(Type.String())),
}, { additionalProperties: false });
export type PeerStreamOutcome = Static<typeof PeerStreamOutcomeSchema>;

/** The serving side's account of a session: its report, options, TCP_INFO and host. */
export const PeerSessionOutcomeSchema = Type.Object({
  report: SideReportSchema,
  forcedEnd: Type.Boolean(),
  reverse: Type.Optional({ ...SideOutcomeSchema, description: 'A bidirectional stream: this host\'s sender of the reverse direction' }),
  tcpInfo: Nullable(TcpInfoSchema),
  congestion: Type.Optional(Nullable(Type.String(), 'TCP, one connection for the run: the data socket\'s TCP_CONGESTION at the end')),
  sockets: Type.Array(OptionReportSchema),
  host: ResultHostSchema,
  streams: Type.Optional(Type.Array(PeerStreamOutcomeSchema, { description: 'Every stream\'s account (streams > 1 across hosts); the fields above are the first one\'s' })),
  kernelCounters: Nullable(KernelCounterWindowSchema, 'This host\'s kernel counters around the server side\'s window'),
  background: Type.Optional(Type.Array(Type.Object({ clientPort: Type.Integer(), report: SideReportSchema, forcedEnd: Type.Boolean() }, { additionalProperties: false }),
    { description: 'rr with background: each background stream\'s receiving side, known by the client\'s port' })),
  senderQdisc: Type.Optional(Nullable(SenderQdiscSchema, 'TCP stream, reverse or bidirectional: the qdisc this host\'s packets leave by toward the client (null: the tools could not say)')),
}, { additionalProperties: false });
export type PeerSessionOutcome = Static<typeof PeerSessionOutcomeSchema>;

/** A session made (POST /v1/peer/sessions): where the client's data connections go, and the key they present. */
export const PeerSessionCreatedSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  port: Type.Integer({ description: 'The data listener, on this host, from SOCKBENCH_DATA_PORTS' }),
  key: Type.String({ description: 'Hex; the first bytes of the data connection (or the first datagram) must be these' }),
  connectTimeoutMs: Type.Integer(),
  background: Type.Optional(Type.Object({
    port: Type.Integer({ description: 'The background streams\' own data listener' }),
    key: Type.String({ description: 'Hex; the key each background stream\'s connection presents first' }),
  }, { additionalProperties: false, description: 'rr with background: where its bulk streams connect' })),
}, { additionalProperties: false });
export type PeerSessionCreated = Static<typeof PeerSessionCreatedSchema>;

/** What this host offers a peer run's far side (GET /v1/peer/capabilities). */
export const PeerCapabilitiesSchema = Type.Object({
  congestion: Type.Object({
    available: Type.Array(Type.String(), { description: 'net.ipv4.tcp_available_congestion_control: what TCP_CONGESTION accepts here' }),
    default: Nullable(Type.String(), 'net.ipv4.tcp_congestion_control'),
    allowed: Type.Array(Type.String(), { description: 'net.ipv4.tcp_allowed_congestion_control: what an unprivileged process may choose' }),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

/** A peer session (GET /v1/peer/sessions/{id}): the benchmark's config, this side's role and data port, and its outcome. */
const PeerSessionConfigSchema = Type.Object({
  ...BenchmarkConfigSchema.properties,
  role: Type.Literal('server'),
  port: Type.Integer({ description: 'The data listener on this host' }),
}, { additionalProperties: false });
export type PeerSessionConfig = Static<typeof PeerSessionConfigSchema>;
export const PeerSessionRunSchema = runDocumentSchema('peer', PeerSessionConfigSchema, PeerSessionOutcomeSchema, 'The serving side of a peer benchmark, as the other instance reads it');

/** The host of a peer's base URL (brackets off an IPv6 literal), and the IP version `transport` needs of it. */
export function peerHost(peer: string, transport: Transport): { host: string; family: 4 | 6 } {
  return { host: new URL(peer).hostname.replace(/^\[|\]$/g, ''), family: TRANSPORT_INFO[transport].domain === AF.INET6 ? 6 : 4 };
}

/**
 * Peer benchmarks cross hosts: IP transports only, one stream, room for the in-band window header,
 * and a peer address (when the URL has one rather than a name) of the transport's IP version.
 */
export function checkCrossHost({ config }: RepeatPlan, field = 'body'): void {
  if (!(PEER_TRANSPORTS as readonly string[]).includes(config.transport)) {
    throw errors.invalidValue(`${field}.transport: ${config.transport} does not cross hosts; with a peer use one of ${PEER_TRANSPORTS.join(', ')}.`, `${field}.transport`);
  }
  if (!(PEER_PATTERNS as readonly string[]).includes(config.pattern)) {
    throw errors.invalidValue(`${field}.pattern: ${config.pattern} is not available with a peer yet; use one of ${PEER_PATTERNS.join(', ')}.`, `${field}.pattern`);
  }
  // Background streams across hosts are TCP connections of their own beside the rr pairs.
  if (config.background !== null && !config.transport.startsWith('tcp')) {
    throw errors.invalidValue(`${field}.background: across hosts background streams run beside tcp4 or tcp6 rr; use one of those, or remove peer to run ${config.transport} on this host.`, `${field}.background`);
  }
  // Several streams are several data connections with one key: a datagram session has one socket, a crr session one listener its worker accepts on.
  if (config.streams > 1 && (!config.transport.startsWith('tcp') || config.pattern === 'crr')) {
    throw errors.invalidValue(`${field}.streams: across hosts several streams are several TCP connections: use tcp4 or tcp6 with stream or rr, or set streams to 1.`, `${field}.streams`);
  }
  const min = behaviourOf(config).minMessageSize.remote;
  if (config.messageSize < min) {
    throw errors.invalidValue(`${field}.messageSize: across hosts a datagram carries ${min} bytes of sequence numbers; use a messageSize of at least ${min}.`, `${field}.messageSize`);
  }
  if (config.peer === undefined) return;
  const { host, family } = peerHost(config.peer, config.transport);
  const version = isIP(host);
  if (version !== 0 && version !== family) {
    throw errors.invalidValue(`${field}.peer: ${config.peer} is an IPv${version} address and ${config.transport} needs IPv${family}; list the peer in SOCKBENCH_PEERS by an IPv${family} address or by name, and use that.`, `${field}.peer`);
  }
}
