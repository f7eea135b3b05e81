import t from 'tap';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { CATALOG } from '../../src/options/catalog.js';
import { TRANSPORTS, type Transport } from '../../src/options/types.js';
import { takeDefaults, type DefaultsSnapshot } from '../../src/host/defaults.js';
import { hostFacts } from '../../src/kernel/facts.js';
import { DefaultsSnapshotSchema } from '../../src/host/schema.js';
import { readSysctls, sysctlValue, SYSCTLS, type SysctlKind } from '../../src/kernel/sysctls.js';

const TIMEOUT_MS = 1000;

// ---- independent readers ------------------------------------------------------------------

const sysctlPath = (root: string, name: string) => join(root, name.replace(/\./g, '/'));

/** The test's own reading of a sysctl file: undefined when it does not exist. */
function parseFile(kind: SysctlKind, text: string): unknown {
  const fields = text.trim().split(/[ \t\n]+/);
  if (kind === 'string') return fields.join(' ');
  if (fields.some((f) => !/^-?[0-9]+$/.test(f))) return null;
  if (kind === 'numbers') return fields.map((f) => parseInt(f, 10));
  return fields.length === 1 ? parseInt(fields[0], 10) : null;
}

function liveSysctl(name: string): unknown {
  const kind = SYSCTLS.find((s) => s.name === name)!.kind;
  return parseFile(kind, readFileSync(sysctlPath('/proc/sys', name), 'utf8'));
}

/** What the spec says a snapshot reads on `transport`, in catalog order. */
function expectedOptions(transport: Transport, state: 'fresh' | 'connected'): string[] {
  return CATALOG.filter((e) => (e.access === 'rw' || e.access === 'ro') && e.transports.includes(transport) && !e.volatile &&
    e.type !== 'bytes' && e.type !== 'tcp_info' && (state === 'connected' || e.getNeeds !== 'connected')).map((e) => e.name);
}

const catalogued = (name: string) => CATALOG.some((e) => e.name === name);
const skipUnless = (name: string) => (catalogued(name) ? false : `${name} is not catalogued`);

// Python's socket module: getsockopt on fresh sockets, with the same level/optname numbers.
const PYTHON = String.raw`
import errno, json, socket, struct, sys
FAMILY = {'tcp4': (socket.AF_INET, socket.SOCK_STREAM), 'tcp6': (socket.AF_INET6, socket.SOCK_STREAM),
          'udp4': (socket.AF_INET, socket.SOCK_DGRAM), 'udp6': (socket.AF_INET6, socket.SOCK_DGRAM),
          'unix': (socket.AF_UNIX, socket.SOCK_STREAM), 'unix-dgram': (socket.AF_UNIX, socket.SOCK_DGRAM)}
def read(s, o):
    level, name, kind = o['level'], o['optname'], o['type']
    if kind in ('int', 'bool'):
        return s.getsockopt(level, name)
    if kind == 'uint32':
        return s.getsockopt(level, name) & 0xffffffff
    if kind == 'uint64':
        b = s.getsockopt(level, name, 8)
        v = struct.unpack('=Q', b)[0] if len(b) == 8 else struct.unpack('=I', b[:4])[0]
        return v if v <= 2**53 - 1 else str(v)
    if kind == 'string':
        return s.getsockopt(level, name, 64).split(b'\0')[0].decode()
    if kind == 'linger':
        onoff, linger = struct.unpack('=ii', s.getsockopt(level, name, 8))
        return {'onoff': onoff, 'linger': linger}
    if kind == 'timeval':
        sec, usec = struct.unpack('=ll', s.getsockopt(level, name, struct.calcsize('=ll')))
        return {'sec': sec, 'usec': usec}
    raise ValueError(kind)
out = {}
for transport, options in json.load(sys.stdin).items():
    s = socket.socket(*FAMILY[transport])
    try:
        values = {}
        for o in options:
            try:
                values[o['name']] = {'value': read(s, o)}
            except OSError as e:
                values[o['name']] = {'error': errno.errorcode[e.errno]}
        out[transport] = values
    finally:
        s.close()
print(json.dumps(out))
`;

