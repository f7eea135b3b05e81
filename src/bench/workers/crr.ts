import { accept4, close, connect, pollMany, POLL, recv, SOCK, socket, SysError, type TcpInfo } from '../../../native-bindings/index.js';
import { admit, PendingKey, takeKeyed } from '../../sockets/pending-key.js';
import { TRANSPORT_INFO } from '../../sockets/transports.js';
import { SESSION_KEY_TIMEOUT_MS } from '../config.js';
import { PHASE, STOP } from '../control.js';
import { PeerClosedError, readTcpInfo, throwIfAborted, untilStopped, type SideContext, type SideLoop } from './context.js';
import { applyRawOptions, recvExactly, sendAll } from './io.js';
import { emptyReport, nowNs, ServerMeter } from './meter.js';
import { transactionClient } from './rr.js';

/**
 * connect, request, response, close: a new connection per transaction, timed from socket() to
 * close(). Each socket is published in Control while open, so that the main thread can shut it
 * down to unblock this worker, and gets the caller's raw options in phase order.
 */
export function crrClient(ctx: SideContext): SideLoop {
  const { config, control } = ctx;
  const info = TRANSPORT_INFO[config.transport];
  const address = ctx.start.serverAddress!;
  const options = ctx.start.socketOptions ?? [];
  const client = transactionClient(ctx);
  const { pieces, pieceCount, responseSize, response, intervalLatency, meter } = client;
  if (intervalLatency) {
    meter.onInterval = (sample) => {
      sample.latency = intervalLatency.summary();
      intervalLatency.reset();
    };
  }
  let lastTcpInfo: TcpInfo | null = null;
  // Across hosts each connection opens with the session key, sent with the first piece of the request.
  const key = ctx.start.sessionKey;
  const first = key ? Buffer.concat([Buffer.from(key), pieces[0]]) : pieces[0];

  return () => {
    untilStopped(control, () => {
      let t0 = nowNs();
      meter.begin(t0);
      for (;;) {
        const measured = meter.measuring;
        let last = false;
        const fd = socket(info.domain, SOCK.STREAM | SOCK.CLOEXEC, 0);
        control.publishFd('client', fd);
        try {
          if (control.stop !== STOP.NONE) break;
          applyRawOptions(fd, options, 'before-bind');
          applyRawOptions(fd, options, 'before-connect');
          connect(fd, address);
          applyRawOptions(fd, options, 'any');
          sendAll(fd, first, first.length, meter);
          for (let i = 1; i < pieceCount; i++) sendAll(fd, pieces[i], pieces[i].length, meter);
          if (recvExactly(fd, response, responseSize, meter) < responseSize) {
            if (control.stop !== STOP.NONE) break;
            throw new PeerClosedError('client');
          }
          // The last transaction is known before its close, so that both sides can read TCP_INFO.
          last = meter.pastDeadline(nowNs());
          if (last) {
            lastTcpInfo = readTcpInfo(fd);
            // Tells the server, before it sees this close, that its connection is the last.
            control.setPhase(PHASE.DONE);
          }
        } finally {
          control.retractFd('client', fd);
          close(fd);
        }
        const t1 = nowNs();
        client.record(measured, t0, t1);
        t0 = t1;
        if (last) {
          meter.finish(t1);
          break;
        }
        if (t1 >= meter.nextEventNs) meter.event(t1, false);
        if (control.stop !== STOP.NONE) break;
      }
    });
    meter.finish(nowNs());
    throwIfAborted(control);
    const report = client.report();
    report.tcpInfo = lastTcpInfo;
    return report;
  };
}

