import t from 'tap';
import { checkBaseline, compileBaseline, keyName } from '../../src/host/rules.js';

// The rule engine on its own, against hand-made snapshot documents: what each rule accepts, what
// it reports in words and fields, and which baselines it refuses before anything is checked.

const snapshot = {
  host: { hostname: 'db-7', kernel: '6.18.44' },
  state: 'fresh',
  sysctls: {
    'net.core.rmem_max': 4194304,
    'net.core.wmem_max': 67108864,
    'net.ipv4.tcp_rmem': [4096, 131072, 6291456],
    'net.ipv4.tcp_congestion_control': 'bbr',
    'net.ipv4.tcp_rto_max_ms': null,
  },
  sockets: { tcp4: { SO_RCVBUF: 131072, TCP_NODELAY: false, SO_LINGER: { onoff: 0, linger: 0 } } },
  sources: {
    files: ['/etc/sysctl.d/99-tuning.conf'],
    sysctls: {
      'net.core.wmem_max': { file: '/etc/sysctl.d/99-tuning.conf', line: 2, value: 67108864, differs: false },
      'net.core.rmem_max': { file: '/etc/sysctl.d/99-tuning.conf', line: 1, value: 16777216, differs: true },
    },
    differing: ['net.core.rmem_max'],
    missing: [],
  },
};

const check = (baseline: unknown) => checkBaseline(snapshot, compileBaseline(baseline));

t.test('each rule passes and fails as it says, with the rule and the actual value in words and fields', async (t) => {
  const ok = check({ sysctls: {
    'net.core.wmem_max': { $min: 16777216, $max: 67108864 },
    'net.ipv4.tcp_congestion_control': { $oneOf: ['bbr', 'cubic'] },
    'net.core.rmem_max': { $range: [212992, 4194304] },
    'net.ipv4.tcp_rto_max_ms': { $absent: true },
  }, sockets: { tcp4: { TCP_NODELAY: { $not: true }, SO_LINGER: { onoff: 0, linger: 0 } } } });
  t.same(ok.mismatches, []);
  t.equal(ok.checked, 6);
  t.same(ok.passed, ['/sysctls/net.core.wmem_max', '/sysctls/net.ipv4.tcp_congestion_control', '/sysctls/net.core.rmem_max', '/sysctls/net.ipv4.tcp_rto_max_ms', '/sockets/tcp4/TCP_NODELAY', '/sockets/tcp4/SO_LINGER']);

  const bad = check({ sysctls: {
    'net.core.rmem_max': { $min: 16777216 },
    'net.core.wmem_max': { $max: 4096 },
    'net.ipv4.tcp_congestion_control': { $oneOf: ['cubic', 'htcp'] },
    'net.ipv4.tcp_rto_max_ms': { $absent: false },
  }, sockets: { tcp4: { SO_RCVBUF: { $range: [1, 1024] }, TCP_NODELAY: { $not: false } } } });
  t.same(bad.mismatches, [
    { path: '/sysctls/net.core.rmem_max', rule: '$min', expected: 16777216, actual: 4194304, message: 'net.core.rmem_max is 4194304, below the minimum 16777216' },
    { path: '/sysctls/net.core.wmem_max', rule: '$max', expected: 4096, actual: 67108864, message: 'net.core.wmem_max is 67108864, above the maximum 4096' },
    { path: '/sysctls/net.ipv4.tcp_congestion_control', rule: '$oneOf', expected: ['cubic', 'htcp'], actual: 'bbr', message: 'net.ipv4.tcp_congestion_control is bbr, not one of cubic, htcp' },
    { path: '/sysctls/net.ipv4.tcp_rto_max_ms', rule: '$absent', expected: false, actual: null, absent: true, message: 'net.ipv4.tcp_rto_max_ms is absent, but it must exist' },
    { path: '/sockets/tcp4/SO_RCVBUF', rule: '$range', expected: [1, 1024], actual: 131072, message: 'tcp4 SO_RCVBUF is 131072, outside the range 1 to 1024' },
    { path: '/sockets/tcp4/TCP_NODELAY', rule: '$not', expected: false, actual: false, message: 'tcp4 TCP_NODELAY is false, a value the baseline rules out' },
  ]);
  t.same(bad.passed, []);
  const present = check({ sysctls: { 'net.core.rmem_max': { $absent: true } } });
  t.match(present.mismatches, [{ rule: '$absent', message: 'net.core.rmem_max is 4194304, but it must be absent on this kernel' }]);
  const missing = check({ sysctls: { 'net.core.nope': { $min: 1 } } });
  t.match(missing.mismatches, [{ path: '/sysctls/net.core.nope', rule: '$min', absent: true, actual: null, message: /absent on this host/ }]);
  const notNumber = check({ sockets: { tcp4: { TCP_NODELAY: { $min: 1 } } } });
  t.match(notNumber.mismatches, [{ rule: '$min', message: 'tcp4 TCP_NODELAY is false, not a number, so not at least 1' }]);
});

