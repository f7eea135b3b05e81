import {
  ERRQUEUE_CONTROL_BYTES, LEVELS, MessageHeader, MFD, MSG, OPTNAMES, memfdCreate, poll, readZerocopyCompletion, send,
  sendfile, setsockopt, SysError, writeAll,
} from '../../../native-bindings/index.js';
import { gsoSegments, zerocopyRing } from '../config.js';
import { SEQUENCE_BYTES } from '../patterns.js';
import { STOP, type Control } from '../control.js';
import type { SendPathReport } from '../types.js';
import type { SideContext } from './context.js';
import { SEND_FLAGS } from './io.js';

// How a stream sender puts one message on the wire. The sender picks its path once, before
// its loop; the loop then makes one call per message whatever the mode.

export interface SendPath {
  /** Datagrams each send carries (GSO: several; otherwise 1). */
  readonly datagramsPerSend: number;
  /** Sends one message; returns the bytes the kernel took. */
  send(): number;
  /**
   * Datagram paths: writes the sequence numbers into the next message, `first` for its first
   * datagram and one more for each further one; `boundary` (remote receivers) where it is not null.
   */
  stamp(first: number, boundary: number | null): void;
  /** After the loop: waits a bounded time for outstanding work and reports the path's own counts. */
  finish(): SendPathReport | null;
}

const int = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v);
  return b;
};

/** How long the sender waits at the end for the completions of sends still in flight. */
const ZEROCOPY_DRAIN_MS = 1000;
/** One wait for a completion; between waits the loop looks at the stop flag. */
const ZEROCOPY_POLL_MS = 50;

export function sendPath(ctx: SideContext): SendPath {
  const { config } = ctx;
  if (config.sendMode === 'zerocopy') return new ZerocopyPath(ctx.start.fd, config.messageSize, ctx.control, ctx.datagram);
  if (config.sendMode === 'sendfile') return new SendfilePath(ctx);
  if (config.gso) return new GsoPath(ctx.start.fd, config.messageSize, gsoSegments(config.transport, config.messageSize));
  return new CopyPath(ctx.start.fd, config.messageSize);
}

/** send(2) from one buffer, the default. */
class CopyPath implements SendPath {
  readonly datagramsPerSend = 1;
  readonly #buf: Buffer;

  constructor(private readonly fd: number, private readonly size: number) {
    this.#buf = Buffer.alloc(size);
  }

  send(): number {
    return send(this.fd, this.#buf, this.size, SEND_FLAGS);
  }

  stamp(first: number, boundary: number | null): void {
    this.#buf.writeDoubleLE(first, 0);
    if (boundary !== null) this.#buf.writeDoubleLE(boundary, SEQUENCE_BYTES);
  }

  finish(): null {
    return null;
  }
}

/** UDP_SEGMENT: one send of `segments` datagrams of `size`, each with its own sequence number. */
class GsoPath implements SendPath {
  readonly #buf: Buffer;

  constructor(private readonly fd: number, private readonly size: number, readonly datagramsPerSend: number) {
    this.#buf = Buffer.alloc(size * datagramsPerSend);
    setsockopt(fd, LEVELS.IPPROTO_UDP, OPTNAMES.IPPROTO_UDP.UDP_SEGMENT, int(size));
  }

  send(): number {
    return send(this.fd, this.#buf, this.#buf.length, SEND_FLAGS);
  }

  stamp(first: number, boundary: number | null): void {
    for (let i = 0; i < this.datagramsPerSend; i++) {
      const at = i * this.size;
      this.#buf.writeDoubleLE(first + i, at);
      if (boundary !== null) this.#buf.writeDoubleLE(boundary, at + SEQUENCE_BYTES);
    }
  }

  finish(): SendPathReport {
    return { gsoSegmentsPerSend: this.datagramsPerSend };
  }
}

/** sendfile(2) of the whole of a memfd of messageSize bytes, filled once, like iperf3 -Z. */
class SendfilePath implements SendPath {
  readonly datagramsPerSend = 1;
  readonly #fd: number;
  readonly #file: number;
  readonly #size: number;
  readonly #offset = Buffer.alloc(8);

