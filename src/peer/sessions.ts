import { randomBytes, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  accept4, AF, connect, getpeername, listen, recvfrom, send, setNonBlocking, SOCK, SysError, MSG,
} from '../../native-bindings/index.js';
import type { Config } from '../config.js';
import { errors } from '../errors.js';
import { backgroundStream, type BenchHooks, behaviourOf, isDatagram, isTcp, readCongestion, readTcpInfo, resolveBenchConfig, SESSION_KEY_TIMEOUT_MS, type SideReport, SideRun } from '../bench/index.js';
import { FdScope } from '../sockets/fd-scope.js';
import { counterWindow, kernelCounterFiles } from '../kernel/kernel-counters.js';
import { openSocket } from '../sockets/pair.js';
import { TRANSPORT_INFO } from '../sockets/transports.js';
import { admit, PendingKey, takeKeyed } from '../sockets/pending-key.js';
import type { BenchmarkRequest, BenchmarkService } from '../runs/benchmarks.js';
import { resultHost } from '../runs/benchmarks.js';
import type { RunLogger, RunView } from '../runs/registry.js';
import type { Runs } from '../runs/runs.js';
import { parsePortRange, type PortRange } from '../config.js';
import { bindInRange } from './ports.js';
import { ACK, checkCrossHost, KEY_BYTES, type PeerSessionConfig, type PeerSessionCreated, type PeerSessionOutcome, type PeerStreamOutcome } from './wire.js';

/** How often a session looks for its data connection (non-blocking accept on the main thread). */
const ACCEPT_POLL_MS = 5;
/** A datagram receiver's time for the last datagrams to arrive once the far client has finished. */
const DATAGRAM_DRAIN_MS = 50;
/** The far client's clock started a little earlier and its end reaches us over HTTP. */
const SLACK_MS = 2000;
/** With background streams the client starts its rr pairs only once every stream sends: their threads' start-up. */
const BACKGROUND_START_MS = 5000;

export type RejectReason = 'wrong-key' | 'no-key' | 'replayed';


export type PeerSessionRun = RunView<PeerSessionConfig, PeerSessionOutcome>;

interface Live {
  /** One per direction this host takes part in (two for a bidirectional stream). */
  sides: SideRun[];
  finished: boolean;
}

/**
 * The far side of a peer benchmark, on the host that serves (issue "Across hosts"): a data
 * listener from SOCKBENCH_DATA_PORTS, configured with the server-side options, that accepts only
 * the connection presenting the session's one-time key; then the server side of the pattern on
 * it. A session is a run like any other (kind "peer"): one at a time with this host's own runs,
 * so a busy host answers 409 instead of distorting both runs.
 */
export class PeerSessionService {
  readonly #ports: PortRange;
  readonly #live = new Map<string, Live>();
  /** The running session's logger (sessions are runs: one at a time), so that its refusals are logged with its id. */
  #log: RunLogger | null = null;

  constructor(
    private readonly config: Config,
    private readonly runs: Runs,
    private readonly benchmarks: BenchmarkService,
    private readonly onReject: (reason: RejectReason, log: RunLogger | null) => void,
  ) {
    this.#ports = parsePortRange(config.SOCKBENCH_DATA_PORTS);
  }

