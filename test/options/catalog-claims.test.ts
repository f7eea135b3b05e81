// Walks the whole option catalog and checks every claim it makes against the running kernel,
// through real sockets: where each option is accepted, what it reads back, what it refuses,
// which errno it answers where it is not supported, and which values need a capability.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { getsockopt, setsockopt, SysError } from '../../native-bindings/index.js';
import { CATALOG } from '../../src/options/catalog.js';
import { decodeValue, DEFAULT_BUFLEN, encodeValue } from '../../src/options/codec.js';
import {
  ACCESS, PHASES, TRANSPORTS, VALUE_TYPES, type CatalogEntry, type DecodedValue, type OptionValue, type Transport,
} from '../../src/options/types.js';
import { FdScope } from '../../src/sockets/fd-scope.js';
import { connectedPair, openSocket, type SocketPair } from '../../src/sockets/pair.js';
import { TRANSPORT_INFO } from '../../src/sockets/transports.js';

const PAIR_TIMEOUT_MS = 1000;
const fdsAtStart = readdirSync('/proc/self/fd').length;

// ---- what the catalog must cover (docs/kernel-facts.md §1.1–1.6) -------------------------------

const EXPECTED_NAMES: Record<CatalogEntry['level'], string[]> = {
  SOL_SOCKET: [
    'SO_REUSEADDR', 'SO_TYPE', 'SO_ERROR', 'SO_SNDBUF', 'SO_RCVBUF', 'SO_SNDBUFFORCE', 'SO_RCVBUFFORCE',
    'SO_KEEPALIVE', 'SO_LINGER', 'SO_REUSEPORT', 'SO_PRIORITY', 'SO_RCVLOWAT', 'SO_SNDLOWAT', 'SO_RCVTIMEO',
    'SO_SNDTIMEO', 'SO_BINDTODEVICE', 'SO_BINDTOIFINDEX', 'SO_TIMESTAMP', 'SO_TIMESTAMPNS', 'SO_TIMESTAMPING',
    'SO_ACCEPTCONN', 'SO_MARK', 'SO_PROTOCOL', 'SO_DOMAIN', 'SO_PEEK_OFF', 'SO_BUSY_POLL', 'SO_PREFER_BUSY_POLL',
    'SO_BUSY_POLL_BUDGET', 'SO_MAX_PACING_RATE', 'SO_INCOMING_CPU', 'SO_INCOMING_NAPI_ID', 'SO_COOKIE',
    'SO_ZEROCOPY', 'SO_TXTIME', 'SO_BUF_LOCK', 'SO_RESERVE_MEM', 'SO_TXREHASH', 'SO_NETNS_COOKIE', 'SO_RCVMARK',
    'SO_RCVPRIORITY', 'SO_PASSCRED', 'SO_PASSRIGHTS', 'SO_PEERCRED', 'SO_INQ',
    // §1.6: the other AF_UNIX options
    'SO_PASSSEC', 'SO_PEERGROUPS', 'SO_PASSPIDFD', 'SO_PEERPIDFD',
  ],
  IPPROTO_TCP: [
    'TCP_NODELAY', 'TCP_MAXSEG', 'TCP_CORK', 'TCP_KEEPIDLE', 'TCP_KEEPINTVL', 'TCP_KEEPCNT', 'TCP_SYNCNT',
    'TCP_LINGER2', 'TCP_DEFER_ACCEPT', 'TCP_WINDOW_CLAMP', 'TCP_INFO', 'TCP_QUICKACK', 'TCP_CONGESTION',
    'TCP_USER_TIMEOUT', 'TCP_FASTOPEN', 'TCP_FASTOPEN_CONNECT', 'TCP_NOTSENT_LOWAT', 'TCP_THIN_LINEAR_TIMEOUTS',
    'TCP_THIN_DUPACK', 'TCP_TX_DELAY', 'TCP_INQ', 'TCP_SAVE_SYN', 'TCP_SAVED_SYN', 'TCP_TIMESTAMP', 'TCP_CC_INFO',
    'TCP_ULP', 'TCP_IS_MPTCP', 'TCP_RTO_MAX_MS', 'TCP_RTO_MIN_US', 'TCP_DELACK_MAX_US',
  ],
  IPPROTO_IP: [
    'IP_TOS', 'IP_TTL', 'IP_MTU_DISCOVER', 'IP_MTU', 'IP_RECVERR', 'IP_FREEBIND', 'IP_TRANSPARENT',
    'IP_BIND_ADDRESS_NO_PORT', 'IP_LOCAL_PORT_RANGE', 'IP_RECVTOS', 'IP_PKTINFO', 'IP_RECVTTL', 'IP_MINTTL',
  ],
  IPPROTO_IPV6: [
    'IPV6_V6ONLY', 'IPV6_TCLASS', 'IPV6_UNICAST_HOPS', 'IPV6_MTU_DISCOVER', 'IPV6_MTU', 'IPV6_RECVERR',
    'IPV6_FREEBIND', 'IPV6_TRANSPARENT', 'IPV6_DONTFRAG', 'IPV6_RECVPKTINFO', 'IPV6_RECVTCLASS', 'IPV6_AUTOFLOWLABEL',
  ],
  IPPROTO_UDP: ['UDP_CORK', 'UDP_SEGMENT', 'UDP_GRO', 'UDP_ENCAP', 'UDP_NO_CHECK6_TX', 'UDP_NO_CHECK6_RX'],
};

// ---- host facts, read independently of the code under test ----------------------------------

const readProc = (path: string) => readFileSync(path, 'utf8').trim();
const procInt = (path: string) => parseInt(readProc(path), 10);

const WMEM_MAX = procInt('/proc/sys/net/core/wmem_max');
const RMEM_MAX = procInt('/proc/sys/net/core/rmem_max');
const LO_MTU = procInt('/sys/class/net/lo/mtu');
/** tcp_wmem is "min default max": the default is the initial SO_SNDBUF of a TCP socket. */
const TCP_WMEM_DEFAULT = parseInt(readProc('/proc/sys/net/ipv4/tcp_wmem').split(/\s+/)[1], 10);
const DEFAULT_CC = readProc('/proc/sys/net/ipv4/tcp_congestion_control');
const AVAILABLE_CC = readProc('/proc/sys/net/ipv4/tcp_available_congestion_control').split(/\s+/);
const ALLOWED_CC = readProc('/proc/sys/net/ipv4/tcp_allowed_congestion_control').split(/\s+/);
const AVAILABLE_ULP = existsSync('/proc/sys/net/ipv4/tcp_available_ulp')
  ? readProc('/proc/sys/net/ipv4/tcp_available_ulp').split(/\s+/).filter(Boolean) : [];