type PythonResult = Record<string, Record<string, { value: unknown } | { error: string }>>;

function pythonDefaults(): PythonResult {
  const request = Object.fromEntries(TRANSPORTS.map((tr) => [tr, expectedOptions(tr, 'fresh').map((name) => {
    const e = CATALOG.find((c) => c.name === name)!;
    return { name, level: e.levelNumber, optname: e.optname, type: e.type };
  })]));
  return JSON.parse(execFileSync('python3', ['-c', PYTHON], { input: JSON.stringify(request), encoding: 'utf8' })) as PythonResult;
}

function schemaProblems(snapshot: unknown): string {
  return [...Value.Errors(DefaultsSnapshotSchema, snapshot)].slice(0, 10).map((e) => `${e.path}: ${e.message}`).join('; ');
}

// ---- sysctls ------------------------------------------------------------------------------

t.test('the sysctl list covers docs/kernel-facts.md §3', async (t) => {
  t.ok(SYSCTLS.length >= 40, `${SYSCTLS.length} sysctls`);
  t.equal(new Set(SYSCTLS.map((s) => s.name)).size, SYSCTLS.length, 'names are unique');
  const live = readSysctls();
  t.same(Object.keys(live), SYSCTLS.map((s) => s.name), 'keys in list order');
  t.type(live['net.core.wmem_max'], 'number');
  t.ok(Array.isArray(live['net.ipv4.tcp_rmem']) && (live['net.ipv4.tcp_rmem'] as number[]).length === 3, 'tcp_rmem is a triple');
  t.type(live['net.ipv4.tcp_congestion_control'], 'string');
  t.equal(live['net.ipv4.tcp_notsent_lowat'], 4294967295, 'UINT_MAX stays a number');
});

t.test('readSysctls against /proc/sys equals the files read here', async (t) => {
  const live = readSysctls();
  for (const { name, kind } of SYSCTLS) {
    const file = sysctlPath('/proc/sys', name);
    if (!existsSync(file)) {
      t.equal(live[name], null, `${name} is missing here, so null`);
      continue;
    }
    const expected = parseFile(kind, readFileSync(file, 'utf8'));
    t.not(expected, null, `${name} reads as a ${kind}`);
    t.same(live[name], expected, name);
    t.same(sysctlValue(name), expected, `sysctlValue(${name})`);
  }
});

t.test('readSysctls agrees with sysctl(8)', { skip: existsSync('/usr/sbin/sysctl') || existsSync('/sbin/sysctl') ? false : 'no sysctl binary' }, async (t) => {
  const bin = existsSync('/usr/sbin/sysctl') ? '/usr/sbin/sysctl' : '/sbin/sysctl';
  const present = SYSCTLS.filter((s) => existsSync(sysctlPath('/proc/sys', s.name)));
  const lines = execFileSync(bin, ['-n', ...present.map((s) => s.name)], { encoding: 'utf8' }).trimEnd().split('\n');
  t.equal(lines.length, present.length);
  const live = readSysctls();
  present.forEach((s, i) => t.same(live[s.name], parseFile(s.kind, lines[i]), s.name));
});

