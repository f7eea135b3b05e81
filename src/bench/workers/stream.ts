import { GRO_CONTROL_BYTES, LEVELS, MessageHeader, OPTNAMES, recv, setsockopt, SHUT, shutdown } from '../../../native-bindings/index.js';
import { SEQUENCE_BYTES } from '../patterns.js';
import { STOP } from '../control.js';
import { untilStopped, readTcpInfo, throwIfAborted, type SideContext, type SideLoop } from './context.js';
import { sendPath } from './send-paths.js';
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
  const path = sendPath(ctx);
  const perSend = path.datagramsPerSend;
  const meter = new ClientMeter(ctx, datagram ? 'datagrams' : null);
  if (ctx.tcp) meter.onInterval = (sample) => { sample.tcpInfo = readTcpInfo(fd); };
  const nsPerByte = config.rateBitsPerSecond > 0 ? 8e9 / config.rateBitsPerSecond : 0;
  // The boundary goes into the message once, when the window opens: every later datagram carries it.
  const remote = datagram && ctx.start.remote === true;
  let boundaryPending = remote;
  if (datagram) path.stamp(0, remote ? -1 : null);

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
          let boundary: number | null = null;
          if (boundaryPending && meter.measuring) {
            boundary = control.boundary();
            boundaryPending = false;
          }
          path.stamp(meter.units, boundary);
        }
        const n = path.send();
        meter.calls++;
        meter.bytes += n;
        meter.units += perSend;
        t = nowNs();
        if (t >= meter.nextEventNs && meter.event(t)) break;
        if (control.stop !== STOP.NONE) break;
      }
    });
    meter.finish(nowNs());
    throwIfAborted(control);
    // The receiver drains to end of file, which makes the byte accounting exact. A window ended
    // early (STOP.END from the caller) ends the same way; a forced end has shut the socket already.
    if (!datagram) untilStopped(control, () => shutdown(fd, SHUT.WR));
    const report = meter.report(emptyReport('client'));
    report.sendPath = path.finish();
    return report;
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

/** Largest UDP read: one coalesced GRO delivery holds up to 64 KiB. */
const GRO_READ_BYTES = 65536;

/**
 * Datagram receiver with UDP_GRO: one recvmsg may deliver several datagrams coalesced, which the
 * UDP_GRO cmsg says (their gso_size); each segment is counted by its own sequence number as the
 * plain receiver counts whole datagrams.
 */
export function groReceiver(ctx: SideContext): SideLoop {
  const { control } = ctx;
  const fd = ctx.start.fd;
  setsockopt(fd, LEVELS.IPPROTO_UDP, OPTNAMES.IPPROTO_UDP.UDP_GRO, Buffer.from([1, 0, 0, 0]));
  const msg = new MessageHeader(GRO_READ_BYTES, GRO_CONTROL_BYTES);
  const buf = msg.data;
  const size = ctx.config.messageSize;
  const meter = new ServerMeter(ctx, 'datagrams');
  const inBand = ctx.start.remote === true;
  const sizes = new Map<number, number>();
  const countSize = (bytes: number, n: number): void => { sizes.set(bytes, (sizes.get(bytes) ?? 0) + n); };

  return () => {
    let boundary = Infinity;
    let highest = -1;
    let reordered = 0;
    let windowBytes = 0;
    let receives = 0;
    let coalesced = 0;
    let segments = 0;
    untilStopped(control, () => {
      for (;;) {
        const n = msg.receive(fd, 0);
        meter.calls++;
        if (n <= 0) break;
        receives++;
        meter.bytes += n;
        const gso = msg.controlInt(LEVELS.IPPROTO_UDP, OPTNAMES.IPPROTO_UDP.UDP_GRO);
        const step = gso === null || gso <= 0 ? n : gso;
        const whole = Math.floor(n / step);
        const rest = n - whole * step;
        if (gso !== null) coalesced++;
        countSize(step, whole);
        if (rest > 0) countSize(rest, 1);
        for (let at = 0; at < n; at += step) {
          const len = Math.min(step, n - at);
          segments++;
          const seq = buf.readDoubleLE(at);
          if (boundary === Infinity) boundary = inBand ? inBandBoundary(buf.subarray(at), len, size, seq) : control.boundary();
          if (seq >= boundary) {
            meter.units++;
            windowBytes += len;
            if (seq < highest) reordered++;
            else highest = seq;
          }
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
    report.gro = { receives, coalesced, segments, segmentSizes: Object.fromEntries([...sizes].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v])) };
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
