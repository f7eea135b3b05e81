import t from 'tap';
import { readFileSync } from 'node:fs';
import {
  AF, LEVELS, OPTNAMES, SOCK, SysError, accept4, bind, close, connect, decodeTcpInfo, getpeername,
  getsockname, getsockopt, listen, recv, send, setsockopt, shutdown, socket, encodeTimeval,
  decodeTimeval, encodeLinger, decodeLinger, getrusage, RUSAGE, poll, POLL, sendto, recvfrom,
  setNonBlocking, errnoName, errnoNumber, encodeSockAddr, decodeSockAddr, threadAffinity, setThreadAffinity, CPU_SETSIZE, pollMany,
} from '../../native-bindings/index.js';

const SOL = LEVELS.SOL_SOCKET;
// struct tcp_info: tcpi_max_pacing_rate follows tcpi_pacing_rate at byte 104 (docs/kernel-facts.md §2).
const TCP_INFO_MAX_PACING_RATE_OFFSET = 112;
const SO = OPTNAMES.SOL_SOCKET;

function int(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v);
  return b;
}

t.test('a failing call throws SysError with the errno name', async (t) => {
  const fd = socket(AF.INET, SOCK.STREAM);
  t.teardown(() => close(fd));
  const err = t.throws(() => setsockopt(fd, SOL, 12345, int(1))) as unknown as SysError;
  t.ok(err instanceof SysError);
  t.equal(err.syscall, 'setsockopt');
  t.equal(err.code, 'ENOPROTOOPT');
  t.equal(err.errno, errnoNumber('ENOPROTOOPT'));
  t.match(err.message, /ENOPROTOOPT/);
  t.throws(() => close(-1), { code: 'EBADF', syscall: 'close' });
  t.equal(errnoName(99999), 'E99999');
});

t.test('SO_SNDBUF round trip shows the kernel doubling', async (t) => {
  const fd = socket(AF.INET, SOCK.STREAM);
  t.teardown(() => close(fd));
  t.equal(getsockopt(fd, SOL, SO.SO_SNDBUF, 4).readInt32LE(0), 16384);
  setsockopt(fd, SOL, SO.SO_SNDBUF, int(4096));
  t.equal(getsockopt(fd, SOL, SO.SO_SNDBUF, 4).readInt32LE(0), 8192);
  // A larger buffer than the value: the kernel reports how much it wrote.
  t.equal(getsockopt(fd, SOL, SO.SO_SNDBUF, 64).length, 4);
});

t.test('tcp4 connect/accept, names, data, tcp_info by returned length', async (t) => {
  const l = socket(AF.INET, SOCK.STREAM);
  bind(l, { family: 'inet', address: '127.0.0.1', port: 0 });
  listen(l, 4);
  const addr = getsockname(l);
  t.equal(addr.family, 'inet');
  const c = socket(AF.INET, SOCK.STREAM);
  connect(c, addr);
  const s = accept4(l, SOCK.CLOEXEC);
  t.teardown(() => { for (const fd of [c, s, l]) close(fd); });
  t.same(getpeername(s), getsockname(c));
  t.equal(send(c, Buffer.from('hello'), 5), 5);
  t.equal(poll(s, POLL.IN, 1000) & POLL.IN, POLL.IN);
  const buf = Buffer.alloc(16);
  t.equal(recv(s, buf, 16), 5);
  t.equal(buf.toString('utf8', 0, 5), 'hello');

  const raw = getsockopt(c, LEVELS.IPPROTO_TCP, OPTNAMES.IPPROTO_TCP.TCP_INFO, 512);
  t.ok(raw.length >= 232, `kernel returned ${raw.length} bytes`);
  const info = decodeTcpInfo(raw);
  t.equal(info.state, 1, 'ESTABLISHED');
  t.equal(info.bytes_acked, 6, '5 bytes + SYN acknowledged');
  t.equal(info.pmtu, 65535);
  t.ok((info.rtt ?? 0) > 0);
  // Only the 104 bytes of glibc's struct: later fields are absent, not zero.
  const short = decodeTcpInfo(raw.subarray(0, 104));
  t.equal(short.total_retrans, 0);
  t.notOk('pacing_rate' in short);
  t.ok('pacing_rate' in info);
  // 64-bit fields are exact: the kernel's ~0 (no SO_MAX_PACING_RATE: unlimited) is null, not 2^64 rounded.
  t.equal(raw.readBigUInt64LE(TCP_INFO_MAX_PACING_RATE_OFFSET), 2n ** 64n - 1n, 'the kernel wrote ~0');
  t.equal(info.max_pacing_rate, null, 'unlimited is null');
  const rate = Buffer.alloc(8);
  rate.writeBigUInt64LE(12_500_000n);
  setsockopt(c, SOL, SO.SO_MAX_PACING_RATE, rate);
  t.equal(decodeTcpInfo(getsockopt(c, LEVELS.IPPROTO_TCP, OPTNAMES.IPPROTO_TCP.TCP_INFO, 512)).max_pacing_rate, 12_500_000, 'a set cap reads as its number');

  shutdown(c, 1);
  t.equal(recv(s, buf, 16), 0, 'EOF after shutdown(SHUT_WR)');
});