t.test('readSysctls on a fake root: null for what is missing or malformed, each kind parsed', async (t) => {
  const root = t.testdir({
    net: {
      core: {
        wmem_max: '212992\n',
        somaxconn: 'lots\n',
        rmem_max: {}, // a directory: unreadable as a file
        default_qdisc: '  fq_codel \n',
      },
      ipv4: {
        tcp_rmem: '4096\t87380\t6291456\n',
        tcp_wmem: '4096 16384\n',
        tcp_congestion_control: 'cubic\n',
        tcp_available_congestion_control: 'reno\tcubic   bbr\n',
        tcp_notsent_lowat: '4294967295\n',
        ip_default_ttl: '64 65\n',
        tcp_ecn: '-1\n',
      },
    },
  });
  const s = readSysctls(root);
  t.same(Object.keys(s), SYSCTLS.map((x) => x.name));
  t.equal(s['net.core.wmem_max'], 212992);
  t.equal(s['net.core.somaxconn'], null, 'not a number');
  t.equal(s['net.core.rmem_max'], null, 'a directory');
  t.equal(s['net.core.default_qdisc'], 'fq_codel');
  t.same(s['net.ipv4.tcp_rmem'], [4096, 87380, 6291456]);
  t.same(s['net.ipv4.tcp_wmem'], [4096, 16384]);
  t.equal(s['net.ipv4.tcp_congestion_control'], 'cubic');
  t.equal(s['net.ipv4.tcp_available_congestion_control'], 'reno cubic bbr', 'whitespace collapsed');
  t.equal(s['net.ipv4.tcp_notsent_lowat'], 4294967295);
  t.equal(s['net.ipv4.ip_default_ttl'], null, 'two numbers where one is expected');
  t.equal(s['net.ipv4.tcp_ecn'], -1);
  t.equal(s['net.ipv4.tcp_sack'], null, 'missing file');
  t.equal(s['net.unix.max_dgram_qlen'], null, 'missing directory');
  const given = new Set(['net.core.wmem_max', 'net.core.default_qdisc', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem',
    'net.ipv4.tcp_congestion_control', 'net.ipv4.tcp_available_congestion_control', 'net.ipv4.tcp_notsent_lowat', 'net.ipv4.tcp_ecn']);
  t.same(Object.entries(s).filter(([k, v]) => v !== null && !given.has(k)), [], 'nothing else has a value');
  t.equal(sysctlValue('net.core.wmem_max', root), 212992);
  t.equal(sysctlValue('net.ipv4.tcp_sack', root), null);
  t.equal(sysctlValue('net.core.wmem_max', join(root, 'nowhere')), null);
});

// ---- host facts ---------------------------------------------------------------------------

t.test('hostFacts', async (t) => {
  const before = Date.now();
  const h = hostFacts();
  t.equal(h.kernel, readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim());
  t.equal(h.hostname, readFileSync('/proc/sys/kernel/hostname', 'utf8').trim());
  t.equal(h.arch, process.arch);
  t.ok(Number.isInteger(h.cpus) && h.cpus >= 1 && h.cpus <= os.cpus().length, `cpus ${h.cpus}`);
  t.equal(h.cpuModel, os.cpus()[0].model.trim() || null);
  const taken = Date.parse(h.takenAt);
  t.equal(new Date(taken).toISOString(), h.takenAt, 'ISO 8601');
  t.ok(taken >= before - 1 && taken <= Date.now() + 1, 'taken now');
});

// ---- socket defaults ----------------------------------------------------------------------