  constructor(ctx: SideContext) {
    this.#fd = ctx.start.fd;
    this.#size = ctx.config.messageSize;
    this.#file = ctx.scope.add(memfdCreate('sockbench-sendfile', MFD.CLOEXEC));
    writeAll(this.#file, Buffer.alloc(this.#size));
  }

  send(): number {
    // The kernel advances the offset by what it sent; every message starts at the file's start.
    this.#offset.writeUInt32LE(0, 0);
    this.#offset.writeUInt32LE(0, 4);
    return sendfile(this.#fd, this.#file, this.#offset, this.#size);
  }

  stamp(): void {
    throw new Error('sendfile sends no datagrams');
  }

  finish(): null {
    return null;
  }
}

/**
 * send(MSG_ZEROCOPY) from a ring of buffers. The kernel numbers the sends 0, 1, 2... and reports
 * ranges of them done on the error queue; a buffer is sent again only once the send that used
 * it last has completed, so the kernel never reads a buffer the sender is refilling. Over
 * loopback every completion says the kernel copied anyway (docs/kernel-facts.md §6.1, item 22).
 */
class ZerocopyPath implements SendPath {
  readonly datagramsPerSend = 1;
  readonly #ring: Buffer[];
  /** Per ring slot: 1 while the send that used it last is not complete. */
  readonly #pending: Uint8Array;
  readonly #msg = new MessageHeader(0, ERRQUEUE_CONTROL_BYTES);
  #sends = 0;
  #completed = 0;
  #copied = 0;
  #notifications = 0;
  #bufferWaits = 0;
  /** Datagrams: the sequence numbers of the next send, written into its buffer once that buffer is free. */
  #seq = 0;
  #boundary: number | null = null;

  constructor(private readonly fd: number, private readonly size: number, private readonly control: Control, private readonly datagram: boolean) {
    setsockopt(fd, LEVELS.SOL_SOCKET, OPTNAMES.SOL_SOCKET.SO_ZEROCOPY, int(1));
    const slots = zerocopyRing(size);
    this.#ring = Array.from({ length: slots }, () => Buffer.alloc(size));
    this.#pending = new Uint8Array(slots);
  }

  send(): number {
    const slot = this.#sends % this.#ring.length;
    if (this.#pending[slot] === 1) {
      this.#bufferWaits++;
      this.#reap();
      while (this.#pending[slot] === 1) {
        if (this.control.stop !== STOP.NONE) return 0;
        this.#wait(ZEROCOPY_POLL_MS);
      }
    }
    const buf = this.#ring[slot];
    if (this.datagram) {
      buf.writeDoubleLE(this.#seq, 0);
      if (this.#boundary !== null) buf.writeDoubleLE(this.#boundary, SEQUENCE_BYTES);
    }
    for (;;) {
      try {
        const n = send(this.fd, buf, this.size, SEND_FLAGS | MSG.ZEROCOPY);
        this.#pending[slot] = 1;
        this.#sends++;
        return n;
      } catch (err) {
        // ENOBUFS: the notifications in flight have used up optmem_max; wait for some to come back.
        if (!(err instanceof SysError) || err.code !== 'ENOBUFS' || this.#sends === this.#completed) throw err;
        if (this.control.stop !== STOP.NONE) return 0;
        this.#wait(ZEROCOPY_POLL_MS);
      }
    }
  }

  stamp(first: number, boundary: number | null): void {
    this.#seq = first;
    // Every buffer of the ring carries the boundary from the time it is known.
    if (boundary !== null) this.#boundary = boundary;
  }

  finish(): SendPathReport {
    const deadline = Date.now() + ZEROCOPY_DRAIN_MS;
    this.#reap();
    while (this.#completed < this.#sends && Date.now() < deadline) this.#wait(ZEROCOPY_POLL_MS);
    return {
      zerocopy: {
        sends: this.#sends, completed: this.#completed, copied: this.#copied, unconfirmed: this.#sends - this.#completed,
        notifications: this.#notifications, ringBuffers: this.#ring.length, bufferWaits: this.#bufferWaits,
      },
    };
  }

  /** Blocks until the error queue has something (POLLERR) or `ms` pass, then reads it all. */
  #wait(ms: number): void {
    poll(this.fd, 0, ms);
    this.#reap();
  }

  /** Reads every completion queued now and frees their ring slots. */
  #reap(): void {
    const slots = this.#ring.length;
    for (let c = readZerocopyCompletion(this.fd, this.#msg); c !== null; c = readZerocopyCompletion(this.fd, this.#msg)) {
      const count = ((c.last - c.first) >>> 0) + 1;
      this.#notifications++;
      this.#completed += count;
      if (c.copied) this.#copied += count;
      for (let i = 0; i < count && i < slots; i++) this.#pending[((c.first + i) >>> 0) % slots] = 0;
    }
  }
}