  create(req: BenchmarkRequest): { run: PeerSessionRun; created: PeerSessionCreated } {
    const prepared = this.benchmarks.prepare({ ...req, repeats: 1, streams: req.streams ?? 1, options: { both: req.options?.both, server: req.options?.server } });
    checkCrossHost(prepared);
    const registry = this.runs.registry;
    if (registry.busy || registry.queued > 0) throw errors.peerBusy(registry.retryAfterSeconds());
    const { config, options } = prepared;
    const behaviour = behaviourOf(config);
    const perRun = behaviour.connection === 'run';
    const scope = new FdScope();
    try {
      // A connection per transaction: the worker accepts each; connected-phase options go on the listener, which every accepted socket inherits.
      const { hooks, reports } = options.forRun(behaviour);
      const { listener, port, key } = this.#dataListener(config.transport, behaviour.backlog, scope, hooks);
      // rr with background: the bulk streams' own listener and key.
      const background = config.background === null ? null : this.#dataListener(config.transport, config.background.streams, scope);
      const live: Live = { sides: [], finished: false };
      const timeoutMs = this.config.SOCKBENCH_PEER_TIMEOUT_MS;
      const startSlackMs = background ? BACKGROUND_START_MS : 0;
      const expectedMs = timeoutMs + config.warmupMs + config.durationMs + SLACK_MS + startSlackMs;
      const run = registry.submit('peer', { ...config, role: 'server', port }, async (signal, reporter) => {
        this.#log = reporter.log;
        try {
          // A connection per transaction: the worker accepts every one itself and checks the key on each.
          // Background streams connect to their own listener at the same time.
          const accepting = new AbortController();
          const acceptSignal = AbortSignal.any([signal, accepting.signal]);
          const foreground = perRun ? this.#accept(config.transport, listener, key, scope, acceptSignal, timeoutMs, live, config.streams) : Promise.resolve([listener]);
          const behind = background ? this.#accept(config.transport, background.listener, background.key, scope, acceptSignal, timeoutMs, live, config.background!.streams) : Promise.resolve([]);
          let fds: number[];
          let bgFds: number[];
          try {
            [fds, bgFds] = await Promise.all([foreground, behind]);
          } catch (err) {
            accepting.abort(err);
            await Promise.allSettled([foreground, behind]);
            throw err;
          }
          for (const fd of fds) {
            if (perRun) hooks.afterConnect?.('server', fd);
            else setNonBlocking(listener, false);
          }
          // Each stream is known to the client by its own port: read while the connections are up.
          const clients = fds.map((fd) => (perRun && !isDatagram(config.transport) ? clientOf(fd) : null));
          const clientPorts = clients.map((from) => from?.port ?? 0);
          // When this host sends on TCP, it says which qdisc its packets leave by (the client cannot read it).
          const tcpStream = isTcp(config.transport) && config.pattern === 'stream';
          const qdisc = tcpStream && config.direction !== 'forward' && clients[0] ? this.benchmarks.senderQdiscToward(clients[0].address) : null;
          // reverse: this host sends (the client loop, on its own clock), on its server socket, pinned as the server side is.
          const { direction } = config;
          const sending = { ...config, affinity: { client: config.affinity.server, server: config.affinity.client } };
          const linked = new AbortController();
          const onAbort = (): void => linked.abort(signal.reason);
          signal.addEventListener('abort', onAbort, { once: true });
          // Per stream, a side run per direction this host takes part in; the first stream's first one reads the counter files.
          const sideRun = (fd: number, role: 'client' | 'server', counters: boolean): SideRun => new SideRun(role, role === 'client' ? sending : config, fd, {
            // Without a data connection to wait for first, the worker's own run includes the wait for the first client.
            signal: linked.signal, slackMs: SLACK_MS + startSlackMs + (perRun ? 0 : timeoutMs), start: perRun ? undefined : { sessionKey: new Uint8Array(key) },
            windowSnapshotFiles: counters ? kernelCounterFiles() : undefined, sharedFd: direction === 'bidirectional',
          });
          const perStream = fds.map((fd, i) => (direction === 'forward' ? [sideRun(fd, 'server', i === 0)] : direction === 'reverse' ? [sideRun(fd, 'client', i === 0)]
            : [sideRun(fd, 'server', i === 0), sideRun(fd, 'client', false)]));
          // Background streams: this host receives each to its end of file, which the client's end of the rr pairs brings.
          const bgConfig = background ? resolveBenchConfig(backgroundStream(config)) : null;
          const bgPorts = bgFds.map((fd) => clientOf(fd)?.port ?? 0);
          const bgSides = bgFds.map((fd) => new SideRun('server', bgConfig!, fd, { signal: linked.signal, slackMs: SLACK_MS + startSlackMs }));
          live.sides = [...perStream.flat(), ...bgSides];
          if (live.finished) for (const s of live.sides) s.end(DATAGRAM_DRAIN_MS);
          const runs = [...perStream.flat(), ...bgSides].map((s) => {
            const ran = s.run();
            ran.catch((err: unknown) => linked.abort(err));
            return ran;
          });
          const settled = await Promise.allSettled(runs).finally(() => signal.removeEventListener('abort', onAbort));
          const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
          // The first failure explains the others (directions and streams it cancelled).
          if (failed) throw linked.signal.reason ?? failed.reason;
          const all = settled.map((s) => (s as PromiseFulfilledResult<{ report: SideReport; forcedEnd: boolean }>).value);
          const values = all.slice(0, all.length - bgSides.length);
          const bgOutcomes = all.slice(values.length).map(({ report: { snapshots: _s, ...report }, forcedEnd }, i) => ({ clientPort: bgPorts[i], report, forcedEnd }));
          const width = perStream[0].length;
          let snapshots: SideReport['snapshots'];
          const streams: PeerStreamOutcome[] = fds.map((fd, i) => {
            const [{ report, forcedEnd }, reverse] = values.slice(i * width, (i + 1) * width);
            for (let k = 0; k < (report.rejected ?? 0); k++) this.#reject('wrong-key');
            for (let k = 0; k < (report.silent ?? 0); k++) this.#reject('no-key');
            hooks.atEnd?.('server', fd);
            // A connection per transaction: the result takes each side's last connection's from its report.
            const tcp = perRun && isTcp(config.transport);
            // The counters go as deltas; the files' texts they come from stay here.
            const { snapshots: read, ...side } = report;
            if (i === 0) snapshots = read;
            return {
              clientPort: clientPorts[i], report: side, forcedEnd, ...(reverse ? { reverse } : {}),
              tcpInfo: tcp ? readTcpInfo(fd) : null, congestion: tcp ? readCongestion(fd) : null,
            };
          });
          const [firstStream] = streams;
          return {
            report: firstStream.report, forcedEnd: streams.some((x) => x.forcedEnd), ...(firstStream.reverse ? { reverse: firstStream.reverse } : {}),
            tcpInfo: firstStream.tcpInfo, congestion: firstStream.congestion, ...(streams.length > 1 ? { streams } : {}),
            sockets: reports().server, host: resultHost(), kernelCounters: counterWindow(snapshots, ['server']),
            ...(qdisc ? { senderQdisc: await qdisc } : {}),
            ...(bgOutcomes.length > 0 ? { background: bgOutcomes } : {}),
          } satisfies PeerSessionOutcome;
        } finally {
          this.#log = null;
          this.#live.delete(run.id);
          scope.closeAll();
        }
      }, expectedMs, 1) as PeerSessionRun;
      this.#live.set(run.id, live);
      return {
        run, created: {
          id: run.id, port, key: key.toString('hex'), connectTimeoutMs: timeoutMs,
          ...(background ? { background: { port: background.port, key: background.key.toString('hex') } } : {}),
        },
      };
    } catch (err) {
      scope.closeAll();
      throw err;
    }
  }

