import koffi from 'koffi';
import { c } from './libc.js';
import { AF, FCNTL, POLL } from './constants.js';
import {
  linger, pollfd, rusage, sockaddr_in, sockaddr_in6, sockaddr_un, SOCKADDR_STORAGE_SIZE,
  SUN_PATH_MAX, tcp_info, TCP_INFO_SIZE, timeval,
} from './structs.js';
import { SysError } from './sys-error.js';

export * from './constants.js';
export { SysError, errnoName, errnoNumber } from './sys-error.js';
export { TCP_INFO_SIZE } from './structs.js';
export {
  MessageHeader, readZerocopyCompletion, ERRQUEUE_CONTROL_BYTES, GRO_CONTROL_BYTES,
  type ControlMessage, type ZerocopyCompletion,
} from './message.js';

export type SockAddr =
  | { family: 'inet'; address: string; port: number }
  | { family: 'inet6'; address: string; port: number; scopeId?: number }
  /** `abstract` names live in Linux's abstract namespace: no file, gone with the socket. */
  | { family: 'unix'; path: string; abstract: boolean };

function check(syscall: string, result: number | bigint): number {
  const n = Number(result);
  if (n === -1) throw new SysError(syscall, koffi.errno());
  return n;
}

// ---- addresses ------------------------------------------------------------------------------

function pton(af: number, address: string, size: number): number[] {
  const out = Buffer.alloc(size);
  const r = c.inet_pton(af, address, out) as number;
  if (r !== 1) throw new SysError('inet_pton', 22 /* EINVAL: not a valid address */);
  return [...out];
}

function ntop(af: number, bytes: ArrayLike<number>): string {
  const out = Buffer.alloc(64);
  c.inet_ntop(af, Buffer.from(bytes as number[]), out, out.length);
  return out.toString('latin1', 0, out.indexOf(0));
}

export function encodeSockAddr(addr: SockAddr): Buffer {
  if (addr.family === 'inet') {
    const buf = Buffer.alloc(koffi.sizeof(sockaddr_in));
    koffi.encode(buf, sockaddr_in, { sin_family: AF.INET, sin_port: addr.port, sin_addr: pton(AF.INET, addr.address, 4), sin_zero: new Array(8).fill(0) });
    return buf;
  }
  if (addr.family === 'inet6') {
    const buf = Buffer.alloc(koffi.sizeof(sockaddr_in6));
    koffi.encode(buf, sockaddr_in6, {
      sin6_family: AF.INET6, sin6_port: addr.port, sin6_flowinfo: 0,
      sin6_addr: pton(AF.INET6, addr.address, 16), sin6_scope_id: addr.scopeId ?? 0,
    });
    return buf;
  }
  const name = Buffer.from(addr.path, 'utf8');
  const offset = addr.abstract ? 1 : 0;
  if (name.length + offset >= SUN_PATH_MAX) throw new SysError('sockaddr_un', 36 /* ENAMETOOLONG */);
  const path = new Array(SUN_PATH_MAX).fill(0);
  name.forEach((b, i) => { path[i + offset] = b; });
  const full = Buffer.alloc(koffi.sizeof(sockaddr_un));
  koffi.encode(full, sockaddr_un, { sun_family: AF.UNIX, sun_path: path });
  // Abstract names are length-delimited, so the address length must stop right after the name.
  return addr.abstract ? full.subarray(0, 2 + offset + name.length) : full;
}

export function decodeSockAddr(buf: Buffer, len: number): SockAddr {
  const family = buf.readUInt16LE(0);
  if (family === AF.INET) {
    const v = koffi.decode(buf, sockaddr_in);
    return { family: 'inet', address: ntop(AF.INET, v.sin_addr), port: v.sin_port };
  }
  if (family === AF.INET6) {
    const v = koffi.decode(buf, sockaddr_in6);
    return { family: 'inet6', address: ntop(AF.INET6, v.sin6_addr), port: v.sin6_port, scopeId: v.sin6_scope_id };
  }
  if (family === AF.UNIX) {
    const raw = buf.subarray(2, len);
    if (raw.length > 0 && raw[0] === 0) return { family: 'unix', path: raw.subarray(1).toString('utf8'), abstract: true };
    const end = raw.indexOf(0);
    return { family: 'unix', path: raw.subarray(0, end === -1 ? raw.length : end).toString('utf8'), abstract: false };
  }
  throw new SysError('sockaddr', 97 /* EAFNOSUPPORT */);
}

// ---- sockets --------------------------------------------------------------------------------

export function socket(domain: number, type: number, protocol = 0): number {
  return check('socket', c.socket(domain, type, protocol) as number);
}

export function bind(fd: number, addr: SockAddr): void {
  const a = encodeSockAddr(addr);
  check('bind', c.bind(fd, a, a.length) as number);
}

export function listen(fd: number, backlog: number): void {
  check('listen', c.listen(fd, backlog) as number);
}

export function accept4(fd: number, flags = 0): number {
  const addr = Buffer.alloc(SOCKADDR_STORAGE_SIZE);
  return check('accept4', c.accept4(fd, addr, [addr.length], flags) as number);
}

