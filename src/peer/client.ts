import { lookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  connect, getsockname, getsockopt, LEVELS, MSG, OPTNAMES, poll, POLL, recv, send, setNonBlocking, SysError, type SockAddr, type TcpInfo,
} from '../../native-bindings/index.js';
import type { Config } from '../config.js';
import { errors } from '../errors.js';
import { assembleResult, backgroundFigures, backgroundStream, type BenchHooks, behaviourOf, combineDirections, type Executor, type FarCapabilities, type IntervalListener, isDatagram, isTcp, mergeInterval, mergeStreams, readCongestion, readTcpInfo, type RepeatOutcome, type RepeatPlan, resolveBenchConfig, reverseSides, type RunResult, sendersOf, type SideReport, SideRun } from '../bench/index.js';
import { FdScope } from '../sockets/fd-scope.js';
import { openSocket } from '../sockets/pair.js';
import type { BenchmarkOutcome } from '../runs/benchmarks.js';
import type { KernelCounterWindow } from '../kernel/kernel-counters.js';
import type { PeerSessionRun } from './sessions.js';
import type { Transport } from '../options/types.js';
import { ACK, checkCrossHost, KEY_BYTES, peerHost, type PeerSessionCreated, type PeerSessionOutcome, type PeerStreamOutcome } from './wire.js';

/** Every control call to a peer but the final one (which waits for the run) is this quick on any network worth measuring. */
const CALL_TIMEOUT_MS = 10_000;
/** A datagram client resends its key this often until the server acknowledges it. */
const KEY_RESEND_MS = 200;
const POLL_MS = 2;
/** A peer's answers are a few kB; anything far larger is not a sockbench answering. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;
/** Beyond the run's own time: the far side's clock, its drain, and the answer's way back. */
const SLACK_MS = 2000;

interface Reply {
  status: number;
  retryAfter: string | undefined;
  body: Record<string, unknown>;
}

/**
 * This instance as the client of a peer benchmark: asks the peer (over its HTTP API) for a data
 * listener configured with the server-side options, connects to the peer's own address with the
 * client-side options, presents the one-time key, runs the client side, then collects the
 * peer's report of its side and puts the two together as a local run would.
 */
export class PeerClient implements Executor<BenchmarkOutcome['host'], KernelCounterWindow | null> {
  constructor(private readonly config: Config) {}

  check(plan: RepeatPlan, fieldPrefix: string): void {
    checkCrossHost(plan, fieldPrefix);
  }

  /** What the peer offers (GET /v1/peer/capabilities). */
  async capabilities(peer: string): Promise<FarCapabilities> {
    const reply = await this.#call(peer, 'GET', '/v1/peer/capabilities', undefined, undefined, CALL_TIMEOUT_MS);
    const congestion = (reply.body.congestion ?? {}) as Partial<FarCapabilities['congestion']>;
    if (reply.status !== 200 || !Array.isArray(congestion.available)) {
      throw errors.peerFailed(`${peer} did not say which congestion control it has (GET /v1/peer/capabilities answered ${reply.status}); is it a sockbench of the same version?`);
    }
    return { congestion: { available: congestion.available.map(String), default: typeof congestion.default === 'string' ? congestion.default : null } };
  }