/** Supplementary groups of this process (what SO_PEERGROUPS reports for a peer in this process). */
const GROUPS = (/^Groups:(.*)$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '').trim().split(/\s+/).filter(Boolean);

/** CONFIG_HZ from /proc/config.gz, when the kernel exposes its config. */
function configHz(): number | null {
  if (!existsSync('/proc/config.gz')) return null;
  const m = /^CONFIG_HZ=(\d+)$/m.exec(gunzipSync(readFileSync('/proc/config.gz')).toString('utf8'));
  return m ? parseInt(m[1], 10) : null;
}

// ---- socket helpers -----------------------------------------------------------------------

type Outcome = { ok: true; raw: Buffer } | { ok: false; code: string };
/** EOPNOTSUPP and ENOTSUP are the same errno on Linux; name it one way. */
const canonical = (code: string) => (code === 'ENOTSUP' ? 'EOPNOTSUPP' : code);

function attempt(fn: () => Buffer | void): Outcome {
  try {
    return { ok: true, raw: fn() ?? Buffer.alloc(0) };
  } catch (err) {
    if (err instanceof SysError) return { ok: false, code: canonical(err.code) };
    throw err;
  }
}

const describe = (o: Outcome) => (o.ok ? `ok (${o.raw.toString('hex') || 'empty'})` : o.code);
const setOpt = (fd: number, e: CatalogEntry, value: OptionValue) =>
  attempt(() => setsockopt(fd, e.levelNumber, e.optname, encodeValue(e.type, value, e.name)));
const getOpt = (fd: number, e: CatalogEntry) => attempt(() => getsockopt(fd, e.levelNumber, e.optname, DEFAULT_BUFLEN[e.type]));
const decode = (e: CatalogEntry, raw: Buffer) => decodeValue(e.type, raw);

function withFresh<T>(transport: Transport, scope: FdScope, fn: (fd: number) => T): T {
  const fd = openSocket(transport, scope);
  try {
    return fn(fd);
  } finally {
    scope.close(fd);
  }
}

function withPair<T>(transport: Transport, scope: FdScope, fn: (pair: SocketPair) => T,
  beforeConnect?: (role: 'client' | 'server', fd: number) => void): T {
  const pair = connectedPair(transport, scope, { beforeConnect }, PAIR_TIMEOUT_MS);
  try {
    return fn(pair);
  } finally {
    for (const fd of [pair.client, pair.server, pair.listener]) if (fd !== null) scope.close(fd);
  }
}

const byName = new Map(CATALOG.map((e) => [e.name, e]));
function entry(name: string): CatalogEntry {
  const e = byName.get(name);
  if (!e) throw new Error(`${name} is not catalogued`);
  return e;
}

// ---- expectations -------------------------------------------------------------------------

/** Errnos meaning "this socket does not take this option". */
const REFUSED = ['ENOPROTOOPT', 'EOPNOTSUPP', 'EINVAL'];
/** Options the kernel knows on every socket but that only unix stream peers can answer: elsewhere ENODATA. */
const PEER_ONLY = new Set(['SO_PEERGROUPS', 'SO_PEERPIDFD']);
/** Read-only options whose set fails with something other than ENOPROTOOPT. */
const RO_SET_ERRNO: Record<string, string> = { TCP_TIMESTAMP: 'EPERM' /* only in TCP_REPAIR mode */ };
/** rw options for which this kernel accepts no value at all: what a typical value gets instead. */
const NO_ACCEPTED_VALUE: Record<string, { probe: OptionValue; errno: string; why: string }> = {
  TCP_ULP: { probe: 'tls', errno: 'ENOENT', why: 'no attachable ULP is built (tcp_available_ulp has no tls)' },
};

function isInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

/** Why the decoded value does not have the JS shape of `type`, or null when it does. */
function shapeProblem(e: CatalogEntry, decoded: DecodedValue | null, raw: Buffer): string | null {
  const obj = decoded as Record<string, unknown> | null;
  switch (e.type) {
    case 'int': return isInteger(decoded) && decoded >= -(2 ** 31) && decoded < 2 ** 31 ? null : 'not an int32';
    case 'uint32': return isInteger(decoded) && decoded >= 0 && decoded < 2 ** 32 ? null : 'not a uint32';
    case 'uint64': {
      if (raw.length !== 8) return 'not an 8-byte uint64';
      const exact = raw.readBigUInt64LE(0);
      // Exact: a number up to 2^53-1, past it the decimal string.
      return (isInteger(decoded) && decoded >= 0 && BigInt(decoded) === exact) || (typeof decoded === 'string' && exact > BigInt(Number.MAX_SAFE_INTEGER) && decoded === exact.toString())
        ? null : 'not an exact 8-byte uint64';
    }
    case 'bool': return typeof decoded === 'boolean' && raw.length === 4 && raw.readInt32LE(0) <= 1 && raw.readInt32LE(0) >= 0
      ? null : 'not a 0/1 int';
    case 'linger': return typeof obj === 'object' && obj !== null && isInteger(obj.onoff) && isInteger(obj.linger)
      && Object.keys(obj).length === 2 ? null : 'not {onoff, linger}';
    case 'timeval': return typeof obj === 'object' && obj !== null && isInteger(obj.sec) && isInteger(obj.usec)
      && Object.keys(obj).length === 2 ? null : 'not {sec, usec}';
    case 'string': return typeof decoded === 'string' ? null : 'not a string';
    case 'bytes': return decoded === null && Buffer.isBuffer(raw) ? null : 'not raw bytes';
    case 'tcp_info': return typeof obj === 'object' && obj !== null && isInteger(obj.state) && isInteger(obj.rtt)
      && raw.length >= 104 ? null : 'not a struct tcp_info';
  }
}

