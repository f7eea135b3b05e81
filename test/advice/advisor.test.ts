import t from 'tap';
import { Value } from '@sinclair/typebox/value';
import { advise, FASTERDATA_URL, type AdviceHost } from '../../src/advice/advisor.js';
import { bdpBytes, windowLimitBitsPerSecond, windowShare } from '../../src/advice/bdp.js';
import { AdviceSchema, type Advice, type SettingAdvice } from '../../src/advice/schema.js';

// The advisor is a pure function of the path and the host's facts: these checks give it the
// sysctls of a stock 6.18 host (the values measured on this project's VM) and compare its figures
// with the arithmetic done by hand.

const STOCK_618: AdviceHost['sysctls'] = {
  'net.core.rmem_max': 4194304,
  'net.core.wmem_max': 4194304,
  'net.ipv4.tcp_rmem': [4096, 131072, 33554432],
  'net.ipv4.tcp_wmem': [4096, 16384, 4194304],
  'net.ipv4.tcp_mem': [287901, 383868, 575802],
  'net.ipv4.tcp_moderate_rcvbuf': 1,
  'net.ipv4.tcp_window_scaling': 1,
  'net.ipv4.tcp_adv_win_scale': 1,
  'net.ipv4.tcp_congestion_control': 'bbr',
  'net.ipv4.tcp_available_congestion_control': 'reno bbr cubic',
  'net.core.default_qdisc': 'pfifo_fast',
  'net.ipv4.tcp_slow_start_after_idle': 1,
  'net.ipv4.tcp_mtu_probing': 0,
  'net.ipv4.tcp_timestamps': 1,
  'net.ipv4.tcp_sack': 1,
  'net.core.netdev_max_backlog': 1000,
  'net.core.somaxconn': 4096,
};

function host(overrides: AdviceHost['sysctls'] = {}, kernel = '6.18.44'): AdviceHost {
  return { hostname: 'vm', kernel, takenAt: '2026-12-03T08:00:00.000Z', sysctls: { ...STOCK_618, ...overrides }, fqBuilt: false, measuredShare: null };
}

const setting = (a: Advice, name: string): SettingAdvice => {
  const s = a.settings.find((x) => x.name === name);
  if (!s) throw new Error(`no row for ${name}`);
  return s;
};

const REQUIRED = [
  'net.core.rmem_max', 'net.core.wmem_max', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'net.ipv4.tcp_adv_win_scale',
  'net.ipv4.tcp_window_scaling', 'net.ipv4.tcp_congestion_control', 'net.core.default_qdisc', 'net.ipv4.tcp_slow_start_after_idle',
  'net.ipv4.tcp_mtu_probing', 'net.ipv4.tcp_timestamps', 'net.ipv4.tcp_sack', 'net.core.netdev_max_backlog', 'net.core.somaxconn',
];

t.test('1 Gbit/s x 1 ms: 125000 bytes in flight, 250000-byte buffers, nothing to change on a stock host', async (t) => {
  const a = advise({ bandwidthBitsPerSecond: 1e9, rttMs: 1, run: null }, host());
  t.ok(Value.Check(AdviceSchema, a), 'the document matches its response schema');
  // 1e9 bit/s x 0.001 s / 8 = 125000 B; at a 50 % window share the buffer is twice that.
  t.equal(a.bdpBytes, 125000);
  t.equal(a.window.share, 0.5);
  t.equal(a.window.mechanism, 'scaling_ratio');
  t.equal(a.window.bufferBytes, 250000);
  t.equal(a.window.socketOptionBytes, 125000, 'SO_RCVBUF=125000 is stored doubled: 250000');
  t.equal(a.window.sendBufferBytes, 250000);
  t.equal(a.window.windowScale, 1, '65535 << 1 = 131070 covers 125000');
  t.equal(a.window.connectionsNeeded, 1);
  for (const name of REQUIRED) t.ok(a.settings.some((s) => s.name === name), `a row for ${name}`);
  t.same(a.settings.filter((s) => s.verdict !== 'ok').map((s) => s.name), [], 'every setting is enough');
  t.same(a.commands, []);
  t.match(a.sysctlFile.content, /Nothing to change/);
  t.equal(setting(a, 'net.core.netdev_max_backlog').needed, 1000, '334 packets in 4 ms: the 1000 floor');
  t.equal(a.applied, false);
});