t.test('lists are checked element by element; null is any value', async (t) => {
  t.same(check({ sysctls: { 'net.ipv4.tcp_rmem': [null, null, { $min: 4194304 }] } }).mismatches, []);
  t.same(check({ sysctls: { 'net.ipv4.tcp_rmem': [4096, null, { $max: 8388608 }] } }).passed, ['/sysctls/net.ipv4.tcp_rmem']);
  const r = check({ sysctls: { 'net.ipv4.tcp_rmem': [{ $min: 8192 }, null, { $min: 16777216 }] } });
  t.equal(r.checked, 1, 'one entry, however many elements have rules');
  t.same(r.mismatches, [
    { path: '/sysctls/net.ipv4.tcp_rmem/0', rule: '$min', expected: 8192, actual: 4096, message: 'net.ipv4.tcp_rmem[0] is 4096, below the minimum 8192' },
    { path: '/sysctls/net.ipv4.tcp_rmem/2', rule: '$min', expected: 16777216, actual: 6291456, message: 'net.ipv4.tcp_rmem[2] is 6291456, below the minimum 16777216' },
  ]);
  const short = check({ sysctls: { 'net.ipv4.tcp_rmem': [null, { $min: 1 }] } });
  t.match(short.mismatches, [{ path: '/sysctls/net.ipv4.tcp_rmem', rule: '$eq', message: 'net.ipv4.tcp_rmem is 4096 131072 6291456, not a list of 2 values' }]);
  t.same(check({ sysctls: { 'net.ipv4.tcp_rmem': [4096, 131072, 6291456] } }).mismatches, [], 'a plain list is an exact match');
  t.equal(check({ sysctls: { 'net.ipv4.tcp_rmem': [4096, 131072, 6291457] } }).mismatches[0].rule, '$eq');
});

t.test('$persisted: the running value must be the one a sysctl file sets', async (t) => {
  t.same(check({ sysctls: { 'net.core.wmem_max': { $persisted: true, $min: 1 } } }).mismatches, []);
  t.same(check({ sysctls: { 'net.core.rmem_max': { $persisted: true } } }).mismatches, [{
    path: '/sysctls/net.core.rmem_max', rule: '$persisted', expected: true, actual: 16777216,
    message: 'net.core.rmem_max is 4194304 but /etc/sysctl.d/99-tuning.conf:1 sets 16777216, so a reboot changes it',
  }]);
  t.match(check({ sysctls: { 'net.ipv4.tcp_rmem': { $persisted: true } } }).mismatches, [{ actual: null, message: 'net.ipv4.tcp_rmem is 4096 131072 6291456 but no sysctl file sets it, so a reboot resets it' }]);
  const { sources: _s, ...older } = snapshot;
  t.match(checkBaseline(older, compileBaseline({ sysctls: { 'net.core.wmem_max': { $persisted: true } } })).mismatches, [{ message: /says nothing of sysctl files/ }]);
});