let tickUs = 0;
const roundUpToTick = (us: number) => Math.ceil(us / tickUs) * tickUs;
const timeval = (us: number) => ({ sec: Math.floor(us / 1e6), usec: us % 1e6 });
/** TCP_DEFER_ACCEPT is stored as SYN-ACK retransmissions: reads back as 2^n - 1 seconds. */
const deferRounded = (s: number) => (s <= 0 ? 0 : 2 ** Math.ceil(Math.log2(s + 1)) - 1);
const sndbuf = (v: number) => Math.max(2 * Math.min(v >>> 0, WMEM_MAX), 4608);
const rcvbuf = (v: number) => Math.max(2 * Math.min(v >>> 0, RMEM_MAX), 2304);

type Expected = DecodedValue | { raw: string };

/** What reading back `value` after setting it should give: the kernel's transformation, or the value. */
function readBack(e: CatalogEntry, value: OptionValue): Expected {
  const n = value as number;
  switch (e.name) {
    case 'SO_SNDBUF': return sndbuf(n);
    case 'SO_RCVBUF': return rcvbuf(n);
    case 'SO_RCVTIMEO':
    case 'SO_SNDTIMEO': {
      const tv = value as { sec: number; usec: number };
      return tv.sec < 0 ? { sec: 0, usec: 0 } : timeval(roundUpToTick(tv.sec * 1e6 + tv.usec));
    }
    case 'TCP_DEFER_ACCEPT': return deferRounded(n);
    case 'TCP_THIN_DUPACK': return false; // accepted, but a no-op that always reads 0
    case 'TCP_RTO_MIN_US':
    case 'TCP_DELACK_MAX_US': return roundUpToTick(n);
    case 'TCP_LINGER2': return n > 120 ? 120 : n < 0 ? -1 : n;
    case 'TCP_WINDOW_CLAMP': return n < 1152 ? 1152 : n;
    case 'IPV6_MTU': return LO_MTU; // get reports the path MTU, not the value set
  }
  switch (e.type) {
    case 'bool': return Boolean(value);
    case 'linger': {
      const l = value as { onoff: number; linger: number };
      return { onoff: l.onoff ? 1 : 0, linger: l.linger };
    }
    case 'bytes': return { raw: (value as { hex: string }).hex.toLowerCase() };
    case 'uint32': return n >>> 0;
    default: return value as DecodedValue;
  }
}

function checkReadBack(t: Test, e: CatalogEntry, transport: Transport, value: OptionValue, got: Outcome, what: string) {
  if (!got.ok) {
    t.fail(`${e.name} on ${transport}: get after ${what} failed with ${got.code}`);
    return;
  }
  const decoded = decode(e, got.raw);
  t.equal(shapeProblem(e, decoded, got.raw), null, `${e.name} on ${transport}: reads back a ${e.type}`);
  const expected = readBack(e, value);
  const actual = e.type === 'bytes' ? { raw: got.raw.toString('hex') } : decoded;
  t.strictSame(actual, expected, `${e.name} on ${transport}: ${what} reads back ${JSON.stringify(expected)}`);
}

/** Values the read-only options must have on this kernel, by transport. */
function checkReadOnlyValue(t: Test, e: CatalogEntry, transport: Transport, raw: Buffer, state: string) {
  const v = decode(e, raw);
  const info = TRANSPORT_INFO[transport];
  const where = `${e.name} on ${state} ${transport}`;
  const isTcp = transport === 'tcp4' || transport === 'tcp6';
  const isUdp = transport === 'udp4' || transport === 'udp6';
  switch (e.name) {
    case 'SO_TYPE': return t.equal(v, info.stream ? 1 : 2, where);
    case 'SO_PROTOCOL': return t.equal(v, isTcp ? 6 : isUdp ? 17 : 0, where);
    case 'SO_DOMAIN': return t.equal(v, info.domain, where);
    case 'SO_ERROR': return t.equal(v, 0, where);
    case 'SO_ACCEPTCONN': return t.equal(v, false, where);
    case 'SO_SNDLOWAT': return t.equal(v, 1, where);
    case 'SO_INCOMING_NAPI_ID': return t.equal(v, 0, `${where} (loopback has no NAPI id)`);
    case 'SO_COOKIE':
    case 'SO_NETNS_COOKIE': return t.ok((v as number) > 0, `${where} is a non-zero cookie`);
    case 'TCP_IS_MPTCP': return t.equal(v, false, where);
    case 'TCP_INFO': return t.equal((v as Record<string, number>).state, 7, `${where}: state CLOSE`);
    case 'TCP_TIMESTAMP': return t.ok(raw.length === 4, `${where} is 4 bytes`);
    case 'TCP_SAVED_SYN': return t.equal(raw.length, 0, `${where} is empty: nothing saved`);
    case 'TCP_CC_INFO':
      return DEFAULT_CC === 'bbr' ? t.equal(raw.length, 20, `${where}: bbr returns struct tcp_bbr_info`)
        : t.ok(raw.length > 0, `${where}: ${DEFAULT_CC} returns its own struct`);
    case 'SO_PEERCRED': {
      t.equal(raw.length, 12, `${where} is a 12-byte struct ucred`);
      const expectPeer = state === 'connected' && e.effectiveOn?.includes(transport);
      t.strictSame([raw.readInt32LE(0), raw.readUInt32LE(4)],
        expectPeer ? [process.pid, process.getuid!()] : [0, 0xffffffff],
        `${where}: ${expectPeer ? 'this process' : 'no peer credentials {0, -1}'}`);
      return;
    }
    case 'SO_PEERGROUPS': return t.equal(raw.length, 4 * GROUPS.length, `${where}: one gid_t per supplementary group`);
    case 'SO_PEERPIDFD': return; // checked by the caller, which owns the new descriptor
    case 'IP_MTU': return t.equal(v, transport.endsWith('6') ? LO_MTU : Math.min(LO_MTU, 65535), `${where}: loopback path MTU`);
    default: return t.fail(`${e.name}: no read-only value check written for it`);
  }
}

// ---- the catalog as data ------------------------------------------------------------------

