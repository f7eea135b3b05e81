import t from 'tap';
import { AF, SOCK, close, socket } from '../../native-bindings/index.js';
import { FdScope } from '../../src/sockets/fd-scope.js';
import { openFds } from '../helpers/build.js';

t.test('closes what it owns exactly once, and survives descriptors closed behind its back', async (t) => {
  const before = await openFds();
  const scope = new FdScope();
  const a = scope.add(socket(AF.INET, SOCK.STREAM));
  const b = scope.add(socket(AF.UNIX, SOCK.DGRAM));
  const c = scope.add(socket(AF.INET6, SOCK.DGRAM));
  t.equal(scope.size, 3);
  t.equal(await openFds(), before + 3);
  scope.close(a);
  t.equal(scope.size, 2);
  scope.close(a);
  t.equal(scope.size, 2, 'closing twice is a no-op, not a second close(2) of a reused number');
  close(b);
  scope.closeAll();
  t.equal(scope.size, 0);
  t.equal(await openFds(), before);
  t.throws(() => close(c), { code: 'EBADF' }, 'c was closed by closeAll');
});