t.test('udp6 sendto/recvfrom and non-blocking EAGAIN', async (t) => {
  const a = socket(AF.INET6, SOCK.DGRAM);
  const b = socket(AF.INET6, SOCK.DGRAM);
  t.teardown(() => { close(a); close(b); });
  bind(a, { family: 'inet6', address: '::1', port: 0 });
  bind(b, { family: 'inet6', address: '::1', port: 0 });
  const aAddr = getsockname(a);
  t.equal(aAddr.family === 'inet6' && aAddr.address, '::1');
  t.equal(sendto(b, Buffer.from([1, 2, 3]), 3, 0, aAddr), 3);
  const buf = Buffer.alloc(8);
  const r = recvfrom(a, buf, 8);
  t.equal(r.bytes, 3);
  t.same(r.from, getsockname(b));
  setNonBlocking(a, true);
  t.throws(() => recv(a, buf, 8), { code: 'EAGAIN' });
  setNonBlocking(a, false);
});

t.test('unix abstract and path addresses encode and decode', async (t) => {
  const abs = { family: 'unix', path: 'sockbench-test', abstract: true } as const;
  const enc = encodeSockAddr(abs);
  t.equal(enc.length, 2 + 1 + 'sockbench-test'.length);
  t.same(decodeSockAddr(Buffer.concat([enc, Buffer.alloc(8)]), enc.length), abs);
  const file = { family: 'unix', path: '/tmp/x.sock', abstract: false } as const;
  const encFile = encodeSockAddr(file);
  t.same(decodeSockAddr(encFile, encFile.length), file);
  t.throws(() => encodeSockAddr({ family: 'unix', path: 'x'.repeat(200), abstract: false }), { code: 'ENAMETOOLONG' });
  t.throws(() => encodeSockAddr({ family: 'inet', address: 'not-an-ip', port: 1 }), { code: 'EINVAL' });
});

t.test('linger and timeval structs', async (t) => {
  const fd = socket(AF.UNIX, SOCK.STREAM);
  t.teardown(() => close(fd));
  setsockopt(fd, SOL, SO.SO_LINGER, encodeLinger({ onoff: 5, linger: 7 }));
  t.same(decodeLinger(getsockopt(fd, SOL, SO.SO_LINGER, 8)), { onoff: 1, linger: 7 });
  setsockopt(fd, SOL, SO.SO_RCVTIMEO, encodeTimeval({ sec: 1, usec: 500000 }));
  t.same(decodeTimeval(getsockopt(fd, SOL, SO.SO_RCVTIMEO, 16)), { sec: 1, usec: 500000 });
  t.throws(() => setsockopt(fd, SOL, SO.SO_RCVTIMEO, encodeTimeval({ sec: 0, usec: 2000000 })), { code: 'EDOM' });
});

t.test('getrusage reports growing CPU time', async (t) => {
  const before = getrusage(RUSAGE.THREAD);
  let x = 0;
  for (let i = 0; i < 2e7; i++) x += i % 7;
  const after = getrusage(RUSAGE.THREAD);
  t.ok(x > 0);
  t.ok(after.userMicros + after.systemMicros > before.userMicros + before.systemMicros);
  t.ok(getrusage(RUSAGE.SELF).userMicros >= after.userMicros);
});

t.test('thread affinity: read, narrowed, restored; only this thread moves', async (t) => {
  const all = threadAffinity();
  t.ok(all.length >= 1 && all.every((cpu, i) => i === 0 || cpu > all[i - 1]), `ascending CPU list: ${all.join(',')}`);
  const last = all[all.length - 1];
  try {
    setThreadAffinity([last]);
    t.same(threadAffinity(), [last], 'the kernel holds the new mask');
    const status = readFileSync(`/proc/self/task/${process.pid}/status`, 'utf8');
    t.match(status, new RegExp(`^Cpus_allowed_list:\\s*${last}$`, 'm'), '/proc shows the main thread pinned');
  } finally {
    setThreadAffinity(all);
  }
  t.same(threadAffinity(), all, 'restored');
  t.throws(() => setThreadAffinity([CPU_SETSIZE]), { name: 'SysError', code: 'EINVAL' }, 'a CPU beyond cpu_set_t is refused before the call');
  t.throws(() => setThreadAffinity([all[all.length - 1] + 1]), { name: 'SysError', code: 'EINVAL' }, 'a CPU this host lacks: the kernel refuses');
});

t.test('pollMany: each descriptor\'s revents, in order', async (t) => {
  const l = socket(AF.INET, SOCK.STREAM);
  bind(l, { family: 'inet', address: '127.0.0.1', port: 0 });
  listen(l, 4);
  const c = socket(AF.INET, SOCK.STREAM);
  connect(c, getsockname(l));
  const s = accept4(l, 0);
  t.teardown(() => { for (const fd of [l, c, s]) close(fd); });
  t.same(pollMany([l, s], POLL.IN, 0), [0, 0], 'nothing to read: all 0 at the timeout');
  send(c, Buffer.from('x'), 1);
  t.same(pollMany([l, s], POLL.IN, 1000), [0, POLL.IN], 'the connection has data, the listener nothing');
  const c2 = socket(AF.INET, SOCK.STREAM);
  t.teardown(() => close(c2));
  connect(c2, getsockname(l));
  t.same(pollMany([l, s], POLL.IN, 1000), [POLL.IN, POLL.IN], 'a connection waits on the listener too');
  t.same(pollMany([987654], POLL.IN, 0), [0x20], 'a descriptor that is not open: POLLNVAL, not an exception');
});