t.test('the catalog covers every option of docs/kernel-facts.md §1, once', async (t) => {
  t.ok(CATALOG.length >= 60, `at least 60 entries (${CATALOG.length})`);
  const names = CATALOG.map((e) => e.name);
  t.strictSame(names.filter((n, i) => names.indexOf(n) !== i), [], 'no duplicate names');
  for (const [level, expected] of Object.entries(EXPECTED_NAMES)) {
    const present = CATALOG.filter((e) => e.level === level).map((e) => e.name);
    t.strictSame(expected.filter((n) => !present.includes(n)), [], `${level}: nothing missing`);
    t.ok(present.length >= 5, `${level} has ${present.length} entries`);
  }
});

t.test('every entry is well-formed', async (t) => {
  const manByLevel: Record<string, string[]> = {
    SOL_SOCKET: ['socket(7)', 'unix(7)'], IPPROTO_TCP: ['tcp(7)'], IPPROTO_IP: ['ip(7)'], IPPROTO_IPV6: ['ipv6(7)'], IPPROTO_UDP: ['udp(7)'],
  };
  for (const e of CATALOG) {
    const problems: string[] = [];
    if (!VALUE_TYPES.includes(e.type)) problems.push(`type ${e.type}`);
    if (!ACCESS.includes(e.access)) problems.push(`access ${e.access}`);
    if (!PHASES.includes(e.phase)) problems.push(`phase ${e.phase}`);
    if (!manByLevel[e.level].includes(e.man)) problems.push(`man ${e.man}`);
    if (e.summary.trim().length < 10 || e.summary.includes('\n')) problems.push('summary');
    if (new Set(e.transports).size !== e.transports.length || e.transports.some((x) => !TRANSPORTS.includes(x))) problems.push('transports');
    if (e.effectiveOn && (e.effectiveOn.length === 0 || e.effectiveOn.some((x) => !e.transports.includes(x)))) problems.push('effectiveOn ⊄ transports');
    if (e.privilege !== null && !/CAP_NET_(ADMIN|RAW)/.test(e.privilege)) problems.push('privilege names no capability');
    if (e.access === 'ro' && e.example !== undefined) problems.push('read-only with an example');
    if (e.access !== 'ro' && e.example === undefined && e.transports.length > 0 && !(e.name in NO_ACCEPTED_VALUE)) problems.push('no example');
    if (e.name in NO_ACCEPTED_VALUE && e.example !== undefined) problems.push('example for an option that accepts no value here');
    if (e.example !== undefined) {
      try { encodeValue(e.type, e.example, e.name); } catch { problems.push('example does not encode'); }
    }
    if (e.readVia !== undefined) {
      const via = byName.get(e.readVia);
      if (e.access !== 'wo') problems.push('readVia on a readable option');
      if (!via || via.access === 'wo') problems.push(`readVia ${e.readVia} is not a readable catalogued option`);
      else if (e.transports.some((x) => !via.transports.includes(x))) problems.push('readVia not readable everywhere');
    }
    if (e.name.endsWith('FORCE') && e.readVia === undefined) problems.push('FORCE option without readVia');
    if (e.getNeeds !== undefined && e.access === 'wo') problems.push('getNeeds on a write-only option');
    t.strictSame(problems, [], `${e.name}`);
  }
});

// ---- tick length, for the jiffy-rounded options -------------------------------------------

t.test('the jiffy length, measured', async (t) => {
  const scope = new FdScope();
  t.teardown(() => scope.closeAll());
  const e = entry('SO_RCVTIMEO');
  withFresh('udp4', scope, (fd) => {
    t.ok(setOpt(fd, e, { sec: 0, usec: 1 }).ok);
    const got = getOpt(fd, e);
    if (got.ok) tickUs = (decode(e, got.raw) as { usec: number }).usec;
  });
  t.ok(tickUs >= 1000 && tickUs <= 10000, `{0, 1 µs} rounds up to one tick (${tickUs} µs)`);
  const hz = configHz();
  if (hz !== null) t.equal(tickUs, Math.round(1e6 / hz), `one tick is 1/CONFIG_HZ (HZ=${hz})`);
  if (tickUs === 0) tickUs = 4000; // keep the rest meaningful: their own assertions will show the mismatch
});

// ---- every claim of every entry, on every transport ---------------------------------------

function checkRw(t: Test, e: CatalogEntry, transport: Transport, scope: FdScope) {
  if (e.example === undefined) {
    const why = NO_ACCEPTED_VALUE[e.name];
    if (!why) return t.fail(`${e.name} has no example`);
    withFresh(transport, scope, (fd) => {
      const set = setOpt(fd, e, why.probe);
      t.equal(describe(set), why.errno, `${e.name} on ${transport}: ${JSON.stringify(why.probe)} → ${why.errno}: ${why.why}`);
      const got = getOpt(fd, e);
      t.ok(got.ok, `${e.name} on ${transport}: get works (${describe(got)})`);
      if (got.ok) t.equal(shapeProblem(e, decode(e, got.raw), got.raw), null, `${e.name} reads back a ${e.type}`);
    });
    return;
  }
  if (e.getNeeds === 'connected') {
    // Set on the client before connect(); the value only reads back once connected.
    let set: Outcome = { ok: false, code: 'not called' };
    withPair(transport, scope, (pair) => {
      t.ok(set.ok, `${e.name} on ${transport}: set ${JSON.stringify(e.example)} before connect() (${describe(set)})`);
      checkReadBack(t, e, transport, e.example!, getOpt(pair.client, e), 'set before connect()');
    }, (role, fd) => { if (role === 'client') set = setOpt(fd, e, e.example!); });
    withFresh(transport, scope, (fd) => {
      t.equal(describe(getOpt(fd, e)), 'ENOTCONN', `${e.name} on ${transport}: get needs a connected socket`);
    });
    return;
  }
  withFresh(transport, scope, (fd) => {
    const set = setOpt(fd, e, e.example!);
    t.ok(set.ok, `${e.name} on ${transport}: set ${JSON.stringify(e.example)} (${describe(set)})`);
    checkReadBack(t, e, transport, e.example!, getOpt(fd, e), `set ${JSON.stringify(e.example)}`);
  });
}

