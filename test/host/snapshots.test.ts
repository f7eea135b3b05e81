import t, { type Test } from 'tap';
import type { DefaultsSnapshot, SnapshotState } from '../../src/host/defaults.js';
import { SnapshotService } from '../../src/host/snapshots.js';
import { RunStore } from '../../src/runs/store.js';
import { tempDataDir } from '../helpers/data-dir.js';

// Diff's bookkeeping, not the snapshot itself (test/host/defaults.test.ts and the routes test that):
// each stored side is read once, and "current" is taken once, in the state the other side asks for.

/** Counts what diff reads and takes; a taken snapshot is a stand-in. */
function service(t: Test) {
  const store = new RunStore(tempDataDir(t), { maxRuns: 10, maxAgeDays: 0 });
  t.teardown(() => store.close());
  const counts = { reads: 0, takes: [] as SnapshotState[] };
  const getSnapshot = store.getSnapshot.bind(store);
  store.getSnapshot = (id) => {
    counts.reads++;
    return getSnapshot(id);
  };
  const snapshots = new class extends SnapshotService {
    override take(state: SnapshotState): DefaultsSnapshot {
      counts.takes.push(state);
      return { host: { hostname: 'now', takenAt: new Date().toISOString() }, state, sysctls: { x: counts.takes.length } } as unknown as DefaultsSnapshot;
    }
  }(store, 1000);
  return { store, snapshots, counts };
}

t.test('a stored side is read once; "current" is taken in its state', async (t) => {
  const { store, snapshots, counts } = service(t);
  store.putSnapshot({ id: 'c', createdAt: new Date().toISOString(), label: null, hostname: 'h', state: 'connected', document: { host: { hostname: 'h' }, state: 'connected', sysctls: { x: 1 } } });
  const result = snapshots.diff('c', 'current', []);
  t.equal(counts.reads, 1);
  t.same(counts.takes, ['connected']);
  t.match(result, { identical: true, a: { source: 'stored', id: 'c', state: 'connected' }, b: { source: 'current', state: 'connected' } });
});

t.test('"current" on both sides is one snapshot; fresh unless a side says otherwise', async (t) => {
  const { snapshots, counts } = service(t);
  t.match(snapshots.diff('current', 'current', []), { identical: true, a: { source: 'current' }, b: { source: 'current' } });
  t.same(counts.takes, ['fresh']);
});

t.test('an unknown id is a 404 naming its side, before anything is taken', async (t) => {
  const { snapshots, counts } = service(t);
  t.throws(() => snapshots.diff('current', 'nope', []), { statusCode: 404, message: /^body\.b: no stored snapshot nope/ });
  t.same(counts.takes, []);
});