  get(id: string): PeerSessionRun | undefined {
    return this.runs.get('peer', id) as PeerSessionRun | undefined;
  }

  /** The far client has finished its side: a datagram server drains, then ends. Waits for the session's end; undefined for an unknown id. */
  async finish(id: string): Promise<PeerSessionRun | undefined> {
    if (!this.get(id)) return undefined;
    const live = this.#live.get(id);
    if (live) {
      live.finished = true;
      for (const side of live.sides) side.end(DATAGRAM_DRAIN_MS);
    }
    await this.runs.registry.waitFor(id);
    // From the registry or, once it has ended, the history; of kind peer only.
    return this.get(id);
  }

  /** A data listener on a port of SOCKBENCH_DATA_PORTS (a datagram socket is not listened on), and the key its connections present. */
  #dataListener(transport: BenchmarkRequest['transport'], backlog: number, scope: FdScope, hooks?: BenchHooks): { listener: number; port: number; key: Buffer } {
    const listener = openSocket(transport, scope, true);
    hooks?.beforeBind?.('server', listener);
    const port = bindInRange(listener, TRANSPORT_INFO[transport].domain === AF.INET6 ? 'inet6' : 'inet', this.#ports);
    if (port === null) throw errors.peerNoPort(`Every data port of SOCKBENCH_DATA_PORTS (${this.config.SOCKBENCH_DATA_PORTS}) is in use; retry later or widen the range.`);
    hooks?.beforeConnect?.('server', listener);
    if (!isDatagram(transport)) listen(listener, backlog);
    return { listener, port, key: randomBytes(KEY_BYTES) };
  }

  #reject(reason: RejectReason): void {
    this.onReject(reason, this.#log);
  }