function checkRo(t: Test, e: CatalogEntry, transport: Transport, scope: FdScope) {
  withFresh(transport, scope, (fd) => {
    const expected = RO_SET_ERRNO[e.name] ?? 'ENOPROTOOPT';
    t.equal(describe(attempt(() => setsockopt(fd, e.levelNumber, e.optname, Buffer.alloc(8)))), expected,
      `${e.name} on ${transport}: set → ${expected}`);
    const got = getOpt(fd, e);
    if (e.getNeeds === 'connected') {
      t.ok(!got.ok && (got.code === 'ENOTCONN' || (PEER_ONLY.has(e.name) && got.code === 'ENODATA')),
        `${e.name} on fresh ${transport}: get needs a connected socket (${describe(got)})`);
      return;
    }
    t.ok(got.ok, `${e.name} on fresh ${transport}: get works (${describe(got)})`);
    if (!got.ok) return;
    t.equal(shapeProblem(e, decode(e, got.raw), got.raw), null, `${e.name} on ${transport}: reads a ${e.type}`);
    checkReadOnlyValue(t, e, transport, got.raw, 'fresh');
  });
  if (e.getNeeds !== 'connected' && e.name !== 'SO_PEERCRED') return;
  withPair(transport, scope, (pair) => {
    const got = getOpt(pair.client, e);
    t.ok(got.ok, `${e.name} on connected ${transport}: get works (${describe(got)})`);
    if (!got.ok) return;
    t.equal(shapeProblem(e, decode(e, got.raw), got.raw), null, `${e.name} on connected ${transport}: reads a ${e.type}`);
    if (e.name === 'SO_PEERPIDFD') {
      const pidfd = got.raw.readInt32LE(0);
      scope.add(pidfd); // each get installs a new descriptor: ours to close
      const fdinfo = readFileSync(`/proc/self/fdinfo/${pidfd}`, 'utf8');
      t.match(fdinfo, new RegExp(`^Pid:\\s+${process.pid}$`, 'm'), `${e.name}: a pidfd of the peer (this process)`);
      scope.close(pidfd);
    } else {
      checkReadOnlyValue(t, e, transport, got.raw, 'connected');
    }
  });
}

function checkWo(t: Test, e: CatalogEntry, transport: Transport, scope: FdScope) {
  withFresh(transport, scope, (fd) => {
    const set = setOpt(fd, e, e.example!);
    t.ok(set.ok, `${e.name} on ${transport}: set ${JSON.stringify(e.example)} (${describe(set)})`);
    t.equal(describe(getOpt(fd, e)), 'ENOPROTOOPT', `${e.name} on ${transport}: get → ENOPROTOOPT`);
    if (e.readVia) {
      const via = entry(e.readVia);
      const got = getOpt(fd, via);
      const expected = e.name === 'SO_SNDBUFFORCE' ? Math.max(2 * (e.example as number), 4608)
        : e.name === 'SO_RCVBUFFORCE' ? Math.max(2 * (e.example as number), 2304) : undefined;
      if (expected === undefined) t.fail(`${e.name}: no readVia expectation written for it`);
      else t.equal(got.ok ? decode(via, got.raw) : describe(got), expected, `${e.name} on ${transport}: ${via.name} shows it`);
    }
  });
}

function checkRefused(t: Test, e: CatalogEntry, transport: Transport, scope: FdScope) {
  const accepted = PEER_ONLY.has(e.name) ? [...REFUSED, 'ENODATA'] : REFUSED;
  if (e.access === 'ro') {
    const got = e.getNeeds === 'connected'
      ? withPair(transport, scope, (pair) => getOpt(pair.client, e))
      : withFresh(transport, scope, (fd) => getOpt(fd, e));
    t.ok(!got.ok && accepted.includes(got.code), `${e.name} refused on ${e.getNeeds ?? 'fresh'} ${transport}: get → ${describe(got)}`);
    return;
  }
  const value: OptionValue = e.example ?? NO_ACCEPTED_VALUE[e.name]?.probe ?? 4096;
  const set = withFresh(transport, scope, (fd) => setOpt(fd, e, value));
  t.ok(!set.ok && accepted.includes(set.code), `${e.name} refused on ${transport}: set ${JSON.stringify(value)} → ${describe(set)}`);
}

for (const e of CATALOG) {
  t.test(`${e.level} ${e.name} (${e.access}, ${e.transports.join(' ') || 'nowhere'})`, async (t) => {
    const scope = new FdScope();
    t.teardown(() => scope.closeAll());
    for (const transport of TRANSPORTS) {
      if (!e.transports.includes(transport)) checkRefused(t, e, transport, scope);
      else if (e.access === 'rw') checkRw(t, e, transport, scope);
      else if (e.access === 'ro') checkRo(t, e, transport, scope);
      else checkWo(t, e, transport, scope);
    }
    t.equal(scope.size, 0, 'every descriptor closed');
  });
}

// ---- transformations and side effects the summaries promise -------------------------------

