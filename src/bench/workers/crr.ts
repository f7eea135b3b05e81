import { timingSafeEqual } from 'node:crypto';
import { accept4, close, connect, poll, POLL, recv, SOCK, socket, SysError, type TcpInfo } from '../../../native-bindings/index.js';
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
  const key = ctx.start.sessionKey ? Buffer.from(ctx.start.sessionKey) : null;
  let rejected = 0;

  return () => {
    untilStopped(control, () => {
      for (;;) {
        let fd: number;
        try {
          fd = accept4(listener, SOCK.CLOEXEC);
        } catch (err) {
          // The main thread shuts the listener down once the client is done: accept fails with EINVAL.
          if (control.phase === PHASE.DONE) break;
          throw err;
        }
        meter.calls++;
        control.publishFd('server', fd);
        try {
          if (key && !presentsKey(fd, key, meter)) {
            rejected++;
            continue;
          }
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
    meter.finish();
    throwIfAborted(control);
    const report = meter.report(emptyReport('server'));
    report.tcpInfo = lastTcpInfo;
    if (key) report.rejected = rejected;
    return report;
  };
}

/** The connection's first bytes are the session key; one that sends nothing in time, or something else, is refused. */
function presentsKey(fd: number, key: Buffer, meter: ServerMeter): boolean {
  const got = Buffer.alloc(key.length);
  try {
    if (!(poll(fd, POLL.IN, SESSION_KEY_TIMEOUT_MS) & POLL.IN)) return false;
    return recvExactly(fd, got, key.length, meter) === key.length && timingSafeEqual(got, key);
  } catch (err) {
    if (err instanceof SysError) return false;
    throw err;
  }
}
