import { SHUT, shutdown } from '../../../native-bindings/index.js';
import { STOP } from '../control.js';
import { LatencyRecorder } from '../histogram.js';
import { PeerClosedError, readTcpInfo, throwIfAborted, untilStopped, type SideContext, type SideLoop } from './context.js';
import { recvDatagrams, recvExactly, requestPieces, sendAll } from './io.js';
import { ClientMeter, emptyReport, nowNs, ServerMeter } from './meter.js';
import type { SideInterval } from '../protocol.js';

/** What an rr or crr client allocates before its loop: request pieces, response buffer, recorders, meter. */
export function transactionClient(ctx: SideContext) {
  const { config } = ctx;
  const request = Buffer.alloc(config.messageSize);
  const pieces = requestPieces(request, config.messageSize, config.requestWrites);
  const latency = new LatencyRecorder();
  const intervalLatency = config.intervalMs === null ? null : new LatencyRecorder();
  const meter = new ClientMeter(ctx, 'transactions');
  return {
    pieces, pieceCount: pieces.length, responseSize: config.responseSize, response: Buffer.alloc(config.responseSize),
    latency, intervalLatency, meter,
    /** Records one round trip from t0 to t1 if it fell in the measured window. */
    record(measured: boolean, t0: number, t1: number): void {
      if (!measured) return;
      latency.record(t1 - t0);
      intervalLatency?.record(t1 - t0);
      meter.units++;
    },
    /** The meter's report with the round trips' summary and histogram. */
    report() {
      const report = meter.report(emptyReport('client'));
      report.latency = latency.summary();
      report.histogram = latency.encode();
      return report;
    },
  };
}

/**
 * Request/response client: sends each request in `requestWrites` writes, waits for the whole
 * response, and times the round trip. One clock read per transaction: the end of one is the
 * start of the next, and recording stays outside the timed span's syscalls. With inFlight > 1
 * the pipelined loop runs instead.
 */
export function rrClient(ctx: SideContext): SideLoop {
  if (ctx.config.inFlight > 1) return pipelinedClient(ctx);
  const { control, datagram } = ctx;
  const fd = ctx.start.fd;
  const client = transactionClient(ctx);
  const { pieces, pieceCount, responseSize, response, meter } = client;
  meter.onInterval = intervalFigures(ctx, client.intervalLatency);

  return () => {
    untilStopped(control, () => {
      let t0 = nowNs();
      meter.begin(t0);
      for (;;) {
        const measured = meter.measuring;
        for (let i = 0; i < pieceCount; i++) sendAll(fd, pieces[i], pieces[i].length, meter);
        const got = datagram ? recvDatagrams(fd, response, responseSize, meter) : recvExactly(fd, response, responseSize, meter);
        const t1 = nowNs();
        if (got < responseSize) {
          if (control.stop !== STOP.NONE) break;
          throw new PeerClosedError('client');
        }
        client.record(measured, t0, t1);
        t0 = t1;
        if (t1 >= meter.nextEventNs && meter.event(t1)) break;
        if (control.stop !== STOP.NONE) break;
      }
    });
    meter.finish(nowNs());
    throwIfAborted(control);
    if (!datagram && control.stop === STOP.NONE) untilStopped(control, () => shutdown(fd, SHUT.WR));
    return client.report();
  };
}

function intervalFigures(ctx: SideContext, intervalLatency: LatencyRecorder | null): (sample: SideInterval) => void {
  return (sample) => {
    if (intervalLatency) {
      sample.latency = intervalLatency.summary();
      intervalLatency.reset();
    }
    if (ctx.tcp) sample.tcpInfo = readTcpInfo(ctx.start.fd);
  };
}

/**
 * rr with `inFlight` requests outstanding (neper's burst): sends that many, then one new request
 * for each response. The server answers in order, so the oldest request is the one answered;
 * each round trip runs from its request's send to its response. At the end the outstanding
 * responses are read (stream transports) before the client's end of file, uncounted.
 */
function pipelinedClient(ctx: SideContext): SideLoop {
  const { control, datagram, config } = ctx;
  const fd = ctx.start.fd;
  const depth = config.inFlight;
  const client = transactionClient(ctx);
  const { pieces, pieceCount, responseSize, response, meter } = client;
  meter.onInterval = intervalFigures(ctx, client.intervalLatency);
  const sentAt = new Float64Array(depth);
  const receive = (): number => (datagram ? recvDatagrams(fd, response, responseSize, meter) : recvExactly(fd, response, responseSize, meter));

  return () => {
    let outstanding = 0;
    untilStopped(control, () => {
      let t = nowNs();
      meter.begin(t);
      for (let i = 0; i < depth; i++) {
        for (let p = 0; p < pieceCount; p++) sendAll(fd, pieces[p], pieces[p].length, meter);
        sentAt[i] = t;
        outstanding++;
      }
      let oldest = 0;
      for (;;) {
        const got = receive();
        t = nowNs();
        if (got < responseSize) {
          if (control.stop !== STOP.NONE) break;
          throw new PeerClosedError('client');
        }
        outstanding--;
        client.record(meter.measuring, sentAt[oldest], t);
        if (t >= meter.nextEventNs && meter.event(t)) break;
        if (control.stop !== STOP.NONE) break;
        for (let p = 0; p < pieceCount; p++) sendAll(fd, pieces[p], pieces[p].length, meter);
        sentAt[oldest] = t;
        outstanding++;
        oldest = oldest + 1 === depth ? 0 : oldest + 1;
      }
    });
    meter.finish(nowNs());
    throwIfAborted(control);
    if (!datagram && control.stop === STOP.NONE) {
      untilStopped(control, () => {
        for (; outstanding > 0; outstanding--) if (receive() < responseSize) break;
        shutdown(fd, SHUT.WR);
      });
    }
    return client.report();
  };
}

/** Request/response server: answers each whole request until the client's end of file. */
export function rrServer(ctx: SideContext): SideLoop {
  const { config, control, datagram } = ctx;
  const fd = ctx.start.fd;
  const requestSize = config.messageSize;
  const request = Buffer.alloc(requestSize);
  const responseSize = config.responseSize;
  const response = Buffer.alloc(responseSize);
  const meter = new ServerMeter(ctx, 'transactions');

  return () => {
    untilStopped(control, () => {
      for (;;) {
        const got = datagram ? recvDatagrams(fd, request, requestSize, meter) : recvExactly(fd, request, requestSize, meter);
        if (got === 0) break;
        if (got < requestSize) throw new PeerClosedError('server');
        sendAll(fd, response, responseSize, meter);
        meter.units++;
        if (meter.watching) meter.check();
      }
    });
    meter.finish();
    throwIfAborted(control);
    return meter.report(emptyReport('server'));
  };
}