interface Transform { name: string; value: OptionValue; expect: (tr: Transport) => Expected; note: string; rawInt?: boolean }
const TRANSFORMS: Transform[] = [
  { name: 'SO_SNDBUF', value: 1, expect: () => 4608, note: 'minimum 4608' },
  { name: 'SO_RCVBUF', value: 1, expect: () => 2304, note: 'minimum 2304' },
  { name: 'SO_SNDBUF', value: 1 << 30, expect: () => 2 * WMEM_MAX, note: 'capped at 2 × wmem_max' },
  { name: 'SO_RCVBUF', value: -1, expect: () => 2 * RMEM_MAX, note: '-1 is a huge u32, capped at 2 × rmem_max' },
  { name: 'SO_REUSEADDR', value: 5, expect: () => 1, rawInt: true, note: 'non-zero is stored as 1' },
  { name: 'SO_RCVLOWAT', value: 0, expect: () => 1, note: '0 → 1' },
  { name: 'SO_RCVTIMEO', value: { sec: 0, usec: 5000 }, expect: () => timeval(roundUpToTick(5000)), note: 'rounded up to a tick' },
  { name: 'SO_SNDTIMEO', value: { sec: 2, usec: 250000 }, expect: () => timeval(roundUpToTick(2250000)), note: 'rounded up to a tick' },
  { name: 'SO_LINGER', value: { onoff: 7, linger: 3 }, expect: () => ({ onoff: 1, linger: 3 }), note: 'onoff non-zero → 1' },
  { name: 'SO_BINDTOIFINDEX', value: 9999, expect: () => 9999, note: 'no existence check' },
  { name: 'TCP_DEFER_ACCEPT', value: 2, expect: () => 3, note: 'rounded to the SYN-ACK schedule' },
  { name: 'TCP_DEFER_ACCEPT', value: 30, expect: () => 31, note: 'rounded to the SYN-ACK schedule' },
  { name: 'TCP_WINDOW_CLAMP', value: 1, expect: () => 1152, note: 'minimum 1152' },
  { name: 'TCP_LINGER2', value: 500, expect: () => 120, note: 'clamped to 120' },
  { name: 'TCP_LINGER2', value: -5, expect: () => -1, note: 'negative → -1' },
  { name: 'TCP_RTO_MIN_US', value: 5000, expect: () => roundUpToTick(5000), note: 'rounded up to a tick' },
  { name: 'TCP_NOTSENT_LOWAT', value: -1, expect: () => 0xffffffff, note: '-1 stored as 0xffffffff' },
  { name: 'IP_TOS', value: 0xff, expect: (tr) => (tr.startsWith('tcp') ? 0xfc : 0xff), note: 'TCP keeps its ECN bits' },
  { name: 'IP_TOS', value: 256, expect: () => 0, note: 'stored as u8' },
  { name: 'IPV6_TCLASS', value: 0xff, expect: (tr) => (tr.startsWith('tcp') ? 0xfc : 0xff), note: 'TCP keeps its ECN bits' },
  { name: 'IPV6_TCLASS', value: -1, expect: () => 0, note: '-1 → 0' },
  { name: 'SO_TXREHASH', value: -1, expect: () => procInt('/proc/sys/net/core/txrehash'), note: '-1 follows net.core.txrehash' },
];

t.test('documented transformations of set values', async (t) => {
  const scope = new FdScope();
  t.teardown(() => scope.closeAll());
  for (const x of TRANSFORMS) {
    const e = entry(x.name);
    for (const transport of e.transports) {
      withFresh(transport, scope, (fd) => {
        const set = setOpt(fd, e, x.value);
        t.ok(set.ok, `${x.name} ${JSON.stringify(x.value)} accepted on ${transport} (${describe(set)})`);
        const got = getOpt(fd, e);
        const actual = got.ok ? (x.rawInt ? got.raw.readInt32LE(0) : decode(e, got.raw)) : got.code;
        t.strictSame(actual, x.expect(transport), `${x.name} ${JSON.stringify(x.value)} on ${transport}: ${x.note}`);
      });
    }
  }
});

t.test('documented errors for out-of-range values', async (t) => {
  const scope = new FdScope();
  t.teardown(() => scope.closeAll());
  const cases: [string, OptionValue, string][] = [
    ['TCP_MAXSEG', 87, 'EINVAL'], ['TCP_MAXSEG', 32768, 'EINVAL'], ['TCP_KEEPIDLE', 0, 'EINVAL'], ['TCP_KEEPCNT', 128, 'EINVAL'],
    ['TCP_RTO_MAX_MS', 999, 'EINVAL'], ['TCP_RTO_MIN_US', 4000, 'EINVAL'], ['TCP_CONGESTION', 'vegas', 'ENOENT'],
    ['TCP_SAVE_SYN', 3, 'EINVAL'], ['TCP_THIN_DUPACK', 2, 'EINVAL'], ['IP_TTL', 0, 'EINVAL'], ['IP_TTL', 256, 'EINVAL'],
    ['IP_MTU_DISCOVER', 6, 'EINVAL'], ['IP_MINTTL', 256, 'EINVAL'], ['IPV6_TCLASS', 256, 'EINVAL'], ['IPV6_UNICAST_HOPS', -2, 'EINVAL'],
    ['SO_ZEROCOPY', 2, 'EINVAL'], ['SO_BUF_LOCK', 4, 'EINVAL'], ['SO_TXREHASH', 2, 'EINVAL'], ['SO_BUSY_POLL', -1, 'EINVAL'],
    ['SO_BUSY_POLL_BUDGET', 65536, 'EINVAL'], ['SO_BINDTODEVICE', 'nosuchdev0', 'ENODEV'], ['SO_RCVTIMEO', { sec: 0, usec: 1000000 }, 'EDOM'],
    ['UDP_SEGMENT', 65536, 'EINVAL'], ['UDP_ENCAP', 4, 'ENOPROTOOPT'], ['IP_LOCAL_PORT_RANGE', 50000 + 40000 * 65536, 'EINVAL'],
  ];
  for (const [name, value, errno] of cases) {
    const e = entry(name);
    const transport = e.transports[0];
    t.equal(withFresh(transport, scope, (fd) => describe(setOpt(fd, e, value))), errno, `${name} ${JSON.stringify(value)} on ${transport} → ${errno}`);
  }
});

