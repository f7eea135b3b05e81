import t from 'tap';
import { bind, getsockopt, getsockname, LEVELS, MSG, OPTNAMES, setsockopt, recv, poll, POLL } from '../../native-bindings/index.js';
import { connectedPair } from '../../src/sockets/pair.js';
import { FdScope } from '../../src/sockets/fd-scope.js';
import { TRANSPORTS } from '../../src/options/types.js';
import { formatAddress } from '../../src/sockets/address.js';
import { openFds } from '../helpers/build.js';

const int = (v: number) => { const b = Buffer.alloc(4); b.writeInt32LE(v); return b; };

t.test('every transport gives a connected pair whose ends see each other', async (t) => {
  for (const transport of TRANSPORTS) {
    const scope = new FdScope();
    try {
      const calls: string[] = [];
      const pair = connectedPair(transport, scope, {
        beforeBind: (role) => calls.push(`bind:${role}`),
        beforeConnect: (role) => calls.push(`connect:${role}`),
      }, 1000);
      t.same(calls, ['bind:server', 'connect:server', 'bind:client', 'connect:client'], `${transport} hook order`);
      t.equal(pair.nudged, false);
      t.equal(scope.size, pair.listener === null ? 2 : 3, `${transport} descriptors owned by the scope`);
      const err = getsockopt(pair.client, LEVELS.SOL_SOCKET, OPTNAMES.SOL_SOCKET.SO_ERROR, 4).readInt32LE(0);
      t.equal(err, 0);
      t.ok(formatAddress(getsockname(pair.server)).length > 0);
    } finally {
      scope.closeAll();
    }
    t.equal(scope.size, 0);
  }
});

t.test('TCP_DEFER_ACCEPT on the listener holds the connection: the nudge byte completes the pair', async (t) => {
  const scope = new FdScope();
  t.teardown(() => scope.closeAll());
  const pair = connectedPair('tcp4', scope, {
    beforeConnect: (role, fd) => { if (role === 'server') setsockopt(fd, LEVELS.IPPROTO_TCP, OPTNAMES.IPPROTO_TCP.TCP_DEFER_ACCEPT, int(1)); },
  }, 1000);
  t.equal(pair.nudged, true);
  t.equal(poll(pair.server, POLL.IN, 1000) & POLL.IN, POLL.IN);
  const buf = Buffer.alloc(4);
  t.equal(recv(pair.server, buf, 4, MSG.DONTWAIT), 1, 'the server received exactly the one nudge byte');
});

t.test('TCP_FASTOPEN_CONNECT on the client: a pair either way (deferred SYN once a cookie is cached)', async (t) => {
  const scope = new FdScope();
  t.teardown(() => scope.closeAll());
  const pair = connectedPair('tcp4', scope, {
    beforeConnect: (role, fd) => { if (role === 'client') setsockopt(fd, LEVELS.IPPROTO_TCP, OPTNAMES.IPPROTO_TCP.TCP_FASTOPEN_CONNECT, int(1)); },
  }, 1000);
  t.equal(getsockopt(pair.server, LEVELS.IPPROTO_TCP, OPTNAMES.IPPROTO_TCP.TCP_INFO, 8).readUInt8(0), 1, 'server end ESTABLISHED');
});

t.test('a failing step is a 422 error naming the step and errno, and leaks nothing', async (t) => {
  const before = await openFds();
  const scope = new FdScope();
  // Binding the client inside the hook makes the factory's own bind() fail with EINVAL.
  t.throws(() => connectedPair('tcp4', scope, {
    beforeBind: (role, fd) => { if (role === 'client') bind(fd, { family: 'inet', address: '127.0.0.1', port: 0 }); },
  }, 1000), { statusCode: 422, code: 'SOCKBENCH_PAIR_SETUP_FAILED', message: /tcp4 loopback pair: bind failed with EINVAL/ });
  scope.closeAll();
  t.equal(await openFds(), before);
});

t.test('a hook error propagates unchanged', async (t) => {
  const scope = new FdScope();
  t.teardown(() => scope.closeAll());
  t.throws(() => connectedPair('udp4', scope, { beforeConnect: () => { throw new RangeError('from hook'); } }, 1000), RangeError);
});