t.test('bad rules are refused naming the path, before any checking', async (t) => {
  const refused = (baseline: unknown, field: string, message: RegExp) => {
    t.throws(() => compileBaseline(baseline), { code: 'SOCKBENCH_INVALID_RULE', statusCode: 400, field, message }, `${field}: ${message}`);
  };
  refused({ sysctls: { 'net.core.rmem_max': { $gte: 1 } } }, 'body.sysctls.net.core.rmem_max', /unknown rule operator "\$gte"; the operators are \$min, \$max/);
  refused({ sysctls: { 'net.core.rmem_max': { $min: '16M' } } }, 'body.sysctls.net.core.rmem_max', /\$min takes a number, got "16M"/);
  refused({ sysctls: { 'net.ipv4.tcp_congestion_control': { $min: 3 } } }, 'body.sysctls.net.ipv4.tcp_congestion_control', /is text .*\$min compares numbers/);
  refused({ sysctls: { 'net.ipv4.tcp_rmem': { $min: 3 } } }, 'body.sysctls.net.ipv4.tcp_rmem', /one rule per element.*\[null, null, \{"\$min"/);
  refused({ sysctls: { 'net.core.rmem_max': { $range: [10, 1] } } }, 'body.sysctls.net.core.rmem_max', /\$range \[10, 1\] is empty: its low end is above its high end/);
  refused({ sysctls: { 'net.core.rmem_max': { $range: [1] } } }, 'body.sysctls.net.core.rmem_max', /\$range takes \[low, high\]/);
  refused({ sysctls: { 'net.core.rmem_max': { $oneOf: [] } } }, 'body.sysctls.net.core.rmem_max', /\$oneOf takes a list of 1 to 64/);
  refused({ sysctls: { 'net.core.rmem_max': { $oneOf: [1, { x: 1 }] } } }, 'body.sysctls.net.core.rmem_max.$oneOf.1', /is not a snapshot value/);
  refused({ sysctls: { 'net.core.rmem_max': { $min: 1, max: 2 } } }, 'body.sysctls.net.core.rmem_max', /mixes rule operators with plain keys \(max\)/);
  refused({ sysctls: { 'net.core.rmem_max': { $absent: 'yes' } } }, 'body.sysctls.net.core.rmem_max', /\$absent takes true/);
  refused({ sockets: { tcp4: { SO_RCVBUF: { $persisted: true } } } }, 'body.sockets.tcp4.SO_RCVBUF', /\$persisted applies to sysctls only/);
  refused({ sysctls: { 'net.core.rmem_max': { $persisted: false } } }, 'body.sysctls.net.core.rmem_max', /\$persisted takes true/);
  refused({ sysctls: { 'net.ipv4.tcp_rmem': [null, null, { $oneOf: [] }] } }, 'body.sysctls.net.ipv4.tcp_rmem.2', /\$oneOf takes/);
  refused({ sysctls: { 'net.ipv4.tcp_rmem': [null, 'x', null] } }, 'body.sysctls.net.ipv4.tcp_rmem.1', /an element is a number, a rule or null/);
  refused({ sysctls: { 'net.ipv4.tcp_rmem': [null, { $absent: true }, null] } }, 'body.sysctls.net.ipv4.tcp_rmem.1', /\$absent applies to a whole key/);
  refused({ sysctls: { 'net.core.rmem_max': [null, { $min: 1 }] } }, 'body.sysctls.net.core.rmem_max', /is one number, not a list/);
  refused({ sockets: { tcp4: { SO_RCVBUF: [{}] } } }, 'body.sockets.tcp4.SO_RCVBUF', /is not a snapshot value/);
  t.throws(() => compileBaseline({ sysctls: { 'net.core.rmem_max': { $min: 'x' } } }, 'body.overrides'), { field: 'body.overrides.sysctls.net.core.rmem_max', message: /takes a number/ });
});

t.test('struct values stay values; ignored paths are left out before they are checked', async (t) => {
  const entries = compileBaseline({ host: { hostname: 'x', kernel: '6.18.44' }, sockets: { tcp4: { SO_LINGER: { onoff: 1, linger: 5 } } }, sources: { missing: [{ name: 'x' }] } }, 'body', ['/host/hostname', '/sources']);
  t.same(entries.map((e) => e.path), ['/host/kernel', '/sockets/tcp4/SO_LINGER']);
  t.same(checkBaseline(snapshot, entries).mismatches.map((m) => m.path), ['/sockets/tcp4/SO_LINGER']);
  t.equal(keyName('/sysctls/net.ipv4.tcp_rmem/2'), 'net.ipv4.tcp_rmem[2]');
  t.equal(keyName('/sockets/unix-dgram/SO_SNDBUF'), 'unix-dgram SO_SNDBUF');
  t.equal(keyName('/host/kernel'), '/host/kernel');
});