t.test('documented side effects between options', async (t) => {
  const scope = new FdScope();
  t.teardown(() => scope.closeAll());
  const read = (fd: number, name: string) => {
    const got = getOpt(fd, entry(name));
    return got.ok ? decode(entry(name), got.raw) : got.code;
  };
  withFresh('tcp4', scope, (fd) => {
    setOpt(fd, entry('IP_TOS'), 0x10);
    t.equal(read(fd, 'SO_PRIORITY'), 6, 'IPv4 IP_TOS 0x10 rewrites SO_PRIORITY to 6');
  });
  withFresh('tcp6', scope, (fd) => {
    setOpt(fd, entry('IPV6_TCLASS'), 0x10);
    t.equal(read(fd, 'SO_PRIORITY'), 0, 'IPV6_TCLASS leaves SO_PRIORITY alone');
  });
  withFresh('udp4', scope, (fd) => {
    setOpt(fd, entry('SO_TIMESTAMP'), true);
    setOpt(fd, entry('SO_TIMESTAMPNS'), true);
    t.equal(read(fd, 'SO_TIMESTAMP'), false, 'SO_TIMESTAMPNS turns SO_TIMESTAMP off');
  });
  for (const transport of ['tcp4', 'udp4', 'unix'] as Transport[]) {
    withFresh(transport, scope, (fd) => {
      t.equal(read(fd, 'SO_BUF_LOCK'), 0, `${transport}: no buffer locked on a fresh socket`);
      setOpt(fd, entry('SO_SNDBUF'), 65536);
      t.equal(read(fd, 'SO_BUF_LOCK'), 1, `${transport}: SO_SNDBUF locks the send buffer`);
    });
  }
  withFresh('tcp4', scope, (fd) => {
    setOpt(fd, entry('SO_RCVLOWAT'), 1 << 20);
    t.equal(read(fd, 'SO_RCVBUF'), 2 << 20, 'TCP SO_RCVLOWAT 1 MiB grows an unlocked SO_RCVBUF to 2 MiB');
  });
  withFresh('tcp4', scope, (fd) => {
    setOpt(fd, entry('SO_SNDBUFFORCE'), 4 * WMEM_MAX);
    t.equal(read(fd, 'SO_SNDBUF'), Math.min(8 * WMEM_MAX, 2 ** 31 - 2), 'SO_SNDBUFFORCE ignores net.core.wmem_max');
  });
  withFresh('tcp4', scope, (fd) => {
    setOpt(fd, entry('SO_RCVBUFFORCE'), 4 * RMEM_MAX);
    t.equal(read(fd, 'SO_RCVBUF'), Math.min(8 * RMEM_MAX, 2 ** 31 - 2), 'SO_RCVBUFFORCE ignores net.core.rmem_max');
  });
  withFresh('tcp6', scope, (fd) => {
    t.ok(setOpt(fd, entry('SO_BINDTODEVICE'), 'lo').ok);
    const got = getOpt(fd, entry('SO_BINDTODEVICE'));
    t.equal(got.ok ? got.raw.length : got.code, 3, 'SO_BINDTODEVICE "lo" reads back 3 bytes (with NUL)');
  });
  withPair('tcp4', scope, (pair) => {
    const got = getOpt(pair.listener!, entry('SO_ACCEPTCONN'));
    t.equal(got.ok ? decode(entry('SO_ACCEPTCONN'), got.raw) : got.code, true, 'SO_ACCEPTCONN is 1 on a listener');
  });
  for (const transport of ['tcp4', 'tcp6'] as Transport[]) {
    withPair(transport, scope, (pair) => {
      const got = getOpt(pair.server, entry('TCP_SAVED_SYN'));
      const syn = got.ok ? got.raw : Buffer.alloc(0);
      t.equal(syn.length > 0 ? syn[0] >> 4 : -1, transport === 'tcp4' ? 4 : 6, `${transport}: TCP_SAVED_SYN on the accepted socket starts with the SYN's IP header`);
      t.ok(syn.length >= (transport === 'tcp4' ? 40 : 60), `${transport}: IP + TCP headers (${syn.length} bytes)`);
      const again = getOpt(pair.server, entry('TCP_SAVED_SYN'));
      t.equal(again.ok ? again.raw.length : -1, 0, `${transport}: the saved SYN is freed once read`);
    }, (role, fd) => { if (role === 'server') setOpt(fd, entry('TCP_SAVE_SYN'), 1); });
  }
});

t.test('defaults the summaries state, on fresh sockets', async (t) => {
  const scope = new FdScope();
  t.teardown(() => scope.closeAll());
  const defaults: [string, Transport[], DecodedValue][] = [
    ['SO_PEEK_OFF', ['tcp4', 'udp4', 'unix'], -1],
    ['SO_INCOMING_CPU', ['tcp4', 'udp6', 'unix-dgram'], -1],
    // ~0 as a u64: 2^64 - 1, past 2^53, so its exact decimal string (a JSON number would hold 2^64).
    ['SO_MAX_PACING_RATE', ['tcp4', 'udp4'], (2n ** 64n - 1n).toString()],
    ['SO_PASSRIGHTS', ['unix', 'unix-dgram'], true],
    ['SO_TXREHASH', ['tcp4', 'tcp6'], 1],
    ['SO_BINDTODEVICE', ['tcp4'], ''],
    ['SO_SNDBUF', ['tcp4', 'tcp6'], TCP_WMEM_DEFAULT],
    ['TCP_MAXSEG', ['tcp4', 'tcp6'], 536],
    ['TCP_QUICKACK', ['tcp4'], true],
    ['TCP_CONGESTION', ['tcp4', 'tcp6'], DEFAULT_CC],
    ['TCP_KEEPIDLE', ['tcp4'], procInt('/proc/sys/net/ipv4/tcp_keepalive_time')],
    ['TCP_LINGER2', ['tcp4'], procInt('/proc/sys/net/ipv4/tcp_fin_timeout')],
    ['TCP_WINDOW_CLAMP', ['tcp4'], 0],
    ['TCP_NOTSENT_LOWAT', ['tcp4'], 0],
    ['TCP_USER_TIMEOUT', ['tcp4'], 0],
    ['TCP_ULP', ['tcp4'], ''],
    ['IP_TTL', ['tcp4', 'udp4'], procInt('/proc/sys/net/ipv4/ip_default_ttl')],
    ['IP_MTU_DISCOVER', ['tcp4', 'udp4'], 1],
    ['IPV6_UNICAST_HOPS', ['tcp6', 'udp6'], 64],
    ['IPV6_AUTOFLOWLABEL', ['tcp6', 'udp6'], true],
    ['IPV6_V6ONLY', ['tcp6'], procInt('/proc/sys/net/ipv6/bindv6only') === 1],
  ];
  for (const [name, transports, expected] of defaults) {
    const e = entry(name);
    for (const transport of transports) {
      const got = withFresh(transport, scope, (fd) => getOpt(fd, e));
      t.strictSame(got.ok ? decode(e, got.raw) : got.code, expected, `${name} on fresh ${transport} is ${JSON.stringify(expected)}`);
    }
  }
});

// ---- privilege claims, checked in an unprivileged child -----------------------------------

