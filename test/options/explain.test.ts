import t from 'tap';
import { errnoNumber, SysError } from '../../native-bindings/index.js';
import { findOption } from '../../src/options/catalog.js';
import { hintFor, explain, type ExplainContext } from '../../src/options/explain.js';
import type { OptionReport } from '../../src/options/types.js';

// The words of hints and notes for kernel answers that a test host cannot easily produce
// (an errno is a real SysError built from its number, as native-bindings builds it).
const ctx: ExplainContext = { transport: 'tcp4', wmemMax: 4194304, rmemMax: 4194304, tickMicros: 4000, availableCongestion: 'reno bbr cubic', allowedCongestion: 'reno bbr' };
const err = (code: string) => new SysError('setsockopt', errnoNumber(code)!);
const target = (name: string) => ({ entry: findOption(name) ?? null, name, level: findOption(name)?.level ?? 'IPPROTO_TCP' });

t.test('hints per errno', async (t) => {
  t.match(hintFor(target('TCP_CONGESTION'), err('ENOENT'), ctx), /available: reno bbr cubic/);
  t.match(hintFor(target('TCP_ULP'), err('ENOENT'), ctx), /does not know this name/);
  t.match(hintFor({ entry: null, name: '99', level: 'IPPROTO_TCP' }, err('EPERM'), ctx), /lack of privilege/);
  t.match(hintFor(target('SO_SNDBUFFORCE'), err('ENOPROTOOPT'), ctx), /write-only/);
  t.match(hintFor(target('IP_MTU'), err('ENOTCONN'), ctx), /only be read on a connected socket/);
  t.match(hintFor(target('SO_SNDBUF'), err('ENOPROTOOPT'), ctx), /this kernel refuses SO_SNDBUF on tcp4 sockets/);
  t.match(hintFor({ entry: null, name: '99', level: 'IPPROTO_TCP' }, err('ENOPROTOOPT'), ctx), /level IPPROTO_TCP has no option 99/);
  t.match(hintFor(target('TCP_MAXSEG'), err('EINVAL'), ctx), /rejected the value.*88\.\.32767/);
  t.match(hintFor({ entry: null, name: '99', level: 'IPPROTO_TCP' }, err('EINVAL'), ctx), /^the kernel rejected the value or its size\.$/);
  t.equal(hintFor(target('SO_SNDBUF'), err('EBUSY'), ctx), err('EBUSY').description);
});

const report = (over: Partial<OptionReport>): OptionReport => ({
  name: 'X', level: 'SOL_SOCKET', optname: 0, requested: 0, appliedAt: 'before-connect', before: null, effective: null, ok: true, ...over,
});

t.test('notes', async (t) => {
  t.match(explain(target('SO_SNDBUF'), report({ requested: 4096, effective: 9000 }), ctx), /stored 9000; the usual rule .* gives 8192/);
  t.match(explain(target('SO_SNDBUFFORCE'), report({ requested: 2 ** 30, effective: 2 ** 31 - 2, readVia: 'SO_SNDBUF' }), ctx), /Doubled/, 'FORCE ignores wmem_max');
  t.equal(explain(target('SO_SNDBUF'), report({ ok: false, requested: 1 }), ctx), undefined, 'failures carry a hint, not a note');
  t.match(explain(target('SO_RCVTIMEO'), report({ requested: { sec: -1, usec: 0 }, effective: { sec: 0, usec: 0 } }), ctx), /negative timeout/);
  t.equal(explain(target('SO_RCVTIMEO'), report({ requested: { sec: 1, usec: 500000 }, effective: { sec: 1, usec: 500000 } }), ctx), undefined);
  t.match(explain(target('TCP_LINGER2'), report({ requested: 500, effective: 120 }), ctx), /The kernel stored 120, not the requested 500/);
  t.match(explain({ entry: null, name: '99' }, report({ requested: 5, effective: 1 }), ctx), /^The kernel stored 1, not the requested 5\.$/);
  t.equal(explain(target('TCP_NODELAY'), report({ requested: true, effective: true }), ctx), undefined);
  t.match(explain(target('SO_KEEPALIVE'), report({ requested: true, effective: true }), { ...ctx, transport: 'udp4' }), /no effect on udp4 sockets/);
  t.match(explain(target('TCP_WINDOW_CLAMP'), report({ requested: 4096, effective: 4096, connected: 65536 }), ctx), /Once connected it reads 65536/);
});