t.test('fresh sockets: the same values as Python sockets, and §1 facts from live sysctls', async (t) => {
  const snap = takeDefaults({ state: 'fresh', timeoutMs: TIMEOUT_MS });
  t.equal(snap.state, 'fresh');
  t.same(snap.errors, [], 'no read failed');
  const py = pythonDefaults();
  for (const tr of TRANSPORTS) {
    const names = expectedOptions(tr, 'fresh');
    t.same(Object.keys(snap.sockets[tr]), names, `${tr}: every readable option, in catalog order`);
    for (const name of names) {
      const ours = snap.sockets[tr][name];
      const theirs = py[tr][name];
      if ('error' in theirs) {
        t.equal(ours, null, `${tr} ${name}: Python got ${theirs.error}`);
        t.ok(snap.errors.some((e) => e.transport === tr && e.option === name && e.code === theirs.error), `${tr} ${name}: error listed`);
      } else if (typeof ours === 'boolean') {
        t.equal(ours, theirs.value !== 0, `${tr} ${name} = ${String(ours)}`);
      } else {
        t.same(ours, theirs.value, `${tr} ${name} = ${JSON.stringify(ours)}`);
      }
    }
  }

  const tcpWmem = liveSysctl('net.ipv4.tcp_wmem') as number[];
  const tcpRmem = liveSysctl('net.ipv4.tcp_rmem') as number[];
  t.equal(snap.sockets.tcp4.SO_SNDBUF, tcpWmem[1], 'tcp4 SO_SNDBUF = tcp_wmem[1]');
  t.equal(snap.sockets.tcp4.SO_RCVBUF, tcpRmem[1], 'tcp4 SO_RCVBUF = tcp_rmem[1]');
  t.equal(snap.sockets.udp4.SO_SNDBUF, liveSysctl('net.core.wmem_default'), 'udp4 SO_SNDBUF = wmem_default');
  t.test('IP_TTL = ip_default_ttl', { skip: skipUnless('IP_TTL') }, async (t) => {
    t.equal(snap.sockets.tcp4.IP_TTL, liveSysctl('net.ipv4.ip_default_ttl'));
    t.equal(snap.sockets.udp4.IP_TTL, liveSysctl('net.ipv4.ip_default_ttl'));
  });
  t.test('TCP_KEEPIDLE = tcp_keepalive_time', { skip: skipUnless('TCP_KEEPIDLE') }, async (t) => {
    t.equal(snap.sockets.tcp4.TCP_KEEPIDLE, liveSysctl('net.ipv4.tcp_keepalive_time'));
  });
  t.test('TCP_CONGESTION = tcp_congestion_control', { skip: skipUnless('TCP_CONGESTION') }, async (t) => {
    t.equal(snap.sockets.tcp4.TCP_CONGESTION, liveSysctl('net.ipv4.tcp_congestion_control'));
  });
});

t.test('connected sockets: send autotuning grew SO_SNDBUF, path MTU known', async (t) => {
  const fresh = takeDefaults({ state: 'fresh', timeoutMs: TIMEOUT_MS });
  const snap = takeDefaults({ state: 'connected', timeoutMs: TIMEOUT_MS });
  t.equal(snap.state, 'connected');
  t.same(snap.errors, [], 'no read failed');
  for (const tr of TRANSPORTS) t.same(Object.keys(snap.sockets[tr]), expectedOptions(tr, 'connected'), `${tr} keys`);
  const sndbuf = snap.sockets.tcp4.SO_SNDBUF as number;
  t.ok(sndbuf > (fresh.sockets.tcp4.SO_SNDBUF as number), `tcp4 SO_SNDBUF ${String(fresh.sockets.tcp4.SO_SNDBUF)} → ${sndbuf}`);
  t.ok(sndbuf <= (liveSysctl('net.ipv4.tcp_wmem') as number[])[2], 'no more than tcp_wmem[2]');
  t.test('IP_MTU on loopback', { skip: skipUnless('IP_MTU') }, async (t) => {
    t.equal(snap.sockets.tcp4.IP_MTU, 65535);
  });
});

t.test('no descriptor leaks over 50 rounds of both states', async (t) => {
  takeDefaults({ state: 'fresh', timeoutMs: TIMEOUT_MS });
  takeDefaults({ state: 'connected', timeoutMs: TIMEOUT_MS });
  const before = readdirSync('/proc/self/fd').length;
  for (let i = 0; i < 50; i++) {
    takeDefaults({ state: 'fresh', timeoutMs: TIMEOUT_MS });
    takeDefaults({ state: 'connected', timeoutMs: TIMEOUT_MS });
  }
  t.equal(readdirSync('/proc/self/fd').length, before);
});

