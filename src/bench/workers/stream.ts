import { recv, send, SHUT, shutdown } from '../../../native-bindings/index.js';
import { SEQUENCE_BYTES } from '../patterns.js';
import { STOP } from '../control.js';
import { untilStopped, readTcpInfo, throwIfAborted, type SideContext, type SideLoop } from './context.js';
import { SEND_FLAGS } from './io.js';
import { ClientMeter, emptyReport, nowNs, ServerMeter } from './meter.js';

/**
 * Bulk sender for every transport. Datagrams carry their sequence number (float64, first
 * 8 bytes) so the receiver can count loss and reordering; to a receiver on another host, also
 * the window's first sequence number (next 8 bytes, -1 until the window opens). With a rate,
 * sends are paced against the total sent so far: an oversleep is made up by the following
 * sends, so the average holds.
 */
export function streamSender(ctx: SideContext): SideLoop {
  const { config, control, datagram } = ctx;
  const fd = ctx.start.fd;
  const size = config.messageSize;
  const buf = Buffer.alloc(size);
  const meter = new ClientMeter(ctx, datagram ? 'datagrams' : null);
  if (ctx.tcp) meter.onInterval = (sample) => { sample.tcpInfo = readTcpInfo(fd); };
  const nsPerByte = config.rateBitsPerSecond > 0 ? 8e9 / config.rateBitsPerSecond : 0;
  // The boundary goes into the buffer once, when the window opens: every later datagram carries it.
  let boundaryPending = datagram && ctx.start.remote === true;
  if (boundaryPending) buf.writeDoubleLE(-1, SEQUENCE_BYTES);

  return () => {
    untilStopped(control, () => {
      let t = nowNs();
      const paceOrigin = t;
      meter.begin(t);
      for (;;) {
        if (nsPerByte !== 0) {
          const due = paceOrigin + meter.bytes * nsPerByte;
          while (t < due && control.stop === STOP.NONE) {
            control.sleep((due - t) / 1e6);
            t = nowNs();
          }
          if (t >= meter.nextEventNs && meter.event(t)) break;
        }
        if (datagram) {
          buf.writeDoubleLE(meter.units, 0);
          if (boundaryPending && meter.measuring) {
            buf.writeDoubleLE(control.boundary(), SEQUENCE_BYTES);
            boundaryPending = false;
          }
        }
        const n = send(fd, buf, size, SEND_FLAGS);
        meter.calls++;
        meter.bytes += n;
        meter.units++;
        t = nowNs();
        if (t >= meter.nextEventNs && meter.event(t)) break;
        if (control.stop !== STOP.NONE) break;
      }
    });
    meter.finish(nowNs());
    throwIfAborted(control);
    // The receiver drains to end of file, which makes the byte accounting exact.
    if (!datagram && control.stop === STOP.NONE) untilStopped(control, () => shutdown(fd, SHUT.WR));
    return meter.report(emptyReport('client'));
  };
}

/** Bulk receiver for stream transports: reads until end of file, following the client's window. */
export function streamReceiver(ctx: SideContext): SideLoop {
  const { config, control } = ctx;
  const fd = ctx.start.fd;
  const size = config.messageSize;
  const buf = Buffer.alloc(size);
  const meter = new ServerMeter(ctx, null);

  return () => {
    let eof = false;
    untilStopped(control, () => {
      for (;;) {
        const n = recv(fd, buf, size, 0);
        meter.calls++;
        if (n === 0) {
          eof = true;
          break;
        }
        meter.bytes += n;
        if (meter.watching) meter.check();
      }
    });
    meter.finish();
    throwIfAborted(control);
    const report = meter.report(emptyReport('server'));
    report.eof = eof;
    return report;
  };
}

/** Datagram receiver: counts by sequence number from the boundary the sender published (in Control, or in band from another host). */
export function datagramReceiver(ctx: SideContext): SideLoop {
  const { config, control } = ctx;
  const fd = ctx.start.fd;
  const size = config.messageSize;
  const buf = Buffer.alloc(size);
  const meter = new ServerMeter(ctx, 'datagrams');
  const inBand = ctx.start.remote === true;

  return () => {
    let boundary = Infinity;
    let highest = -1;
    let reordered = 0;
    let windowBytes = 0;
    untilStopped(control, () => {
      for (;;) {
        const n = recv(fd, buf, size, 0);
        meter.calls++;
        // Stream datagrams are never empty: 0 means the main thread shut the socket down.
        if (n === 0) break;
        meter.bytes += n;
        const seq = buf.readDoubleLE(0);
        if (boundary === Infinity) boundary = inBand ? inBandBoundary(buf, n, size, seq) : control.boundary();
        if (seq >= boundary) {
          meter.units++;
          windowBytes += n;
          if (seq < highest) reordered++;
          else highest = seq;
        }
        if (meter.watching) meter.check();
      }
    });
    meter.finish();
    throwIfAborted(control);
    const report = meter.report(emptyReport('server'));
    report.datagrams = meter.units;
    report.windowBytes = windowBytes;
    report.reordered = reordered;
    return report;
  };
}

/**
 * The boundary a remote sender wrote into a datagram; Infinity while it is still warming up, and
 * for anything that is not one of its datagrams (a repeated session key).
 */
function inBandBoundary(buf: Buffer, n: number, size: number, seq: number): number {
  const b = buf.readDoubleLE(SEQUENCE_BYTES);
  return n === size && Number.isInteger(b) && b >= 0 && b <= seq ? b : Infinity;
}
