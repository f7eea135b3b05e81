import koffi from 'koffi';
import { c } from './libc.js';
import { LEVELS, MSG, OPTNAMES, SO_EE } from './constants.js';
import { SysError } from './sys-error.js';

// recvmsg(2) with ancillary data, for loops that call it on every datagram: the msghdr, its one
// iovec and the control buffer are allocated once and hold each other's addresses (Node buffers
// of this size never move). Layouts are the LP64 ones (x86_64, arm64):
//   struct msghdr  { void *name; u32 namelen; (pad) struct iovec *iov; size_t iovlen;
//                    void *control; size_t controllen; int flags; (pad) }       56 bytes
//   struct iovec   { void *base; size_t len; }                                   16 bytes
//   struct cmsghdr { size_t len; int level; int type; data (aligned to 8) }      16 + data

const MSGHDR_SIZE = 56;
const IOVEC_SIZE = 16;
const CMSG_HEADER = 16;
const OFF = { iov: 16, iovlen: 24, control: 32, controllen: 40, flags: 48 } as const;
const EAGAIN = 11;
const align8 = (n: number): number => (n + 7) & ~7;

/** One received message's control data, by (level, type). */
export interface ControlMessage {
  level: number;
  type: number;
  /** Where its data starts in `MessageHeader.control`, and how long it is. */
  offset: number;
  length: number;
}

export class MessageHeader {
  /** Where received data lands (0 bytes: error-queue reads, which carry none). */
  readonly data: Buffer;
  readonly control: Buffer;
  readonly #hdr = Buffer.alloc(MSGHDR_SIZE);
  readonly #iov = Buffer.alloc(IOVEC_SIZE);

  constructor(dataBytes: number, controlBytes: number) {
    this.data = Buffer.alloc(dataBytes);
    this.control = Buffer.alloc(controlBytes);
    this.#iov.writeBigUInt64LE(dataBytes > 0 ? koffi.address(this.data) : 0n, 0);
    this.#iov.writeBigUInt64LE(BigInt(dataBytes), 8);
    this.#hdr.writeBigUInt64LE(koffi.address(this.#iov), OFF.iov);
    this.#hdr.writeBigUInt64LE(1n, OFF.iovlen);
    this.#hdr.writeBigUInt64LE(koffi.address(this.control), OFF.control);
  }

  /**
   * recvmsg(2) into `data` and `control`: the bytes received, or -1 when the call would block
   * (EAGAIN, with MSG_DONTWAIT or an empty error queue); any other failure throws SysError.
   */
  receive(fd: number, flags: number): number {
    // The kernel shrinks controllen to what it wrote: give it the whole buffer every time.
    this.#hdr.writeUInt32LE(this.control.length, OFF.controllen);
    const n = Number(c.recvmsg(fd, this.#hdr, flags));
    if (n === -1) {
      const errno = koffi.errno();
      if (errno === EAGAIN) return -1;
      throw new SysError('recvmsg', errno);
    }
    return n;
  }

  /** msg_flags of the last receive (MSG_CTRUNC, MSG_TRUNC...). */
  get flags(): number {
    return this.#hdr.readInt32LE(OFF.flags);
  }

  /** The control messages of the last receive, in order. */
  controlMessages(): ControlMessage[] {
    const total = Math.min(this.#hdr.readUInt32LE(OFF.controllen), this.control.length);
    const out: ControlMessage[] = [];
    let at = 0;
    while (at + CMSG_HEADER <= total) {
      const len = this.control.readUInt32LE(at);
      if (len < CMSG_HEADER || at + len > total) break;
      out.push({ level: this.control.readInt32LE(at + 8), type: this.control.readInt32LE(at + 12), offset: at + CMSG_HEADER, length: len - CMSG_HEADER });
      at += align8(len);
    }
    return out;
  }

  /**
   * The int of the first control message at (level, type), or null. Reads the header in place:
   * cheap enough for a receive loop that looks for one cmsg (UDP_GRO) on every datagram.
   */
  controlInt(level: number, type: number): number | null {
    if (this.#hdr.readUInt32LE(OFF.controllen) < CMSG_HEADER + 4) return null;
    const ctl = this.control;
    return ctl.readInt32LE(8) === level && ctl.readInt32LE(12) === type ? ctl.readInt32LE(CMSG_HEADER) : null;
  }
}

/** Room for one IP_RECVERR/IPV6_RECVERR message: sock_extended_err plus the offender's address. */
export const ERRQUEUE_CONTROL_BYTES = 128;
/** Room for one UDP_GRO message (an int). */
export const GRO_CONTROL_BYTES = 32;

/** A MSG_ZEROCOPY completion: sends ee_info..ee_data (inclusive, 32-bit counters) are done; `copied`: the kernel copied them anyway. */
export interface ZerocopyCompletion {
  first: number;
  last: number;
  copied: boolean;
}

/**
 * Reads one message from the socket's error queue without blocking: a zerocopy completion, or
 * null when the queue is empty. Other error-queue messages (an ICMP error) throw SysError with
 * their errno, as the failing send would have.
 */
export function readZerocopyCompletion(fd: number, msg: MessageHeader): ZerocopyCompletion | null {
  for (;;) {
    if (msg.receive(fd, MSG.ERRQUEUE | MSG.DONTWAIT) === -1) return null;
    for (const cm of msg.controlMessages()) {
      const ip = cm.level === LEVELS.IPPROTO_IP && cm.type === OPTNAMES.IPPROTO_IP.IP_RECVERR;
      const ip6 = cm.level === LEVELS.IPPROTO_IPV6 && cm.type === OPTNAMES.IPPROTO_IPV6.IPV6_RECVERR;
      if (!(ip || ip6) || cm.length < 16) continue;
      // struct sock_extended_err { u32 ee_errno; u8 ee_origin, ee_type, ee_code, ee_pad; u32 ee_info; u32 ee_data; }
      const ctl = msg.control;
      const origin = ctl[cm.offset + 4];
      if (origin !== SO_EE.ORIGIN_ZEROCOPY) throw new SysError('recvmsg', ctl.readUInt32LE(cm.offset));
      return {
        first: ctl.readUInt32LE(cm.offset + 8),
        last: ctl.readUInt32LE(cm.offset + 12),
        copied: (ctl[cm.offset + 6] & SO_EE.CODE_ZEROCOPY_COPIED) !== 0,
      };
    }
  }
}
