import t, { type Test } from 'tap';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { readSysctlSources } from '../../src/host/sysctl-sources.js';
import { readSysctls } from '../../src/kernel/sysctls.js';
import { takeDefaults } from '../../src/host/defaults.js';
import { Value } from '@sinclair/typebox/value';
import { DefaultsSnapshotSchema } from '../../src/host/schema.js';

// A fixture tree with systemd-sysctl's four directories, /etc/sysctl.conf and a /proc/sys; the
// reader's order (file name across directories, earlier directories hiding the same name, later
// files winning, sysctl.conf last) is what systemd-sysctl and `sysctl --system` apply.

function fixture(t: Test) {
  const root = t.testdir({
    etc: {
      'sysctl.d': {
        '10-buffers.conf': '# buffers\nnet.core.rmem_max = 16777216\n; old style comment\nnet.core.wmem_max=16777216\n',
        '60-shadowed.conf': 'net.core.somaxconn = 1024\n',
        'README': 'net.core.somaxconn = 1\n',
        '99-later.conf': 'net/ipv4/tcp_rmem = 4096\t131072\t33554432\n-net.core.no_such_knob = 5\nnet.ipv4.conf.*.rp_filter = 2\n',
      },
      'sysctl.conf': 'net.core.rmem_max = 33554432\nnot a setting\nnet.ipv4.tcp_congestion_control = cubic\n',
    },
    run: { 'sysctl.d': { '50-runtime.conf': 'net.core.netdev_max_backlog = 5000\n' } },
    usr: {
      local: { lib: { 'sysctl.d': { '20-local.conf': 'net.core.wmem_max = 8388608\n' } } },
      lib: { 'sysctl.d': { '60-shadowed.conf': 'net.core.somaxconn = 65535\n', '70-vendor.conf': 'net.ipv4.tcp_sack = yes\n' } },
    },
    proc: {
      sys: {
        net: {
          core: { rmem_max: '33554432\n', wmem_max: '8388608\n', somaxconn: '4096\n', netdev_max_backlog: '5000\n' },
          ipv4: { tcp_rmem: '4096\t131072\t6291456\n', tcp_congestion_control: 'cubic\n', tcp_sack: '1\n' },
        },
      },
    },
  });
  return root;
}

t.test('systemd-sysctl order: names across directories, earlier directories hide, later files win, sysctl.conf last', async (t) => {
  const root = fixture(t);
  const running = readSysctls(join(root, 'proc/sys'));
  const s = readSysctlSources(running, root);
  t.same(s.files, [
    '/etc/sysctl.d/10-buffers.conf', '/usr/local/lib/sysctl.d/20-local.conf', '/run/sysctl.d/50-runtime.conf',
    '/etc/sysctl.d/60-shadowed.conf', '/usr/lib/sysctl.d/70-vendor.conf', '/etc/sysctl.d/99-later.conf', '/etc/sysctl.conf',
  ], 'README is no .conf; /usr/lib/sysctl.d/60-shadowed.conf is hidden by /etc/sysctl.d/60-shadowed.conf');
  t.same(s.sysctls['net.core.rmem_max'], { file: '/etc/sysctl.conf', line: 1, value: 33554432, differs: false }, 'sysctl.conf comes last and wins');
  t.same(s.sysctls['net.core.wmem_max'], { file: '/usr/local/lib/sysctl.d/20-local.conf', line: 1, value: 8388608, differs: false }, '20-local sorts after 10-buffers');
  t.same(s.sysctls['net.core.somaxconn'], { file: '/etc/sysctl.d/60-shadowed.conf', line: 1, value: 1024, differs: true }, 'a sysctl -w since boot: running 4096, persisted 1024');
  t.same(s.sysctls['net.ipv4.tcp_rmem'], { file: '/etc/sysctl.d/99-later.conf', line: 1, value: [4096, 131072, 33554432], differs: true }, 'slash-separated keys are read too');
  t.same(s.sysctls['net.ipv4.tcp_sack'], { file: '/usr/lib/sysctl.d/70-vendor.conf', line: 1, value: null, differs: true }, 'a value that does not read as the kind differs');
  t.same(s.sysctls['net.ipv4.tcp_congestion_control'], { file: '/etc/sysctl.conf', line: 3, value: 'cubic', differs: false });
  t.same(s.differing, ['net.core.somaxconn', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_sack']);
  t.same(s.missing, [{ name: 'net.core.no_such_knob', file: '/etc/sysctl.d/99-later.conf', line: 2 }], 'the kernel lacks it; the glob names no one key');
  t.notOk('net.core.busy_poll' in s.sysctls, 'only what a file sets');
});

t.test('a link to sysctl.conf is read once; no files at all is an empty answer', async (t) => {
  const root = t.testdir({ etc: { 'sysctl.d': {}, 'sysctl.conf': 'net.core.somaxconn = 4096\n' }, proc: { sys: { net: { core: { somaxconn: '4096\n' } } } } });
  symlinkSync('../sysctl.conf', join(root, 'etc/sysctl.d/99-sysctl.conf'));
  const s = readSysctlSources(readSysctls(join(root, 'proc/sys')), root);
  t.same(s.files, ['/etc/sysctl.d/99-sysctl.conf'], 'as Debian ships it: the link, once');
  t.same(s.sysctls['net.core.somaxconn'], { file: '/etc/sysctl.d/99-sysctl.conf', line: 1, value: 4096, differs: false });
  const empty = t.testdir({});
  t.same(readSysctlSources({}, empty), { files: [], sysctls: {}, differing: [], missing: [] });
});

t.test('this host: the snapshot has sources that match the schema and the files here', async (t) => {
  const snap = takeDefaults({ state: 'fresh', timeoutMs: 1000 });
  t.ok(snap.sources, 'present');
  t.same([...Value.Errors(DefaultsSnapshotSchema, snap)].map((e) => `${e.path} ${e.message}`), []);
  for (const [name, src] of Object.entries(snap.sources!.sysctls)) t.equal(src.differs, snap.sources!.differing.includes(name), name);
});