/** Values that need the entry's privilege; `pre` is set first (an existing binding to change). */
const PRIVILEGED: Record<string, { value: OptionValue; pre?: OptionValue }[]> = {
  SO_SNDBUFFORCE: [{ value: 65536 }],
  SO_RCVBUFFORCE: [{ value: 65536 }],
  SO_MARK: [{ value: 1 }, { value: 0 }],
  SO_PRIORITY: [{ value: 7 }, { value: -1 }],
  SO_PREFER_BUSY_POLL: [{ value: true }],
  SO_BUSY_POLL_BUDGET: [{ value: 8 }],
  SO_TXTIME: [{ value: { hex: '0b00000000000000' } }], // CLOCK_TAI
  SO_BINDTODEVICE: [{ pre: 'lo', value: '' }],
  SO_BINDTOIFINDEX: [{ pre: 1, value: 0 }],
  IP_TRANSPARENT: [{ value: true }],
  IPV6_TRANSPARENT: [{ value: true }],
  TCP_CONGESTION: [],
};
/** Values documented to need no privilege even though their option has a conditional one (doc §6). */
const UNPRIVILEGED_OK: { name: string; value: OptionValue; pre?: OptionValue }[] = [
  { name: 'SO_PRIORITY', value: 6 },
  { name: 'SO_PRIORITY', value: 0 },
  { name: 'SO_BUSY_POLL', value: 50 },
  { name: 'SO_BINDTODEVICE', value: 'lo' },
  { name: 'SO_BUSY_POLL_BUDGET', value: 0 },
  { name: 'SO_TXTIME', value: { hex: '0100000000000000' } }, // CLOCK_MONOTONIC
  ...ALLOWED_CC.filter((cc) => AVAILABLE_CC.includes(cc)).map((cc) => ({ name: 'TCP_CONGESTION', value: cc })),
];

const CHILD = String.raw`
import errno, json, os, socket, sys
FAMILY = {'tcp4': (socket.AF_INET, socket.SOCK_STREAM), 'tcp6': (socket.AF_INET6, socket.SOCK_STREAM),
          'udp4': (socket.AF_INET, socket.SOCK_DGRAM), 'udp6': (socket.AF_INET6, socket.SOCK_DGRAM),
          'unix': (socket.AF_UNIX, socket.SOCK_STREAM), 'unix-dgram': (socket.AF_UNIX, socket.SOCK_DGRAM)}
def name(e):
    return errno.errorcode.get(e.errno, 'E%d' % e.errno)
capeff = [l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff:')][0]
results = []
for p in json.load(sys.stdin):
    s = socket.socket(*FAMILY[p['transport']])
    try:
        try:
            if p.get('pre') is not None:
                s.setsockopt(p['level'], p['optname'], bytes.fromhex(p['pre']))
        except OSError as e:
            results.append('pre:' + name(e))
            continue
        try:
            s.setsockopt(p['level'], p['optname'], bytes.fromhex(p['value']))
            results.append('ok')
        except OSError as e:
            results.append(name(e))
    finally:
        s.close()
print(json.dumps({'uid': os.getuid(), 'gid': os.getgid(), 'capeff': int(capeff, 16), 'results': results}))
`;

function findPython(): string | null {
  // pyenv shims live under /root and cannot run as nobody: ask the interpreter where it really is.
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  if (r.status === 0 && r.stdout.trim() !== '' && existsSync(r.stdout.trim())) return r.stdout.trim();
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : null;
}

function setprivMissing(): string | false {
  if (process.getuid?.() !== 0) return 'needs root, to drop to uid 65534';
  if (spawnSync('setpriv', ['--version']).status !== 0) return 'setpriv (util-linux) is not installed';
  if (findPython() === null) return 'python3 is not installed';
  return false;
}

t.test('privilege claims, as uid 65534 with no capabilities', { skip: setprivMissing() }, async (t) => {
  interface Probe { label: string; expect: 'ok' | 'EPERM'; transport: Transport; level: number; optname: number; value: string; pre?: string }
  const probes: Probe[] = [];
  const hex = (e: CatalogEntry, v: OptionValue) => encodeValue(e.type, v, e.name).toString('hex');
  const add = (e: CatalogEntry, value: OptionValue, expect: Probe['expect'], pre?: OptionValue) => {
    for (const transport of e.transports) {
      probes.push({
        label: `${e.name} ${pre !== undefined ? `${JSON.stringify(pre)} then ` : ''}${JSON.stringify(value)} on ${transport}`,
        expect, transport, level: e.levelNumber, optname: e.optname, value: hex(e, value),
        pre: pre === undefined ? undefined : hex(e, pre),
      });
    }
  };

  // Every option that claims a privilege must have a value here that shows it.
  for (const e of CATALOG.filter((x) => x.privilege !== null)) {
    t.ok(e.name in PRIVILEGED, `${e.name} (${e.privilege}) has a privileged probe`);
  }
  for (const [name, values] of Object.entries(PRIVILEGED)) {
    t.not(entry(name).privilege, null, `${name} is catalogued as needing a privilege`);
    for (const v of values) add(entry(name), v.value, 'EPERM', v.pre);
  }
  const restricted = ['cubic', ...AVAILABLE_CC].find((cc) => AVAILABLE_CC.includes(cc) && !ALLOWED_CC.includes(cc));
  if (restricted) add(entry('TCP_CONGESTION'), restricted, 'EPERM');
  else t.comment('every available congestion control is allowed: no TCP_CONGESTION value needs CAP_NET_ADMIN here');
  for (const x of UNPRIVILEGED_OK) add(entry(x.name), x.value, 'ok', x.pre);
  // privilege: null means no capability: every such example must work unprivileged too.
  for (const e of CATALOG.filter((x) => x.privilege === null && x.access !== 'ro' && x.example !== undefined)) add(e, e.example!, 'ok');

  const python = findPython()!;
  const child = spawnSync('setpriv', [
    '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', python, '-c', CHILD,
  ], { input: JSON.stringify(probes), encoding: 'utf8', timeout: 10_000 });
  t.equal(child.status, 0, `the child ran (${child.stderr.trim() || 'no stderr'})`);
  const out = JSON.parse(child.stdout) as { uid: number; gid: number; capeff: number; results: string[] };
  t.equal(out.uid, 65534, 'the child runs as uid 65534');
  t.equal(out.capeff, 0, 'the child has no effective capabilities');
  t.equal(out.results.length, probes.length, 'one answer per probe');
  probes.forEach((p, i) => t.equal(out.results[i], p.expect, p.label));
});

t.test('no descriptor leaked', async (t) => {
  t.equal(readdirSync('/proc/self/fd').length, fdsAtStart, 'as many open descriptors as at the start');
});