export function connect(fd: number, addr: SockAddr): void {
  const a = encodeSockAddr(addr);
  check('connect', c.connect(fd, a, a.length) as number);
}

function nameOf(syscall: 'getsockname' | 'getpeername', fd: number): SockAddr {
  const addr = Buffer.alloc(SOCKADDR_STORAGE_SIZE);
  const len = new Uint32Array([addr.length]);
  check(syscall, c[syscall](fd, addr, len) as number);
  return decodeSockAddr(addr, len[0]);
}

export const getsockname = (fd: number): SockAddr => nameOf('getsockname', fd);
export const getpeername = (fd: number): SockAddr => nameOf('getpeername', fd);

export function setsockopt(fd: number, level: number, optname: number, value: Buffer): void {
  check('setsockopt', c.setsockopt(fd, level, optname, value, value.length) as number);
}

/** Reads an option into a `buflen`-byte buffer; returns the bytes the kernel reported (optlen). */
export function getsockopt(fd: number, level: number, optname: number, buflen: number): Buffer {
  const out = Buffer.alloc(buflen);
  const len = new Uint32Array([buflen]);
  check('getsockopt', c.getsockopt(fd, level, optname, out, len) as number);
  return out.subarray(0, Math.min(len[0], buflen));
}

export function shutdown(fd: number, how: number): void {
  check('shutdown', c.shutdown(fd, how) as number);
}

export function close(fd: number): void {
  check('close', c.close(fd) as number);
}

export function send(fd: number, buf: Buffer, len: number, flags = 0): number {
  return check('send', c.send(fd, buf, len, flags) as number);
}

export function recv(fd: number, buf: Buffer, len: number, flags = 0): number {
  return check('recv', c.recv(fd, buf, len, flags) as number);
}

export function sendto(fd: number, buf: Buffer, len: number, flags: number, addr: SockAddr): number {
  const a = encodeSockAddr(addr);
  return check('sendto', c.sendto(fd, buf, len, flags, a, a.length) as number);
}

export function recvfrom(fd: number, buf: Buffer, len: number, flags = 0): { bytes: number; from: SockAddr | null } {
  const addr = Buffer.alloc(SOCKADDR_STORAGE_SIZE);
  const alen = new Uint32Array([addr.length]);
  const bytes = check('recvfrom', c.recvfrom(fd, buf, len, flags, addr, alen) as number);
  return { bytes, from: alen[0] >= 2 ? decodeSockAddr(addr, alen[0]) : null };
}

/**
 * sendfile(2) of `count` bytes of `inFd` from the int64 file offset held in `offset` (8 bytes,
 * little-endian), which the kernel advances by what it sent; the file's own position is untouched.
 */
export function sendfile(outFd: number, inFd: number, offset: Buffer, count: number): number {
  return check('sendfile', c.sendfile(outFd, inFd, offset, count) as number);
}

/** An anonymous file in memory (memfd_create(2)); it is freed with its last descriptor. */
export function memfdCreate(name: string, flags: number): number {
  return check('memfd_create', c.memfd_create(name, flags) as number);
}

/** Writes all of `buf` (further calls after a short write). */
export function writeAll(fd: number, buf: Buffer): void {
  let done = 0;
  while (done < buf.length) done += check('write', c.write(fd, buf.subarray(done), buf.length - done) as number);
}

const POLLFD_SIZE = koffi.sizeof(pollfd);

/** Waits for `events` on several descriptors at once; returns each one's revents, in order (all 0 on timeout). */
export function pollMany(fds: readonly number[], events: number, timeoutMs: number): number[] {
  const buf = Buffer.alloc(POLLFD_SIZE * fds.length);
  fds.forEach((fd, i) => koffi.encode(buf, i * POLLFD_SIZE, pollfd, { fd, events, revents: 0 }));
  check('poll', c.poll(buf, fds.length, timeoutMs) as number);
  return fds.map((_, i) => koffi.decode(buf, i * POLLFD_SIZE, pollfd).revents & 0xffff);
}

/** Waits for `events` on one descriptor; returns the revents mask (0 on timeout). */
export function poll(fd: number, events: number, timeoutMs: number): number {
  return pollMany([fd], events, timeoutMs)[0];
}

export function setNonBlocking(fd: number, on: boolean): void {
  const flags = check('fcntl', c.fcntl(fd, FCNTL.F_GETFL, 'int', 0) as number);
  const next = on ? flags | FCNTL.O_NONBLOCK : flags & ~FCNTL.O_NONBLOCK;
  check('fcntl', c.fcntl(fd, FCNTL.F_SETFL, 'int', next) as number);
}

export { POLL };

export interface CpuTime { userMicros: number; systemMicros: number }

/** CPU time of the process (RUSAGE.SELF) or of the calling thread (RUSAGE.THREAD). */
export function getrusage(who: number): CpuTime {
  const buf = Buffer.alloc(koffi.sizeof(rusage));
  check('getrusage', c.getrusage(who, buf) as number);
  const r = koffi.decode(buf, rusage);
  const micros = (t: { tv_sec: number | bigint; tv_usec: number | bigint }) => Number(t.tv_sec) * 1e6 + Number(t.tv_usec);
  return { userMicros: micros(r.ru_utime), systemMicros: micros(r.ru_stime) };
}