  /**
   * One repeat against the plan's peer. With intervals, rr and crr samples go to `onInterval` as
   * the client closes them: their figures are all the client's, so each equals the result's. A
   * stream's come with the result only, since the receiver that counts them is on the peer.
   */
  async repeat({ config, options, windowSnapshotFiles }: RepeatPlan, signal: AbortSignal, onInterval?: IntervalListener): Promise<RepeatOutcome<BenchmarkOutcome['host'], KernelCounterWindow | null>> {
    const peer = config.peer;
    if (peer === undefined) throw new Error('A peer repeat needs config.peer');
    const behaviour = behaviourOf(config);
    const body = {
      transport: config.transport, pattern: config.pattern, durationMs: config.durationMs, warmupMs: config.warmupMs,
      messageSize: config.messageSize, requestWrites: config.requestWrites, rateBitsPerSecond: config.rateBitsPerSecond,
      ...(behaviour.responds ? { responseSize: config.responseSize } : {}),
      ...(config.intervalMs === null ? {} : { intervalMs: config.intervalMs }),
      ...(config.affinity.server === null ? {} : { affinity: { server: config.affinity.server } }),
      ...(config.congestion.server === null ? {} : { congestion: { server: config.congestion.server } }),
      ...(config.direction === 'forward' ? {} : { direction: config.direction }),
      // One data connection per stream, all opened with the session's key.
      ...(config.streams > 1 ? { streams: config.streams } : {}),
      // The far host paces its own sends (reverse, bidirectional).
      ...(config.pacingRateBitsPerSecond !== null && sendersOf(config.direction).includes('server') ? { pacingRateBitsPerSecond: config.pacingRateBitsPerSecond } : {}),
      // ...and sends by the data path asked for (sendfile, zerocopy), when it sends.
      ...(config.sendMode !== 'copy' && sendersOf(config.direction).includes('server') ? { sendMode: config.sendMode } : {}),
      // UDP streams go forward only: this host segments its sends (gso), the far host takes them coalesced (gro).
      ...(config.gro ? { gro: true } : {}),
      options: { both: config.options.both, server: config.options.server },
      // Bulk streams beside the rr pairs: the far host receives them on a listener of their own.
      ...(config.background === null ? {} : { background: config.background }),
    };
    const created = await this.#call(peer, 'POST', '/v1/peer/sessions', body, signal, CALL_TIMEOUT_MS);
    if (created.status !== 201) throw peerRefusal(peer, created);
    const session = created.body as unknown as PeerSessionCreated;
    const scope = new FdScope();
    let finished = false;
    try {
      const key = typeof session.key === 'string' ? Buffer.from(session.key, 'hex') : Buffer.alloc(0);
      if (key.length !== KEY_BYTES || !Number.isInteger(session.port)) {
        throw errors.peerFailed(`${peer} answered a session without a ${KEY_BYTES}-byte key and a port; is it a sockbench of the same version?`);
      }
      const address = await peerAddress(peer, config.transport, session.port);
      const perRun = behaviour.connection === 'run';
      // One data connection per stream (a connection per transaction: none here, the client worker connects for each).
      const connections: Array<{ fd: number; port: number; hooks: ReturnType<typeof options.forRun>['hooks'] }> = [];
      const first = options.forRun(behaviour);
      const { reports, clientSocketOptions } = first;
      for (let i = 0; perRun && i < config.streams; i++) {
        // Each stream's own hooks, as locally: the first one's reports stand for all.
        const { hooks } = i === 0 ? first : options.forRun(behaviour);
        const { fd, port } = await this.#connectKeyed(config.transport, address, key, scope, signal, hooks);
        connections.push({ fd, port, hooks });
      }
      if (!perRun) connections.push({ fd: -1, port: 0, hooks: first.hooks });
      const behind = config.background === null ? [] : await this.#connectBackground(peer, config, session, scope, signal);
      const live = onInterval && behaviour.clientCountsIntervals ? onInterval : null;
      const { direction } = config;
      const linked = new AbortController();
      const onAbort = (): void => linked.abort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      // forward: this host sends (the client loop, which moves the window). reverse: it receives (the
      // server loop, on this host's clock), pinned as the client side is. bidirectional: both, on one socket.
      // The first stream's threads read the counter files and publish the live intervals.
      const sides = connections.map(({ fd }, stream) => {
        const sending = direction !== 'reverse' ? new SideRun('client', config, fd, {
          signal: linked.signal, slackMs: SLACK_MS, windowSnapshotFiles: stream === 0 ? windowSnapshotFiles : undefined, sharedFd: direction === 'bidirectional',
          onInterval: live ? (c) => {
            try {
              live(stream, mergeInterval(config, c, undefined), c.index);
            } catch {
              // A failing consumer (a closed event stream) must not end the run.
            }
          } : undefined,
          start: perRun ? undefined : { serverAddress: address, socketOptions: clientSocketOptions, sessionKey: new Uint8Array(key) },
        }) : null;
        const receiving = direction !== 'forward' ? new SideRun('server', { ...config, affinity: { client: config.affinity.server, server: config.affinity.client } }, fd, {
          signal: linked.signal, slackMs: SLACK_MS, windowSnapshotFiles: sending || stream > 0 ? undefined : windowSnapshotFiles, sharedFd: direction === 'bidirectional',
        }) : null;
        return [sending, receiving];
      });
      // Background streams send first; the rr pairs' warm-up starts once every one of them sends.
      const bgConfig = config.background === null ? null : resolveBenchConfig(backgroundStream(config));
      const started: Array<Promise<void>> = [];
      const bgSides = behind.map(({ fd }) => {
        let sending = (): void => undefined;
        started.push(new Promise<void>((resolve) => { sending = resolve; }));
        return new SideRun('client', bgConfig!, fd, { signal: linked.signal, slackMs: SLACK_MS, onStarted: () => sending() });
      });
      let bgEnded = 0;
      const bgRuns = bgSides.map((s) => {
        const ran = s.run();
        ran.then(() => { bgEnded++; }, (err: unknown) => linked.abort(err));
        return ran;
      });
      if (bgSides.length > 0) {
        const cancelled = new Promise<void>((resolve) => linked.signal.addEventListener('abort', () => resolve(), { once: true }));
        await Promise.race([Promise.all(started), cancelled]);
      }
      const all = sides.flat().map((s) => {
        const ran = s?.run() ?? Promise.resolve(null);
        ran.catch((err: unknown) => linked.abort(err));
        return ran;
      });
      const fgSettled = await Promise.allSettled(all);
      // The rr pairs are done: the background streams end (each sender shuts down, its receiver reads to end of file).
      const coveredWindow = bgEnded === 0;
      for (const s of bgSides) s.stop();
      const bgSettled = await Promise.allSettled(bgRuns).finally(() => signal.removeEventListener('abort', onAbort));
      const settled = [...fgSettled, ...bgSettled];
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw await this.#explainLoss(peer, session.id, linked.signal.reason ?? failed.reason);
      const outcomes = fgSettled.map((s) => (s as PromiseFulfilledResult<SideOutcome | null>).value);
      // A connection per transaction: the result takes each side's last connection's from its report.
      const ends = connections.map(({ fd, hooks }) => {
        const tcp = perRun && isTcp(config.transport);
        const read = { tcpInfo: tcp ? readTcpInfo(fd) : null, congestion: tcp ? readCongestion(fd) : null };
        hooks.atEnd?.('client', fd);
        return read;
      });

      const far = await this.#finish(peer, session.id, config, signal);
      finished = true;
      // Each stream paired with the far host's side of the same connection, known by this host's port.
      const farStreams = far.streams ?? [{ ...far, clientPort: connections[0].port }];
      const results = connections.map(({ port }, i) => {
        const mine = farStreams.find((f) => f.clientPort === port) ?? (connections.length === 1 ? farStreams[0] : undefined);
        if (!mine) throw errors.peerFailed(`${peer} did not report the stream of this host's port ${port}; is it a sockbench of the same version?`);
        return streamResult(config, outcomes[2 * i], outcomes[2 * i + 1], mine, ends[i]);
      });
      const result = mergeStreams(results);
      if (bgConfig && result.rr) {
        const bgResults = behind.map(({ port }, i) => {
          const mine = far.background?.find((f) => f.clientPort === port);
          if (!mine) throw errors.peerFailed(`${peer} did not report the background stream of this host's port ${port}; is it a sockbench of the same version?`);
          const sent = (bgSettled[i] as PromiseFulfilledResult<SideOutcome>).value;
          return assembleResult(bgConfig, sent.report, mine.report, { nudged: false, forcedEnd: sent.forcedEnd || mine.forcedEnd, tcpInfo: null, congestion: null });
        });
        result.rr.background = backgroundFigures(config, mergeStreams(bgResults), coveredWindow);
      }
      return {
        result, sockets: { client: reports().client, server: far.sockets }, farHost: far.host,
        // A peer of an earlier version sends no counters, nor its qdisc.
        farCounters: far.kernelCounters ?? null, farSenderQdisc: far.senderQdisc ?? null,
      };
    } finally {
      scope.closeAll();
      // A run that failed on this side must not hold the peer until its session times out.
      if (!finished) void this.#call(peer, 'DELETE', `/v1/peer/sessions/${session.id}`, undefined, undefined, CALL_TIMEOUT_MS).catch(() => undefined);
    }
  }