t.test('snapshots validate against the typebox schema, which is strict', async (t) => {
  for (const state of ['fresh', 'connected'] as const) {
    const snap = takeDefaults({ state, timeoutMs: TIMEOUT_MS });
    t.ok(Value.Check(DefaultsSnapshotSchema, snap), `${state}: ${schemaProblems(snap)}`);
  }
  const snap = takeDefaults({ state: 'fresh', timeoutMs: TIMEOUT_MS });
  const broken: Array<[string, (s: DefaultsSnapshot) => void]> = [
    ['a number sysctl as text', (s) => { (s.sysctls as Record<string, unknown>)['net.core.wmem_max'] = '4194304'; }],
    ['a missing sysctl', (s) => { delete s.sysctls['net.ipv4.tcp_rmem']; }],
    ['an unknown option', (s) => { s.sockets.udp4.SO_NOPE = 1; }],
    ['a missing option', (s) => { delete s.sockets.tcp4.SO_SNDBUF; }],
    ['an int option as a boolean', (s) => { s.sockets.tcp4.SO_SNDBUF = true; }],
    ['a bad error entry', (s) => { s.errors.push({ transport: 'tcp9' as Transport, option: 'X', code: 'E' }); }],
    ['an unknown state', (s) => { (s as { state: string }).state = 'warm'; }],
    ['no cpu count', (s) => { delete (s.host as Partial<DefaultsSnapshot['host']>).cpus; }],
  ];
  for (const [what, mutate] of broken) {
    const copy = structuredClone(snap);
    mutate(copy);
    t.notOk(Value.Check(DefaultsSnapshotSchema, copy), `rejects ${what}`);
  }
});

// A network namespace whose lo is down has no loopback addresses: no inet pair can be built.
const canUnshare = (() => {
  try {
    execFileSync('unshare', ['-n', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

t.test('without loopback (fresh netns): same keys, nulls explained in errors, nothing leaked', { skip: canUnshare ? false : 'unshare -n is not permitted here' }, async (t) => {
  const mod = pathToFileURL(join(process.cwd(), 'src/host/defaults.ts')).href;
  const script = `const { takeDefaults } = await import(${JSON.stringify(mod)});
const { readdirSync } = await import('node:fs');
const count = () => readdirSync('/proc/self/fd').length;
const before = count();
const snapshot = takeDefaults({ state: 'connected', timeoutMs: ${TIMEOUT_MS} });
console.log(JSON.stringify({ before, after: count(), snapshot }));`;
  const out = execFileSync('unshare', ['-n', process.execPath, ...process.execArgv, '--input-type=module', '-e', script], { encoding: 'utf8' });
  const { before, after, snapshot } = JSON.parse(out) as { before: number; after: number; snapshot: DefaultsSnapshot };
  t.equal(after, before, 'every descriptor closed after failed pairs');
  t.ok(Value.Check(DefaultsSnapshotSchema, snapshot), schemaProblems(snapshot));
  const host = takeDefaults({ state: 'connected', timeoutMs: TIMEOUT_MS });
  for (const tr of TRANSPORTS) {
    t.same(Object.keys(snapshot.sockets[tr]), Object.keys(host.sockets[tr]), `${tr}: same keys as with loopback`);
    const errors = snapshot.errors.filter((e) => e.transport === tr);
    if (tr === 'unix' || tr === 'unix-dgram') {
      t.same(errors, [], `${tr} needs no loopback`);
      t.same(snapshot.sockets[tr], host.sockets[tr], `${tr} values as on the host`);
    } else {
      t.same(Object.values(snapshot.sockets[tr]).filter((v) => v !== null), [], `${tr}: every value null`);
      t.same(errors.map((e) => [e.option, e.code]), Object.keys(snapshot.sockets[tr]).map((n) => [n, tr.endsWith('4') ? 'ENETUNREACH' : 'EADDRNOTAVAIL']), `${tr}: each null explained by the errno of the failed step`);
    }
  }
});
