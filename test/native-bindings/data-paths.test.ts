import t from 'tap';
import {
  AF, ERRQUEUE_CONTROL_BYTES, GRO_CONTROL_BYTES, LEVELS, MessageHeader, MFD, MSG, OPTNAMES, POLL, SOCK, SysError,
  accept4, bind, close, connect, getsockname, listen, memfdCreate, poll, readZerocopyCompletion, recv, send,
  sendfile, setsockopt, socket, writeAll, type ZerocopyCompletion,
} from '../../native-bindings/index.js';

function int(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v);
  return b;
}

function tcpPair(t: { teardown(fn: () => void): void }, af: number = AF.INET): { c: number; s: number } {
  const l = socket(af, SOCK.STREAM);
  bind(l, af === AF.INET ? { family: 'inet', address: '127.0.0.1', port: 0 } : { family: 'inet6', address: '::1', port: 0 });
  listen(l, 1);
  const c = socket(af, SOCK.STREAM);
  connect(c, getsockname(l));
  const s = accept4(l, SOCK.CLOEXEC);
  close(l);
  t.teardown(() => { close(c); close(s); });
  return { c, s };
}

function drain(fd: number, want: number): number {
  const buf = Buffer.alloc(65536);
  let got = 0;
  while (got < want) got += recv(fd, buf, buf.length, 0);
  return got;
}

for (const af of [AF.INET, AF.INET6]) {
  t.test(`MSG_ZEROCOPY completions come back from the error queue (${af === AF.INET ? 'tcp4' : 'tcp6'})`, async (t) => {
    const { c, s } = tcpPair(t, af);
    setsockopt(c, LEVELS.SOL_SOCKET, OPTNAMES.SOL_SOCKET.SO_ZEROCOPY, int(1));
    const buf = Buffer.alloc(65536, 7);
    const sends = 8;
    for (let i = 0; i < sends; i++) t.equal(send(c, buf, buf.length, MSG.ZEROCOPY | MSG.NOSIGNAL), buf.length);
    t.equal(drain(s, sends * buf.length), sends * buf.length);
    const msg = new MessageHeader(0, ERRQUEUE_CONTROL_BYTES);
    const seen: ZerocopyCompletion[] = [];
    const deadline = Date.now() + 2000;
    let done = 0;
    while (done < sends && Date.now() < deadline) {
      const completion = readZerocopyCompletion(c, msg);
      if (completion === null) {
        poll(c, 0, 50);
        continue;
      }
      seen.push(completion);
      done += completion.last - completion.first + 1;
    }
    t.equal(done, sends, 'every send completed once');
    t.equal(seen[0].first, 0, 'the kernel numbers sends from 0');
    t.equal(seen.at(-1)!.last, sends - 1);
    t.ok(seen.every((x) => x.copied), 'loopback copies (SO_EE_CODE_ZEROCOPY_COPIED)');
    t.equal(readZerocopyCompletion(c, msg), null, 'an empty error queue reads as null');
  });
}

t.test('SO_ZEROCOPY is refused on AF_UNIX', async (t) => {
  const fd = socket(AF.UNIX, SOCK.STREAM);
  t.teardown(() => close(fd));
  t.throws(() => setsockopt(fd, LEVELS.SOL_SOCKET, OPTNAMES.SOL_SOCKET.SO_ZEROCOPY, int(1)), { code: 'ENOTSUP' });
});

t.test('sendfile from a memfd sends exactly what the file holds, from the offset given', async (t) => {
  const { c, s } = tcpPair(t);
  const mfd = memfdCreate('sockbench-test', MFD.CLOEXEC);
  t.teardown(() => close(mfd));
  const content = Buffer.alloc(100_000);
  for (let i = 0; i < content.length; i++) content[i] = i % 251;
  writeAll(mfd, content);
  const offset = Buffer.alloc(8);
  let sent = 0;
  for (let round = 0; round < 3; round++) {
    offset.fill(0);
    let n = 0;
    while (n < content.length) n += sendfile(c, mfd, offset, content.length - n);
    t.equal(Number(offset.readBigInt64LE(0)), content.length, 'the kernel advanced the offset');
    sent += n;
  }
  t.equal(sent, 3 * content.length);
  const got = Buffer.alloc(3 * content.length);
  let have = 0;
  while (have < got.length) have += recv(s, got.subarray(have), got.length - have, 0);
  t.same(got.subarray(content.length, 2 * content.length), content, 'the bytes are the file\'s');
  t.throws(() => sendfile(c, -1, offset, 1), { code: 'EBADF', syscall: 'sendfile' });
});

t.test('UDP_SEGMENT splits one send; UDP_GRO delivers it whole with gso_size in a cmsg', async (t) => {
  const rx = socket(AF.INET, SOCK.DGRAM);
  const tx = socket(AF.INET, SOCK.DGRAM);
  const plain = socket(AF.INET, SOCK.DGRAM);
  t.teardown(() => { close(rx); close(tx); close(plain); });
  bind(rx, { family: 'inet', address: '127.0.0.1', port: 0 });
  bind(plain, { family: 'inet', address: '127.0.0.1', port: 0 });
  const segment = 1400;
  setsockopt(tx, LEVELS.IPPROTO_UDP, OPTNAMES.IPPROTO_UDP.UDP_SEGMENT, int(segment));
  setsockopt(rx, LEVELS.IPPROTO_UDP, OPTNAMES.IPPROTO_UDP.UDP_GRO, int(1));
  const payload = Buffer.alloc(segment * 10 + 100, 1);

  // Without GRO the receiver sees the segments: ten of gso_size and the short last one.
  connect(tx, getsockname(plain));
  t.equal(send(tx, payload, payload.length, 0), payload.length);
  const plainMsg = new MessageHeader(65536, GRO_CONTROL_BYTES);
  const sizes: number[] = [];
  while (poll(plain, POLL.IN, 200) & POLL.IN) {
    sizes.push(plainMsg.receive(plain, MSG.DONTWAIT));
    t.equal(plainMsg.controlInt(LEVELS.IPPROTO_UDP, OPTNAMES.IPPROTO_UDP.UDP_GRO), null, 'no cmsg without UDP_GRO');
  }
  t.same(sizes, [...new Array(10).fill(segment), 100]);

  connect(tx, getsockname(rx));
  t.equal(send(tx, payload, payload.length, 0), payload.length);
  t.equal(poll(rx, POLL.IN, 1000) & POLL.IN, POLL.IN);
  const msg = new MessageHeader(65536, GRO_CONTROL_BYTES);
  t.equal(msg.receive(rx, 0), payload.length, 'one read of the whole send');
  t.equal(msg.controlInt(LEVELS.IPPROTO_UDP, OPTNAMES.IPPROTO_UDP.UDP_GRO), segment, 'gso_size from the UDP_GRO cmsg');
  t.same(msg.controlMessages().map((m) => [m.level, m.type, m.length]), [[LEVELS.IPPROTO_UDP, OPTNAMES.IPPROTO_UDP.UDP_GRO, 4]]);
  t.equal(msg.receive(rx, MSG.DONTWAIT), -1, 'EAGAIN reads as -1');
  t.throws(() => msg.receive(-1, 0), new SysError('recvmsg', 9));
});
