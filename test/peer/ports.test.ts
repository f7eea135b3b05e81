import t from 'tap';
import { close, socket, AF, SOCK } from '../../native-bindings/index.js';
import { loadConfig } from '../../src/config.js';
import { parsePortRange } from '../../src/config.js';
import { bindInRange } from '../../src/peer/ports.js';

t.test('SOCKBENCH_DATA_PORTS: a range or one port, checked when the configuration loads', async (t) => {
  t.same(parsePortRange('5201-5264'), { first: 5201, last: 5264 });
  t.same(parsePortRange(' 7000 '), { first: 7000, last: 7000 });
  t.same(parsePortRange('7000 - 7001'), { first: 7000, last: 7001 });
  for (const bad of ['', 'abc', '0', '70000', '10-5', '1-65536', '5201,5202']) {
    t.throws(() => parsePortRange(bad), { message: /SOCKBENCH_DATA_PORTS must be a port or a range "first-last" within 1-65535/ }, JSON.stringify(bad));
  }
  t.throws(() => loadConfig({ SOCKBENCH_DATA_PORTS: '9-1' }), /SOCKBENCH_DATA_PORTS/);
  t.equal(loadConfig({}).SOCKBENCH_DATA_PORTS, '5201-5264');
});

t.test('bindInRange takes the first free port, and says when there is none', async (t) => {
  const fds = [0, 1, 2].map(() => socket(AF.INET, SOCK.STREAM | SOCK.CLOEXEC, 0));
  t.teardown(() => fds.forEach((fd) => close(fd)));
  const range = { first: 5361, last: 5362 };
  t.equal(bindInRange(fds[0], 'inet', range), 5361);
  t.equal(bindInRange(fds[1], 'inet', range), 5362);
  t.equal(bindInRange(fds[2], 'inet', range), null, 'every port taken');
});