  /** The background streams' connections, to the far host's listener for them, each presenting their key. */
  async #connectBackground(peer: string, config: RepeatPlan['config'], session: PeerSessionCreated, scope: FdScope, signal: AbortSignal): Promise<Array<{ fd: number; port: number }>> {
    const key = typeof session.background?.key === 'string' ? Buffer.from(session.background.key, 'hex') : Buffer.alloc(0);
    if (key.length !== KEY_BYTES || !Number.isInteger(session.background?.port)) {
      throw errors.peerFailed(`${peer} answered a session with background streams without their port and key; is it a sockbench of the same version?`);
    }
    const address = await peerAddress(peer, config.transport, session.background!.port);
    const connections: Array<{ fd: number; port: number }> = [];
    for (let i = 0; i < config.background!.streams; i++) connections.push(await this.#connectKeyed(config.transport, address, key, scope, signal));
    return connections;
  }

  /** A data connection to `address` that has presented `key`, blocking again, with this host's port; `hooks` set the run's options on it. */
  async #connectKeyed(transport: Transport, address: SockAddr, key: Buffer, scope: FdScope, signal: AbortSignal,
    hooks?: BenchHooks): Promise<{ fd: number; port: number }> {
    const fd = openSocket(transport, scope, true);
    hooks?.beforeBind?.('client', fd);
    hooks?.beforeConnect?.('client', fd);
    await connectTo(fd, address, this.config.SOCKBENCH_PEER_TIMEOUT_MS, signal);
    await presentKey(fd, key, isDatagram(transport), this.config.SOCKBENCH_PEER_TIMEOUT_MS, signal);
    setNonBlocking(fd, false);
    hooks?.afterConnect?.('client', fd);
    const local = getsockname(fd);
    return { fd, port: local.family === 'unix' ? 0 : local.port };
  }

  /** Tells the peer this side is done, and gets its side's account once it has ended. */
  async #finish(peer: string, id: string, config: RepeatPlan['config'], signal: AbortSignal): Promise<PeerSessionOutcome> {
    const waitMs = config.warmupMs + config.durationMs + 2 * SLACK_MS + CALL_TIMEOUT_MS;
    const end = await this.#call(peer, 'POST', `/v1/peer/sessions/${id}/finish`, undefined, signal, waitMs);
    const run = end.body as unknown as PeerSessionRun;
    if (end.status !== 200 || run.status !== 'done' || !run.result) {
      const why = run.error?.message ?? (end.body.message as string | undefined) ?? `HTTP ${end.status}`;
      throw errors.peerFailed(`${peer}'s side of the run did not finish: ${why}`);
    }
    return run.result;
  }

  /** This side failed: if the peer is gone, say so, since that is the cause. */
  async #explainLoss(peer: string, id: string, err: unknown): Promise<unknown> {
    if ((err as Error).name === 'AbortError') return err;
    try {
      await this.#call(peer, 'GET', `/v1/peer/sessions/${id}`, undefined, undefined, 2000);
      return err;
    } catch {
      return errors.peerLost(`${peer} stopped answering in the middle of the run (this side: ${(err as Error).message}).`);
    }
  }

  async #call(peer: string, method: string, path: string, body: unknown, signal: AbortSignal | undefined, timeoutMs: number): Promise<Reply> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.config.SOCKBENCH_TOKEN) headers.authorization = `Bearer ${this.config.SOCKBENCH_TOKEN}`;
    const timeout = AbortSignal.timeout(timeoutMs);
    let reply: Awaited<ReturnType<typeof request>>;
    try {
      reply = await request(`${peer}${path}`, method, headers, body === undefined ? undefined : JSON.stringify(body), signal ? AbortSignal.any([signal, timeout]) : timeout);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const cause = timeout.aborted ? `no answer within ${timeoutMs} ms` : causeOf(err);
      throw errors.peerUnreachable(`${peer} did not answer ${method} ${path}: ${cause}. Check that sockbench runs there and listens on that address.`);
    }
    try {
      return { ...reply, body: reply.text ? JSON.parse(reply.text) as Record<string, unknown> : {} };
    } catch {
      throw errors.peerFailed(`${peer} answered ${method} ${path} with ${reply.status} and something that is not JSON; is a sockbench listening there?`);
    }
  }
}