  /** Waits for the connection that presents `key`, closing every other one; rejects on timeout or cancel. */
  async #accept(transport: string, listener: number, key: Buffer, scope: FdScope, signal: AbortSignal, timeoutMs: number, live: Live, count: number): Promise<number[]> {
    const until = Date.now() + timeoutMs;
    const datagram = transport.startsWith('udp');
    // Connections still presenting their key, checked side by side: a silent one must not hold up the real one.
    const pending: PendingKey[] = [];
    // One per stream, in the order they presented the key; a datagram session has one.
    const keyed: number[] = [];
    try {
      while (Date.now() < until) {
        if (signal.aborted) throw signal.reason;
        if (live.finished) throw errors.peerSessionEnded('The client ended the session before its data connections arrived.');
        for (;;) {
          const fd = datagram ? this.#keyDatagram(listener, key) : this.#keyConnection(listener, key, scope, pending);
          if (fd === null) break;
          setNonBlocking(fd, false);
          keyed.push(fd);
          if (keyed.length === count) {
            if (!datagram) this.#rejectLate(listener, scope, signal);
            return keyed;
          }
        }
        await sleep(ACCEPT_POLL_MS);
      }
      throw errors.peerSessionEnded(`${keyed.length} of ${count} data connections with the session key arrived within ${timeoutMs} ms (SOCKBENCH_PEER_TIMEOUT_MS).`);
    } finally {
      // Still presenting when the session got its connection (or gave up): what they sent decides the count.
      for (const p of pending) {
        p.read();
        this.#drop(p, scope, key);
      }
    }
  }

  /** A datagram with the key: the socket is connected to its sender (the kernel then drops everyone else's) and acknowledged. */
  #keyDatagram(fd: number, key: Buffer): number | null {
    const buf = Buffer.alloc(KEY_BYTES + 1);
    for (;;) {
      let got: ReturnType<typeof recvfrom>;
      try {
        got = recvfrom(fd, buf, buf.length, MSG.DONTWAIT);
      } catch (err) {
        if (err instanceof SysError && err.code === 'EAGAIN') return null;
        throw err;
      }
      if (got.from && got.bytes === KEY_BYTES && timingSafeEqual(buf.subarray(0, KEY_BYTES), key)) {
        connect(fd, got.from);
        send(fd, ACK, ACK.length, MSG.NOSIGNAL);
        return fd;
      }
      this.#reject('wrong-key');
    }
  }

  /**
   * Accepts every waiting connection, then reads what each pending one has sent of the key so
   * far: the first to present the key is the session's; one with a wrong key, one that closed
   * and one silent for SESSION_KEY_TIMEOUT_MS are closed. Never blocks.
   */
  #keyConnection(listener: number, key: Buffer, scope: FdScope, pending: PendingKey[]): number | null {
    for (;;) {
      let fd: number;
      try {
        fd = scope.add(accept4(listener, SOCK.CLOEXEC | SOCK.NONBLOCK));
      } catch (err) {
        if (err instanceof SysError && err.code === 'EAGAIN') break;
        throw err;
      }
      admit(pending, new PendingKey(fd, KEY_BYTES, SESSION_KEY_TIMEOUT_MS), (old) => this.#drop(old, scope, key));
    }
    return takeKeyed(pending, key, (p) => this.#drop(p, scope, key));
  }

  /** Closes a connection that is not the session's, counted by what it sent: the key again, another key, or too little. */
  #drop(p: PendingKey, scope: FdScope, key: Buffer): void {
    this.#reject(!p.complete ? 'no-key' : p.matches(key) ? 'replayed' : 'wrong-key');
    scope.close(p.fd);
  }

  /** Once the session has its connection, later ones (a replayed key, a stray client) are closed at once. */
  #rejectLate(listener: number, scope: FdScope, signal: AbortSignal): void {
    const sweep = async (): Promise<void> => {
      while (!signal.aborted && scope.has(listener)) {
        for (;;) {
          let fd: number;
          try {
            fd = accept4(listener, SOCK.CLOEXEC);
          } catch {
            break;
          }
          this.#reject('replayed');
          scope.add(fd);
          scope.close(fd);
        }
        await sleep(50);
      }
    };
    void sweep();
  }
}


/** The client's address of a connected IP socket (null for AF_UNIX). */
function clientOf(fd: number): Exclude<ReturnType<typeof getpeername>, { family: 'unix' }> | null {
  const from = getpeername(fd);
  return from.family === 'unix' ? null : from;
}