t.test('10 Gbit/s x 100 ms: 125 MB in flight, 250 MB buffers; the buffer sysctls are too small', async (t) => {
  const a = advise({ bandwidthBitsPerSecond: 10e9, rttMs: 100, run: null }, host());
  // 1e10 x 0.1 / 8 = 125,000,000 B.
  t.equal(a.bdpBytes, 125_000_000);
  t.equal(a.window.bufferBytes, 250_000_000);
  t.equal(a.window.socketOptionBytes, 125_000_000);
  t.equal(a.window.windowScale, 11, '65535 << 10 = 67107840 is short, << 11 = 134215680 covers it');
  const rmem = setting(a, 'net.core.rmem_max');
  t.same([rmem.current, rmem.needed, rmem.verdict, rmem.set], [4194304, 125_000_000, 'too-small', 134217728], 'rmem_max: set to the power of two above 125e6');
  t.match(rmem.reason, /8388608 bytes: a window of 4194304 bytes, 335\.544 Mbit\/s/, '4194304 B x 8 / 0.1 s = 335.5 Mbit/s');
  t.match(rmem.source, FASTERDATA_URL);
  const tcpRmem = setting(a, 'net.ipv4.tcp_rmem');
  t.same([tcpRmem.needed, tcpRmem.set, tcpRmem.verdict], [[4096, 131072, 250_000_000], [4096, 131072, 268435456], 'too-small']);
  t.match(tcpRmem.reason, /window stops at 16777216 bytes, 1\.342 Gbit\/s/, '32 MiB x 50 % = 16 MiB; x 8 / 0.1 s = 1.342 Gbit/s');
  const tcpWmem = setting(a, 'net.ipv4.tcp_wmem');
  t.same([tcpWmem.needed, tcpWmem.set, tcpWmem.verdict], [[4096, 16384, 250_000_000], [4096, 16384, 268435456], 'too-small']);
  const backlog = setting(a, 'net.core.netdev_max_backlog');
  t.same([backlog.needed, backlog.verdict], [4000, 'too-small'], '833333 packets/s x 4 ms = 3334, rounded up to 4000');
  const mem = setting(a, 'net.ipv4.tcp_mem');
  t.equal((mem.needed as number[])[1], 61036, '250e6 / 4096 = 61035.2 pages');
  t.equal(mem.verdict, 'ok');
  t.same(a.commands, [
    'sysctl -w net.core.rmem_max=134217728',
    'sysctl -w net.core.wmem_max=134217728',
    'sysctl -w net.ipv4.tcp_rmem="4096 131072 268435456"',
    'sysctl -w net.ipv4.tcp_wmem="4096 16384 268435456"',
    'sysctl -w net.core.netdev_max_backlog=4000',
  ]);
  t.match(a.sysctlFile.content, /^net\.ipv4\.tcp_rmem = 4096 131072 268435456$/m);
  t.match(a.sysctlFile.content, /^# .*applies nothing/m);
  t.equal(a.sysctlFile.path, '/etc/sysctl.d/90-sockbench.conf');
  t.match(a.summary, /125000000 bytes .* 250000000-byte receive buffer/);
});

t.test('100 Gbit/s x 10 ms: the same 125 MB in flight, but ten times the packet rate', async (t) => {
  const a = advise({ bandwidthBitsPerSecond: 100e9, rttMs: 10, run: null }, host());
  t.equal(a.bdpBytes, 125_000_000, '1e11 x 0.01 / 8');
  t.equal(a.window.bufferBytes, 250_000_000);
  t.equal(setting(a, 'net.core.netdev_max_backlog').needed, 34000, '8333333 packets/s x 4 ms = 33334, rounded up to 34000');
  t.match(setting(a, 'net.ipv4.tcp_timestamps').reason, /wraps in 0\.3 s/, '2^32 x 8 / 1e11 = 0.34 s');
});

t.test('requested SO_RCVBUF/SO_SNDBUF: doubled, clamped to the max, raised to the minimum, autotuning off', async (t) => {
  const a = advise({ bandwidthBitsPerSecond: 1e9, rttMs: 1, run: null }, host(), { SO_RCVBUF: 65536, SO_SNDBUF: 1 });
  const [rcv, snd] = a.buffers;
  t.same([rcv.option, rcv.storedBytes, rcv.clamped, rcv.raisedToMinimum, rcv.autotuning, rcv.windowBytes], ['SO_RCVBUF', 131072, false, false, 'off', 65536]);
  t.equal(rcv.maxBitsPerSecond, Math.round(windowLimitBitsPerSecond(65536, 1000)), '65536 B / 1 ms = 524.3 Mbit/s');
  t.equal(rcv.enough, false, '65536 < 125000');
  t.match(rcv.note, /ask for 125000/);
  t.same([snd.option, snd.storedBytes, snd.raisedToMinimum, snd.windowBytes], ['SO_SNDBUF', 4608, true, 2304], 'the 4608 minimum');
  const big = advise({ bandwidthBitsPerSecond: 1e9, rttMs: 1, run: null }, host(), { SO_RCVBUF: 2 ** 30 }).buffers[0];
  t.same([big.storedBytes, big.clamped, big.limit, big.enough], [8388608, true, { name: 'net.core.rmem_max', value: 4194304 }, true], '2 x rmem_max');
  t.match(big.note, /cut to 4194304 and doubled: 8388608/);
});

t.test('settings that hurt: no window scaling, no timestamps, reno', async (t) => {
  const a = advise({ bandwidthBitsPerSecond: 1e9, rttMs: 20, run: null }, host({
    'net.ipv4.tcp_window_scaling': 0, 'net.ipv4.tcp_timestamps': 0, 'net.ipv4.tcp_sack': 0,
    'net.ipv4.tcp_congestion_control': 'reno', 'net.core.somaxconn': 128,
  }));
  const ws = setting(a, 'net.ipv4.tcp_window_scaling');
  t.same([ws.verdict, ws.set], ['too-small', 1]);
  t.match(ws.reason, /no window exceeds 65535 bytes, 26\.214 Mbit\/s/, '65535 x 8 / 0.02 s');
  t.same([setting(a, 'net.ipv4.tcp_timestamps').verdict, setting(a, 'net.ipv4.tcp_sack').verdict], ['unusual', 'unusual']);
  const cc = setting(a, 'net.ipv4.tcp_congestion_control');
  t.same([cc.verdict, cc.needed, cc.set], ['unusual', 'bbr', 'bbr']);
  t.same([setting(a, 'net.core.somaxconn').verdict, setting(a, 'net.core.somaxconn').set], ['too-small', 4096]);
  t.ok(a.commands.includes('sysctl -w net.ipv4.tcp_window_scaling=1'));
  const unread = advise({ bandwidthBitsPerSecond: 1e9, rttMs: 1, run: null }, host({ 'net.core.rmem_max': null }));
  t.same([setting(unread, 'net.core.rmem_max').verdict, setting(unread, 'net.core.rmem_max').current], ['unusual', null], 'an unreadable sysctl is said so');
});

t.test('each row\'s other cases: cubic, fq, autotuning off, little TCP memory, an old kernel\'s odd scale', async (t) => {
  const path = { bandwidthBitsPerSecond: 10e9, rttMs: 100, run: null };
  const a = advise(path, { ...host({
    'net.ipv4.tcp_congestion_control': 'cubic', 'net.core.default_qdisc': 'fq', 'net.ipv4.tcp_moderate_rcvbuf': 0,
    'net.ipv4.tcp_mem': [10000, 20000, 30000], 'net.ipv4.tcp_slow_start_after_idle': 0, 'net.ipv4.tcp_mtu_probing': 1,
  }), fqBuilt: true });
  const cc = setting(a, 'net.ipv4.tcp_congestion_control');
  t.same([cc.verdict, cc.set], ['ok', null]);
  t.match(cc.reason, /cubic is loss-based: .* 83334-packet window.* bbr is available here/, '125e6 B / 1500 B = 83334 packets');
  t.match(setting(a, 'net.core.default_qdisc').reason, /^fq schedules flows fairly and paces them/);
  const moderate = setting(a, 'net.ipv4.tcp_moderate_rcvbuf');
  t.same([moderate.verdict, moderate.set], ['too-small', 1]);
  t.match(moderate.reason, /^Receive autotuning is off/);
  const mem = setting(a, 'net.ipv4.tcp_mem');
  t.same([mem.verdict, mem.set], ['too-small', [10000, 61036, 71036]], 'pressure raised to one connection\'s pages, max kept as far above it');
  t.match(mem.reason, /pressure threshold 20000 \(78\.1 MiB\) is below it/);
  t.match(setting(a, 'net.ipv4.tcp_slow_start_after_idle').reason, /keeps its congestion window/);
  t.match(setting(a, 'net.ipv4.tcp_mtu_probing').reason, /^1 = on after an ICMP black hole/);

  const unknownFq = advise(path, { ...host(), fqBuilt: null });
  t.match(setting(unknownFq, 'net.core.default_qdisc').reason, /does not say whether fq is built/);
  const cubicNoBbr = advise(path, host({ 'net.ipv4.tcp_congestion_control': 'cubic', 'net.ipv4.tcp_available_congestion_control': 'reno cubic' }));
  t.notMatch(setting(cubicNoBbr, 'net.ipv4.tcp_congestion_control').reason, /bbr is available/);
  const renoOnly = advise(path, host({ 'net.ipv4.tcp_congestion_control': 'reno', 'net.ipv4.tcp_available_congestion_control': 'reno' }));
  t.same([setting(renoOnly, 'net.ipv4.tcp_congestion_control').verdict, setting(renoOnly, 'net.ipv4.tcp_congestion_control').needed], ['ok', null], 'nothing better to offer');

  const old = advise(path, host({ 'net.ipv4.tcp_adv_win_scale': 5 }, '4.19.0'));
  const scale = setting(old, 'net.ipv4.tcp_adv_win_scale');
  t.same([scale.verdict, scale.set, old.window.share], ['unusual', 1, 1 - 1 / 32]);
  t.equal(setting(advise(path, host({ 'net.ipv4.tcp_adv_win_scale': 2 }, '5.4.0')), 'net.ipv4.tcp_adv_win_scale').verdict, 'ok', '2 was the default before 4.19');
  t.equal(setting(advise(path, host({ 'net.ipv4.tcp_adv_win_scale': null })), 'net.ipv4.tcp_adv_win_scale').verdict, 'ok', 'absent: nothing to check');
  const none = advise(path, host({ 'net.ipv4.tcp_rmem': null, 'net.ipv4.tcp_congestion_control': null, 'net.core.somaxconn': null }));
  t.same(['net.ipv4.tcp_rmem', 'net.ipv4.tcp_congestion_control', 'net.core.somaxconn'].map((n) => setting(none, n).verdict), ['unusual', 'unusual', 'unusual']);
});

t.test('the window share: scaling_ratio from 6.6, tcp_adv_win_scale before', async (t) => {
  t.same([windowShare('6.18.44-fc', 1).ratio, windowShare('6.18.44-fc', 1).mechanism], [0.5, 'scaling_ratio']);
  t.same([windowShare('6.6.0', 2).ratio, windowShare('6.6.0', 2).mechanism], [0.5, 'scaling_ratio'], 'ignored from 6.6 on');
  t.same([windowShare('5.15.0-91-generic', 1).ratio, windowShare('5.15.0', 1).mechanism], [0.5, 'tcp_adv_win_scale'], '1 - 1/2');
  t.equal(windowShare('4.14.0', 2).ratio, 0.75, '1 - 1/4');
  t.equal(windowShare('4.14.0', -2).ratio, 0.25, '1/4');
  const old = advise({ bandwidthBitsPerSecond: 10e9, rttMs: 100, run: null }, host({ 'net.ipv4.tcp_adv_win_scale': 2 }, '5.15.0'));
  t.equal(old.window.bufferBytes, 166_666_667, '125e6 / 0.75, rounded up');
  t.equal(old.window.sendBufferBytes, 250_000_000, 'the send side is twice the data in flight whatever the share');
});

t.test('a share measured on the host is used, and said how it compares with the kernel\'s rule', async (t) => {
  const measured = { ...host(), measuredShare: { rcvbufBytes: 131072, windowClampBytes: 65536, ratio: 0.5 } };
  const a = advise({ bandwidthBitsPerSecond: 1e9, rttMs: 1, run: null }, measured);
  t.same(a.window.measured, { rcvbufBytes: 131072, windowClampBytes: 65536 });
  t.match(a.window.derivation, /^Measured now: .* at 65536 bytes of its 131072-byte SO_RCVBUF, 50\.0 %, the 50\.0 % the kernel's rule gives\. Kernel 6\.18\.44: since Linux 6\.6/);
  const odd = advise({ bandwidthBitsPerSecond: 1e9, rttMs: 1, run: null }, { ...host(), measuredShare: { rcvbufBytes: 131072, windowClampBytes: 98304, ratio: 0.75 } });
  t.equal(odd.window.share, 0.75);
  t.equal(odd.window.bufferBytes, 166667, '125000 / 0.75, rounded up');
  t.match(odd.window.derivation, /75\.0 %, not the 50\.0 % the kernel's rule gives; the measurement is used/);
  t.match(advise({ bandwidthBitsPerSecond: 1e9, rttMs: 1, run: null }, host()).window.derivation, /Not measured here/);
  t.equal(advise({ bandwidthBitsPerSecond: 1e9, rttMs: 1, run: null }, host()).window.measured, null);
});

t.test('beyond one connection: TCP\'s largest window and the largest socket buffer', async (t) => {
  const a = advise({ bandwidthBitsPerSecond: 1e13, rttMs: 10000, run: null }, host());
  t.equal(a.bdpBytes, bdpBytes(1e13, 1e7));
  t.equal(a.bdpBytes, 12_500_000_000_000);
  t.equal(a.window.windowScale, null);
  t.equal(a.window.connectionsNeeded, Math.ceil(12.5e12 / (65535 * 2 ** 14)));
  t.match(a.summary, /parallel connections/);
  t.equal(setting(a, 'net.core.rmem_max').set, 2 ** 31 - 1, 'never beyond INT_MAX');
});