type SideOutcome = { report: SideReport; forcedEnd: boolean };

/**
 * One stream's result: this host's side runs (its sender, its receiver, as the direction has
 * them) with the far host's side of the same connection, put together as a local run's would be.
 */
function streamResult(config: RepeatPlan['config'], sent: SideOutcome | null, received: SideOutcome | null, far: PeerStreamOutcome,
  here: { tcpInfo: TcpInfo | null; congestion: string | null }): RunResult {
  const tcp = isTcp(config.transport);
  const end = {
    tcpInfo: tcp ? { client: here.tcpInfo, server: far.tcpInfo } : null,
    // A peer of an earlier version does not read its side's.
    congestion: tcp && behaviourOf(config).connection === 'run' ? { client: here.congestion, server: far.congestion ?? null } : null,
  };
  const one = (client: SideOutcome, server: SideOutcome): RunResult =>
    assembleResult(config, client.report, server.report, { nudged: false, forcedEnd: client.forcedEnd || server.forcedEnd, ...end });
  if (config.direction === 'forward') return one(sent!, far);
  // The far host's sender (its report, or its second one) and this host's receiver; this host's counters came with the receiver when it did not send.
  const reverse = reverseSides(one(config.direction === 'reverse' ? far : far.reverse!, received!));
  if (config.direction === 'reverse') return { ...reverse, windowSnapshots: received!.report.snapshots ?? null };
  return combineDirections(config, one(sent!, far), reverse, end);
}

