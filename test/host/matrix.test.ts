import t from 'tap';
import { matrixOf, matrixSummary, type MatrixEntry } from '../../src/host/matrix.js';

// The matrix as a pure function of documents: who holds which value, the majority, the outliers.

function entry(hostname: string | null, doc: Record<string, unknown>, label: string | null = null): MatrixEntry {
  return { doc: { host: { hostname }, ...doc }, host: { hostname, label, source: 'inline', id: null, takenAt: null, state: null } };
}
const IDENTITY = ['/host/hostname'];

t.test('each differing key: its values with their hosts, most hosts first; the majority; the outliers', async (t) => {
  const m = matrixOf([
    entry('a', { sysctls: { rmem: 1, cc: 'cubic', tcp_rmem: [4096, 131072, 6291456] }, sockets: { tcp4: { SO_LINGER: { onoff: 0, linger: 0 } } } }),
    entry('b', { sysctls: { rmem: 2, cc: 'cubic', tcp_rmem: [4096, 131072, 6291456] }, sockets: { tcp4: { SO_LINGER: { onoff: 0, linger: 0 } } } }),
    entry('c', { sysctls: { rmem: 2, cc: 'bbr', tcp_rmem: [4096, 131072, 16777216] }, sockets: { tcp4: { SO_LINGER: { onoff: 0, linger: 0 } } } }),
    entry('d', { sysctls: { rmem: 2, cc: 'cubic', tcp_rmem: [4096, 131072, 6291456] }, sockets: { tcp4: { SO_LINGER: { onoff: 0, linger: 0 } } } }),
  ], IDENTITY);
  t.equal(m.summary, '2 of 4 hosts differ on 3 keys');
  t.match(m, { identical: false, hostCount: 4, differingHosts: 2, differingKeys: 3, comparedKeys: 4 });
  t.same(m.keys.map((k) => k.path), ['/sysctls/rmem', '/sysctls/cc', '/sysctls/tcp_rmem'], 'document order; the equal linger is not listed');
  t.same(m.keys[0], {
    path: '/sysctls/rmem',
    values: [{ value: 2, count: 3, hosts: ['b', 'c', 'd'] }, { value: 1, count: 1, hosts: ['a'] }],
    majority: 2, majorityCount: 3, tied: false, outliers: ['a'],
  });
  t.same(m.keys[2].values.map((v) => v.value), [[4096, 131072, 6291456], [4096, 131072, 16777216]], 'a triple is one value');
  t.same(m.hosts.map((h) => [h.name, h.differs]), [['a', 1], ['b', 0], ['c', 2], ['d', 0]]);
});

t.test('a key some hosts lack is a value of its own; a tie goes to the earliest snapshot', async (t) => {
  const m = matrixOf([
    entry('new', { sysctls: { knob: 7, x: 1 } }),
    entry('old', { sysctls: { x: 2 } }),
  ], IDENTITY);
  t.same(m.keys, [
    { path: '/sysctls/knob', values: [{ value: 7, count: 1, hosts: ['new'] }, { value: null, absent: true, count: 1, hosts: ['old'] }], majority: 7, majorityCount: 1, tied: true, outliers: ['old'] },
    { path: '/sysctls/x', values: [{ value: 1, count: 1, hosts: ['new'] }, { value: 2, count: 1, hosts: ['old'] }], majority: 1, majorityCount: 1, tied: true, outliers: ['old'] },
  ]);
  t.equal(m.summary, '1 of 2 hosts differs on 2 keys');
  const later = matrixOf([entry('old', { sysctls: { x: 2 } }), entry('new', { sysctls: { knob: 7, x: 1 } })], IDENTITY);
  t.same(later.keys.map((k) => k.path), ['/sysctls/x', '/sysctls/knob'], 'keys only later snapshots have come after the first one\'s');
  t.same(later.keys.map((k) => k.outliers), [['new'], ['new']]);
});

t.test('ignored paths and everything under them are left out; hostname is identity, not a difference', async (t) => {
  const m = matrixOf([
    entry('a', { sysctls: { x: 1 }, sockets: { unix: { SO_SNDBUF: 1 } } }),
    entry('b', { sysctls: { x: 1 }, sockets: { unix: { SO_SNDBUF: 2 } } }),
  ], [...IDENTITY, '/sockets/unix']);
  t.match(m, { identical: true, differingHosts: 0, differingKeys: 0, comparedKeys: 1, keys: [], summary: 'all 2 hosts agree on all 1 key', ignored: ['/host/hostname', '/sockets/unix'] });
  t.equal(matrixOf([entry('a', { x: 1 }), entry('b', { x: 1 })], []).comparedKeys, 2, 'without the identity path, the hostname is a key');
});

t.test('names: the hostname, a label in parentheses, #N for repeats, the position when there is no hostname', async (t) => {
  const m = matrixOf([
    entry('db-7', { x: 1 }), entry('db-7', { x: 2 }, 'before tuning'), entry('db-7', { x: 2 }), entry(null, { x: 3 }), entry('db-7', { x: 4 }, 'before tuning'),
  ], IDENTITY);
  t.same(m.hosts.map((h) => h.name), ['db-7', 'db-7 (before tuning)', 'db-7 #2', 'snapshot 3', 'db-7 (before tuning) #2']);
  t.same(m.hosts.map((h) => h.label), [null, 'before tuning', null, null, 'before tuning']);
});

t.test('summary: plurals, and the agreeing case', async (t) => {
  t.equal(matrixSummary(40, 3, 2, 380), '3 of 40 hosts differ on 2 keys');
  t.equal(matrixSummary(40, 1, 1, 380), '1 of 40 hosts differs on 1 key');
  t.equal(matrixSummary(5, 0, 0, 380), 'all 5 hosts agree on all 380 keys');
});
