import t from 'tap';
import { PROFILE_DATA } from '../../src/host/profile-data.js';
import { getProfile, listProfiles, loadProfiles, resolveBaseline } from '../../src/host/profiles.js';
import { checkBaseline } from '../../src/host/rules.js';

// The shipped profiles as data: each entry cites a source, extends resolves, and bad data is an
// error when the profiles load, not when a client asks.

t.test('every shipped entry cites a source and compiles; extends replaces by path', async (t) => {
  for (const p of PROFILE_DATA) {
    for (const e of p.entries) t.match(e.source, /^(https:\/\/\S+|measured: .+)$/, `${p.name} ${e.path}`);
  }
  t.same(listProfiles().map((p) => [p.name, p.extends, p.entries]), [
    ['fasterdata-10g', null, 7], ['fasterdata-100g', 'fasterdata-10g', 8], ['kernel-defaults-6', null, 26], ['low-latency', null, 3],
  ]);
  const p100 = getProfile('fasterdata-100g');
  t.same(p100.entries.filter((e) => e.profile === 'fasterdata-10g').map((e) => e.path), [
    '/sysctls/net.ipv4.tcp_congestion_control', '/sysctls/net.core.default_qdisc', '/sysctls/net.ipv4.tcp_mtu_probing',
  ], 'the base profile keeps only what the extension does not replace');
  t.throws(() => getProfile('nope'), { code: 'SOCKBENCH_PROFILE_NOT_FOUND', statusCode: 404 });
});

t.test('bad profile data fails at load: an unknown base, a cycle, a bad rule', async (t) => {
  t.throws(() => loadProfiles([{ name: 'a', summary: '', extends: 'b', entries: [] }]), /profile a extends b, which does not exist/);
  t.throws(() => loadProfiles([{ name: 'a', summary: '', extends: 'b', entries: [] }, { name: 'b', summary: '', extends: 'a', entries: [] }]), /a cycle/);
  t.throws(() => loadProfiles([{ name: 'a', summary: '', entries: [{ path: '/sysctls/net.core.rmem_max', rule: { $min: 'x' }, source: 's' }] }]), { code: 'SOCKBENCH_INVALID_RULE', field: 'profile a.sysctls.net.core.rmem_max' });
});

t.test('resolveBaseline names the field it was given, so a baseline from the environment says where it is wrong', async (t) => {
  const r = resolveBaseline({ profile: 'low-latency', overrides: { sysctls: { 'net.core.somaxconn': { $min: 1 } } } }, 'SOCKBENCH_BASELINE');
  t.equal(r.profile, 'low-latency');
  t.same(r.baseline.map((e) => [e.path, e.origin?.profile ?? null]), [
    ['/sysctls/net.core.busy_read', 'low-latency'], ['/sysctls/net.core.busy_poll', 'low-latency'], ['/sysctls/net.ipv4.tcp_fastopen', 'low-latency'], ['/sysctls/net.core.somaxconn', null],
  ]);
  const snapshot = { sysctls: { 'net.core.busy_read': 50, 'net.core.busy_poll': 0, 'net.ipv4.tcp_fastopen': 3, 'net.core.somaxconn': 4096 } };
  t.match(checkBaseline(snapshot, r.baseline).mismatches, [{ path: '/sysctls/net.core.busy_poll', profile: 'low-latency', source: /^https:\/\/github.com\/redhat-performance\/tuned\// }]);
  t.throws(() => resolveBaseline({ profile: 'nope' }, 'SOCKBENCH_BASELINE'), { code: 'SOCKBENCH_UNKNOWN_PROFILE', field: 'SOCKBENCH_BASELINE.profile' });
  t.throws(() => resolveBaseline({ sysctls: { x: { $bad: 1 } } }, 'SOCKBENCH_BASELINE'), { field: 'SOCKBENCH_BASELINE.sysctls.x', message: /unknown rule operator/ });
  t.throws(() => resolveBaseline({ sysctls: {} }, 'SOCKBENCH_BASELINE'), { field: 'SOCKBENCH_BASELINE', message: /no values to check/ });
  t.equal(resolveBaseline({ state: 'connected', sockets: { tcp4: { SO_TYPE: 1 } } }, 'body').state, 'connected');
});