/**
 * One HTTP exchange on its own connection, closed after the answer: a handful of calls per run
 * gain nothing from keep-alive, and no idle connection outlives the run that made it.
 */
function request(url: string, method: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal): Promise<{ status: number; retryAfter: string | undefined; text: string }> {
  const get = url.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = get(url, { method, headers, signal, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (text.length > MAX_ANSWER_BYTES) req.destroy(new Error(`an answer larger than ${MAX_ANSWER_BYTES} bytes`));
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

/** The peer's refusal to open a session, as this instance's own error. */
function peerRefusal(peer: string, reply: Reply): Error {
  const message = typeof reply.body.message === 'string' ? reply.body.message : `HTTP ${reply.status}`;
  if (reply.status === 409) return errors.peerBusy(Number(reply.retryAfter ?? 1) || 1, `${peer} is busy with a run of its own: ${message}`);
  if (reply.status === 400) return errors.peerRejected(`${peer} refused the session: ${message}`);
  if (reply.status === 401) return errors.peerFailed(`${peer} refused this instance's token (401): give both the same SOCKBENCH_TOKEN.`);
  return errors.peerFailed(`${peer} could not open a session (${reply.status} ${String(reply.body.code ?? '')}): ${message}`);
}

/** The peer's own address, from its (allowlisted) URL: nothing else can be asked to connect anywhere. */
async function peerAddress(peer: string, transport: Transport, port: number): Promise<SockAddr> {
  const { host, family } = peerHost(peer, transport);
  let address = host;
  // An address of the other family was refused when the run was checked (checkCrossHost).
  if (isIP(host) === 0) {
    try {
      address = (await lookup(host, { family })).address;
    } catch (err) {
      throw errors.peerUnreachable(`${peer}: ${host} has no IPv${family} address (${causeOf(err)}).`);
    }
  }
  return family === 6 ? { family: 'inet6', address, port } : { family: 'inet', address, port };
}

/** Non-blocking connect, waited for without blocking the event loop. */
async function connectTo(fd: number, addr: SockAddr, timeoutMs: number, signal: AbortSignal): Promise<void> {
  try {
    connect(fd, addr);
    return;
  } catch (err) {
    if (!(err instanceof SysError && err.code === 'EINPROGRESS')) throw dataFailure(addr, err);
  }
  await until(() => poll(fd, POLL.OUT, 0) !== 0, timeoutMs, signal, () => errors.peerUnreachable(`The data connection to ${addrText(addr)} did not complete within ${timeoutMs} ms (SOCKBENCH_PEER_TIMEOUT_MS); a firewall may block SOCKBENCH_DATA_PORTS.`));
  const soError = getsockopt(fd, LEVELS.SOL_SOCKET, OPTNAMES.SOL_SOCKET.SO_ERROR, 4).readInt32LE(0);
  if (soError !== 0) throw dataFailure(addr, new SysError('connect', soError));
}

/** TCP: the key is the first bytes. UDP: the key datagram, resent until the server acknowledges it. */
async function presentKey(fd: number, key: Buffer, datagram: boolean, timeoutMs: number, signal: AbortSignal): Promise<void> {
  if (!datagram) {
    send(fd, key, key.length, MSG.NOSIGNAL);
    return;
  }
  const ack = Buffer.alloc(ACK.length + 1);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    send(fd, key, key.length, MSG.NOSIGNAL);
    const resendAt = Math.min(Date.now() + KEY_RESEND_MS, deadline);
    while (Date.now() < resendAt) {
      if (signal.aborted) throw signal.reason;
      try {
        const n = recv(fd, ack, ack.length, MSG.DONTWAIT);
        if (n === ACK.length && ack.subarray(0, n).equals(ACK)) return;
      } catch (err) {
        if (!(err instanceof SysError)) throw err;
        // ECONNREFUSED: an ICMP port unreachable came back; the session may not be listening yet.
        if (err.code !== 'EAGAIN' && err.code !== 'ECONNREFUSED') throw err;
      }
      await sleep(POLL_MS);
    }
  }
  throw errors.peerUnreachable(`The peer did not acknowledge the session key within ${timeoutMs} ms (SOCKBENCH_PEER_TIMEOUT_MS); a firewall may drop UDP to SOCKBENCH_DATA_PORTS.`);
}

async function until(ready: () => boolean, timeoutMs: number, signal: AbortSignal, timedOut: () => Error): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (signal.aborted) throw signal.reason;
    if (Date.now() >= deadline) throw timedOut();
    await sleep(POLL_MS);
  }
}

const addrText = (addr: SockAddr): string => (addr.family === 'inet6' ? `[${addr.address}]:${addr.port}` : addr.family === 'inet' ? `${addr.address}:${addr.port}` : addr.path);

function dataFailure(addr: SockAddr, err: unknown): Error {
  if (!(err instanceof SysError)) return err as Error;
  return errors.peerUnreachable(`The data connection to ${addrText(addr)} failed: ${err.code} (${err.description}).`);
}