// ---- CPU affinity ---------------------------------------------------------------------------

/** CPU_SETSIZE: the CPUs a glibc cpu_set_t can name (0..1023). */
export const CPU_SETSIZE = 1024;
const CPU_SET_BYTES = CPU_SETSIZE / 8;

/**
 * The CPUs the calling thread may run on, ascending. Linux keeps an affinity mask per thread
 * (pid 0 is the calling thread, not the process): a worker thread sees its own.
 */
export function threadAffinity(): number[] {
  const mask = Buffer.alloc(CPU_SET_BYTES);
  check('sched_getaffinity', c.sched_getaffinity(0, CPU_SET_BYTES, mask) as number);
  const cpus: number[] = [];
  for (let cpu = 0; cpu < CPU_SETSIZE; cpu++) if (mask[cpu >> 3] & (1 << (cpu & 7))) cpus.push(cpu);
  return cpus;
}

/** Restricts the calling thread (only it) to `cpus`; EINVAL when none of them is usable here. */
export function setThreadAffinity(cpus: readonly number[]): void {
  const mask = Buffer.alloc(CPU_SET_BYTES);
  for (const cpu of cpus) {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= CPU_SETSIZE) throw new SysError('sched_setaffinity', 22 /* EINVAL */);
    mask[cpu >> 3] |= 1 << (cpu & 7);
  }
  check('sched_setaffinity', c.sched_setaffinity(0, CPU_SET_BYTES, mask) as number);
}

// ---- option structs -------------------------------------------------------------------------

export interface Linger { onoff: number; linger: number }
export interface Timeval { sec: number; usec: number }

export const LINGER_SIZE = koffi.sizeof(linger);
export const TIMEVAL_SIZE = koffi.sizeof(timeval);

export function encodeLinger(v: Linger): Buffer {
  const buf = Buffer.alloc(LINGER_SIZE);
  koffi.encode(buf, linger, { l_onoff: v.onoff, l_linger: v.linger });
  return buf;
}

export function decodeLinger(buf: Buffer): Linger {
  const v = koffi.decode(padded(buf, LINGER_SIZE), linger);
  return { onoff: v.l_onoff, linger: v.l_linger };
}

export function encodeTimeval(v: Timeval): Buffer {
  const buf = Buffer.alloc(TIMEVAL_SIZE);
  koffi.encode(buf, timeval, { tv_sec: BigInt(v.sec), tv_usec: BigInt(v.usec) });
  return buf;
}

export function decodeTimeval(buf: Buffer): Timeval {
  const v = koffi.decode(padded(buf, TIMEVAL_SIZE), timeval);
  return { sec: Number(v.tv_sec), usec: Number(v.tv_usec) };
}

/**
 * struct tcp_info by field name. A 64-bit field is null when it holds the kernel's ~0 (2^64-1:
 * tcpi_max_pacing_rate when no SO_MAX_PACING_RATE is set, tcpi_pacing_rate before TCP sets one),
 * or any other value a JavaScript number could not hold exactly (past 2^53, which no counter of a
 * socket's lifetime reaches: 2^53 bytes is 9 PB, 2^53 us is 285 years). Every number is exact.
 */
export type TcpInfo = Record<string, number | null>;

const TCP_INFO_FIELDS = Object.values(tcp_info.members as Record<string, { name: string; offset: number; type: { size: number } }>);

/**
 * Decodes struct tcp_info field by field. Only fields that lie entirely within the `buf.length`
 * bytes the kernel returned are reported: an older kernel returns a shorter struct. Names drop
 * the `tcpi_` prefix; a 64-bit field is an exact number, or null (see TcpInfo).
 */
export function decodeTcpInfo(buf: Buffer): TcpInfo {
  const raw = koffi.decode(padded(buf, TCP_INFO_SIZE), tcp_info) as Record<string, number | bigint>;
  const out: TcpInfo = {};
  for (const m of TCP_INFO_FIELDS) {
    if (m.offset + m.type.size > buf.length) continue;
    const field = raw[m.name];
    if (typeof field === 'bigint' && field > BigInt(Number.MAX_SAFE_INTEGER)) {
      out[m.name.slice('tcpi_'.length)] = null;
      continue;
    }
    const value = Number(field);
    if (m.name === 'tcpi_wscale_bits') {
      out.snd_wscale = value & 0x0f;
      out.rcv_wscale = value >> 4;
    } else if (m.name === 'tcpi_flag_bits') {
      out.delivery_rate_app_limited = value & 0x01;
      out.fastopen_client_fail = (value >> 1) & 0x03;
    } else {
      out[m.name.slice('tcpi_'.length)] = value;
    }
  }
  return out;
}

function padded(buf: Buffer, size: number): Buffer {
  if (buf.length >= size) return buf;
  const out = Buffer.alloc(size);
  buf.copy(out);
  return out;
}