/** Accepts on the listener, answers one request per connection and closes after the client does. */
export function crrServer(ctx: SideContext): SideLoop {
  const { config, control } = ctx;
  const listener = ctx.start.fd;
  const requestSize = config.messageSize;
  const request = Buffer.alloc(requestSize);
  const responseSize = config.responseSize;
  const response = Buffer.alloc(responseSize);
  const meter = new ServerMeter(ctx, 'transactions');
  let lastTcpInfo: TcpInfo | null = null;
  const keyed = ctx.start.sessionKey ? new KeyedAcceptor(listener, Buffer.from(ctx.start.sessionKey)) : null;

  return () => {
    try {
      serve();
    } finally {
      keyed?.closeAll();
    }
    meter.finish();
    throwIfAborted(control);
    const report = meter.report(emptyReport('server'));
    report.tcpInfo = lastTcpInfo;
    if (keyed) {
      report.rejected = keyed.wrongKey;
      report.silent = keyed.noKey;
    }
    return report;
  };

  function serve(): void {
    untilStopped(control, () => {
      for (;;) {
        let fd: number;
        try {
          fd = keyed ? keyed.next() : accept4(listener, SOCK.CLOEXEC);
        } catch (err) {
          // The main thread shuts the listener down once the client is done: accept fails with EINVAL.
          if (control.phase === PHASE.DONE) break;
          throw err;
        }
        meter.calls++;
        control.publishFd('server', fd);
        try {
          const got = recvExactly(fd, request, requestSize, meter);
          // Closed before a byte of request: the client stopped (or failed, and will say why itself).
          if (got === 0) {
            if (control.phase === PHASE.DONE) break;
            continue;
          }
          if (got < requestSize) throw new PeerClosedError('server');
          sendAll(fd, response, responseSize, meter);
          meter.units++;
          // Wait for the client's close, so that the client is the side in TIME_WAIT (as in netperf's TCP_CRR).
          // A client with SO_LINGER {1, 0} closes with a RST: ECONNRESET is its close, not a failure.
          try {
            recv(fd, request, requestSize, 0);
          } catch (err) {
            if (!(err instanceof SysError && err.code === 'ECONNRESET')) throw err;
          }
          meter.calls++;
          if (control.phase === PHASE.DONE) lastTcpInfo = readTcpInfo(fd);
        } finally {
          control.retractFd('server', fd);
          close(fd);
        }
        if (meter.watching) meter.check();
      }
    });
  }
}

/**
 * Across hosts every crr connection must open with the session key. Connections that have not
 * sent it yet are heard side by side (poll on the listener and all of them), so a silent or slow
 * one never holds up the client's next connection (at most MAX_PENDING at once; a flood evicts its
 * own oldest). One with a wrong key is closed and counted in `wrongKey`; one that closes, stays
 * silent for SESSION_KEY_TIMEOUT_MS or is still presenting when the run ends, in `noKey`.
 */
class KeyedAcceptor {
  readonly #pending: PendingKey[] = [];
  wrongKey = 0;
  noKey = 0;

  constructor(private readonly listener: number, private readonly key: Buffer) {}

  /** The next connection that presented the key, with the request (if any) still unread. Throws what accept4 throws. */
  next(): number {
    for (;;) {
      const ready = takeKeyed(this.#pending, this.key, (p) => this.#refuse(p));
      if (ready !== null) return ready;
      if (this.#pending.length === 0) {
        this.#add(accept4(this.listener, SOCK.CLOEXEC));
        continue;
      }
      const wait = Math.max(0, Math.min(...this.#pending.map((p) => p.until)) - Date.now());
      const revents = pollMany([this.listener, ...this.#pending.map((p) => p.fd)], POLL.IN, wait);
      // The listener shut down at the end of the run also reads as ready: accept4 then fails and says so.
      if (revents[0] !== 0) this.#add(accept4(this.listener, SOCK.CLOEXEC));
    }
  }

  /** Closes the connections still presenting their key (the run is over); each counts as refused. */
  closeAll(): void {
    for (const p of this.#pending.splice(0)) this.#refuse(p);
  }

  #add(fd: number): void {
    admit(this.#pending, new PendingKey(fd, this.key.length, SESSION_KEY_TIMEOUT_MS), (old) => this.#refuse(old));
  }

  #refuse(p: PendingKey): void {
    if (p.complete) this.wrongKey++;
    else this.noKey++;
    close(p.fd);
  }
}
