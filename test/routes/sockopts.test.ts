import t from 'tap';
import { readFileSync } from 'node:fs';
import { build } from '../helpers/build.js';

const wmemMax = Number(readFileSync('/proc/sys/net/core/wmem_max', 'utf8'));
const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
const tcpWmem = readFileSync('/proc/sys/net/ipv4/tcp_wmem', 'utf8').trim().split(/\s+/).map(Number);
const tcpRmem = readFileSync('/proc/sys/net/ipv4/tcp_rmem', 'utf8').trim().split(/\s+/).map(Number);

interface Report { name: string; requested: unknown; before: unknown; effective: unknown; connected?: unknown; ok: boolean; note?: string; error?: { code: string; hint: string }; appliedAt: string }

t.test('tcp4 SO_SNDBUF 4096: before the default, effective doubled, and a note saying why', async (t) => {
  const app = await build(t);
  const res = await app.inject({ method: 'POST', url: '/v1/sockopts', payload: { transport: 'tcp4', options: { SO_SNDBUF: 4096 } } });
  t.equal(res.statusCode, 200, res.body);
  const body = res.json();
  t.equal(body.transport, 'tcp4');
  t.equal(body.side, 'client');
  t.match(body.pair.client, /^127\.0\.0\.1:\d+$/);
  const r: Report = body.options[0];
  t.equal(r.name, 'SO_SNDBUF');
  t.equal(r.requested, 4096);
  t.equal(r.before, tcpWmem[1], 'before is tcp_wmem[1] (16384 on a default host)');
  t.equal(r.effective, 8192);
  t.equal(r.connected, 8192, 'a locked buffer is not autotuned on connect');
  t.equal(r.appliedAt, 'before-connect');
  t.ok(r.ok);
  t.match(r.note, /Doubled/);
  t.match(r.note, /4096 becomes 8192/);
  t.match(r.note, /autotuning is off/);
});

t.test('buffer clamping, minimums and negative values are explained with the sysctl and its value', async (t) => {
  const app = await build(t);
  const res = await app.inject({
    method: 'POST', url: '/v1/sockopts',
    payload: { transport: 'udp4', options: [
      { name: 'SO_SNDBUF', value: 2 ** 30 },
      { name: 'SO_RCVBUF', value: 1 },
      { name: 'SO_RCVBUF', value: -1 },
    ] },
  });
  t.equal(res.statusCode, 200, res.body);
  const [big, tiny, negative]: Report[] = res.json().options;
  t.equal(big.effective, 2 * wmemMax);
  t.match(big.note, `Clamped to net.core.wmem_max (${wmemMax}) and doubled`);
  t.equal(tiny.effective, 2304);
  t.match(tiny.note, /Raised to the minimum 2304/);
  t.equal(negative.effective, 2 * rmemMax);
  t.match(negative.note, /-1 is read as the unsigned 4294967295/);
});

t.test('server side: SO_RCVBUF on the listener before listen() is inherited by the accepted socket', async (t) => {
  const app = await build(t);
  const res = await app.inject({ method: 'POST', url: '/v1/sockopts', payload: { transport: 'tcp4', side: 'server', options: { SO_RCVBUF: 4096 }, get: [{ name: 'TCP_WINDOW_CLAMP' }, { name: 'TCP_INFO' }] } });
  t.equal(res.statusCode, 200, res.body);
  const body = res.json();
  t.equal(body.side, 'server');
  const r: Report = body.options[0];
  t.equal(r.before, tcpRmem[1]);
  t.equal(r.effective, 8192);
  t.equal(r.connected, 8192);
  const [clamp, info] = body.get;
  t.equal(clamp.value, 4096, 'window clamp follows the listener SO_RCVBUF (docs/kernel-facts.md §1.2)');
  t.equal(info.value.state, 1, 'ESTABLISHED');
  t.equal(info.value.rcv_wscale, 0, 'a 4096-byte receive buffer needs no window scaling');
  t.ok(info.length >= 232);
  t.equal(info.hex.length, info.length * 2);
});

t.test('structs, strings, booleans and timeouts round-trip with explanations', async (t) => {
  const app = await build(t);
  const res = await app.inject({
    method: 'POST', url: '/v1/sockopts', payload: {
      transport: 'tcp6',
      options: { SO_LINGER: { onoff: 5, linger: 3 }, TCP_CONGESTION: 'reno', TCP_NODELAY: 7, SO_RCVTIMEO: { sec: 0, usec: 5000 } },
      get: [{ name: 'TCP_CONGESTION' }],
    },
  });
  t.equal(res.statusCode, 200, res.body);
  const body = res.json();
  const by = Object.fromEntries(body.options.map((o: Report) => [o.name, o]));
  t.same(by.SO_LINGER.effective, { onoff: 1, linger: 3 });
  t.equal(by.TCP_CONGESTION.effective, 'reno');
  t.equal(by.TCP_NODELAY.before, false);
  t.equal(by.TCP_NODELAY.effective, true);
  t.match(by.TCP_NODELAY.note, /non-zero value is stored as 1/);
  t.same(by.SO_RCVTIMEO.effective, { sec: 0, usec: 8000 }, '5 ms rounds up to two 4 ms ticks');
  t.match(by.SO_RCVTIMEO.note, /Rounded up to a whole number of kernel clock ticks \(one tick is 4000 µs/);
  t.equal(body.get[0].value, 'reno');
  t.match(body.pair.client, /^\[::1\]:\d+$/);
});

t.test('a kernel refusal is that option failing, with errno and hint, not a failed request', async (t) => {
  const app = await build(t);
  const res = await app.inject({
    method: 'POST', url: '/v1/sockopts', payload: {
      transport: 'udp4',
      options: [
        { name: 'TCP_NODELAY', value: true },
        { name: 'SO_TYPE', value: 1 },
        { level: 'IPPROTO_TCP', name: 99, value: 1 },
        { name: 'SO_RCVTIMEO', value: { sec: 0, usec: 2000000 } },
        { name: 'TCP_CONGESTION', value: 'vegas' },
        { name: 'SO_SNDBUF', value: 65536 },
      ],
    },
  });
  t.equal(res.statusCode, 200, res.body);
  const reports: Report[] = res.json().options;
  // Reports come in the order the options were applied: by phase, then as requested.
  const phaseRank = reports.map((r) => ['before-bind', 'before-connect', 'any'].indexOf(r.appliedAt));
  t.same(phaseRank, [...phaseRank].sort((a, b) => a - b), 'applied in phase order');
  t.equal(reports[0].name, 'TCP_CONGESTION', 'before-connect options come first, in request order');
  const by = (name: string) => reports.find((r) => r.name === name)!;
  const [nodelay, type, raw, timeo, cc, ok] = ['TCP_NODELAY', 'SO_TYPE', '99', 'SO_RCVTIMEO', 'TCP_CONGESTION', 'SO_SNDBUF'].map(by);
  t.equal(nodelay.ok, false);
  t.equal(nodelay.error?.code, 'ENOPROTOOPT');
  t.match(nodelay.error?.hint, /not applicable to udp4 sockets: TCP_NODELAY applies to tcp4, tcp6/);
  t.equal(type.error?.code, 'ENOPROTOOPT');
  t.match(type.error?.hint, /read-only/);
  t.equal(raw.ok, false);
  t.equal(raw.name, '99');
  t.equal(timeo.error?.code, 'EDOM');
  t.match(timeo.error?.hint, /0 and 999999/);
  t.equal(cc.ok, false, 'TCP_CONGESTION on UDP');
  t.equal(ok.ok, true, 'later options still apply');
  t.equal(ok.effective, 131072);
});

t.test('raw options: numeric names resolve to the catalog, unknown pairs go through as bytes', async (t) => {
  const app = await build(t);
  const res = await app.inject({
    method: 'POST', url: '/v1/sockopts', payload: {
      transport: 'tcp4',
      options: [
        { level: 6, name: 1, value: 1 },
        { level: 'SOL_SOCKET', name: 'SO_KEEPALIVE', value: { hex: '01000000' } },
        { level: 'sol_socket', name: 'SO_DEBUG', value: 0 },
      ],
      get: [{ level: 1, name: 7, buflen: 2 }, { level: 'IPPROTO_TCP', name: 99 }],
    },
  });
  t.equal(res.statusCode, 200, res.body);
  const body = res.json();
  t.equal(body.options[0].name, 'TCP_NODELAY');
  t.equal(body.options[0].effective, true);
  t.equal(body.options[1].effective, true, 'hex bytes set a catalogued bool');
  t.equal(body.options[2].name, 'SO_DEBUG');
  t.equal(body.options[2].ok, true);
  t.equal(body.get[0].name, 'SO_SNDBUF');
  t.equal(body.get[0].length, 2, 'a short buffer gets truncated data, as the kernel does');
  t.equal(body.get[1].ok, false);
  t.equal(body.get[1].error.code, 'ENOPROTOOPT');
});

t.test('phase override: SO_RCVBUF after connect is applied late and says so', async (t) => {
  const app = await build(t);
  const res = await app.inject({ method: 'POST', url: '/v1/sockopts', payload: { transport: 'tcp4', options: [{ name: 'SO_RCVBUF', value: 65536, phase: 'any' }] } });
  const r: Report = res.json().options[0];
  t.equal(r.appliedAt, 'any');
  t.equal(r.connected, undefined);
  t.match(r.note, /takes full effect only when set before listen\(\)\/connect\(\)/);
});

t.test('TCP_DEFER_ACCEPT on the listener: the pair is still built, by a nudge byte', async (t) => {
  const app = await build(t);
  const res = await app.inject({ method: 'POST', url: '/v1/sockopts', payload: { transport: 'tcp4', side: 'server', options: { TCP_DEFER_ACCEPT: 1 } } });
  t.equal(res.statusCode, 200, res.body);
  t.equal(res.json().pair.nudged, true);
});

t.test('every transport builds a pair and reports SO_SNDBUF', async (t) => {
  const app = await build(t);
  for (const transport of ['tcp4', 'tcp6', 'udp4', 'udp6', 'unix', 'unix-dgram']) {
    for (const side of ['client', 'server']) {
      const res = await app.inject({ method: 'POST', url: '/v1/sockopts', payload: { transport, side, options: { SO_SNDBUF: 65536 }, get: [{ name: 'SO_TYPE' }] } });
      t.equal(res.statusCode, 200, `${transport} ${side}: ${res.body}`);
      const body = res.json();
      t.equal(body.options[0].effective, 131072, `${transport} ${side}`);
      t.equal(body.get[0].value, transport.startsWith('tcp') || transport === 'unix' ? 1 : 2);
    }
  }
});

t.test('unix receivers: SO_RCVBUF is accepted but noted as having no effect on unix streams', async (t) => {
  const app = await build(t);
  const res = await app.inject({ method: 'POST', url: '/v1/sockopts', payload: { transport: 'unix', side: 'server', options: { SO_RCVBUF: 8192 } } });
  t.match(res.json().options[0].note, /no effect on unix sockets/);
});

t.test('text/plain gives an aligned table', async (t) => {
  const app = await build(t);
  const res = await app.inject({ method: 'POST', url: '/v1/sockopts', headers: { accept: 'text/plain' }, payload: { transport: 'tcp4', options: { SO_SNDBUF: 4096 }, get: [{ name: 'TCP_NODELAY' }] } });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain/);
  t.match(res.body, /^tcp4, options on the client side; client 127\.0\.0\.1:\d+, server 127\.0\.0\.1:\d+\n/);
  t.match(res.body, /OPTION +PHASE +REQUESTED +BEFORE +EFFECTIVE/);
  t.match(res.body, /SO_SNDBUF +before-connect +4096 +16384 +8192 +8192 +ok +Doubled/);
  t.match(res.body, /TCP_NODELAY +4 +false/);
});

t.test('bad input: 4xx with a stable code and a message naming the field', async (t) => {
  const app = await build(t);
  const post = (payload: unknown, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url: '/v1/sockopts', payload: payload as string, headers });

  let res = await post({ transport: 'sctp' });
  t.equal(res.statusCode, 400);
  t.match(res.json(), { code: 'SOCKBENCH_VALIDATION', field: 'body.transport', message: /body\.transport must be one of: tcp4, tcp6, udp4, udp6, unix, unix-dgram/ });

  res = await post({ options: {} });
  t.match(res.json(), { code: 'SOCKBENCH_VALIDATION', field: 'body.transport', message: /required/ });

  res = await post({ transport: 'tcp4', options: { SO_SNDBUFF: 1 } });
  t.equal(res.statusCode, 400);
  t.match(res.json(), { code: 'SOCKBENCH_UNKNOWN_OPTION', field: 'options.SO_SNDBUFF', suggestions: ['SO_SNDBUF'] });

  res = await post({ transport: 'tcp4', options: { SO_LINGER: 5 } });
  t.match(res.json(), { statusCode: 400, code: 'SOCKBENCH_INVALID_VALUE', field: 'options.SO_LINGER', message: /options\.SO_LINGER takes \{"onoff"/ });

  res = await post({ transport: 'tcp4', options: { TCP_NODELAY: 'yes' } });
  t.match(res.json(), { code: 'SOCKBENCH_INVALID_VALUE', field: 'options.TCP_NODELAY' });

  res = await post({ transport: 'tcp4', options: { SO_SNDBUF: 2 ** 40 } });
  t.match(res.json(), { code: 'SOCKBENCH_INVALID_VALUE', message: /integer from -2147483648 to 4294967295/ });

  res = await post({ transport: 'tcp4', options: [{ level: 'SOL_TCP', name: 'TCP_NODELAY', value: 1 }] });
  t.match(res.json(), { code: 'SOCKBENCH_UNKNOWN_LEVEL', field: 'options[0].level' });

  res = await post({ transport: 'tcp4', options: [{ level: 'IPPROTO_TCP', name: 'SO_SNDBUF', value: 1 }] });
  t.match(res.json(), { code: 'SOCKBENCH_UNKNOWN_OPTION', message: /SO_SNDBUF is an option of level SOL_SOCKET/ });

  res = await post({ transport: 'tcp4', options: [{ name: 5, value: 1 }] });
  t.match(res.json(), { code: 'SOCKBENCH_UNKNOWN_LEVEL', message: /numeric option name needs a level/ });

  res = await post({ transport: 'tcp4', options: 5 });
  t.match(res.json(), { code: 'SOCKBENCH_VALIDATION', field: 'body.options', message: /must be an object of option names to values/ });

  res = await post({ transport: 'tcp4', option: {} });
  t.match(res.json(), { code: 'SOCKBENCH_VALIDATION', message: /unknown property "option"/ });

  res = await post({ transport: 'tcp4', options: { SO_KEEPALIVE: { hex: 'zz' } } });
  t.match(res.json(), { code: 'SOCKBENCH_INVALID_VALUE', message: /not hex bytes/ });

  res = await post({ transport: 'tcp4', get: [{ name: 'SO_SNDBUF', buflen: 10 ** 6 }] });
  t.match(res.json(), { code: 'SOCKBENCH_VALIDATION', field: 'body.get.0.buflen' });

  res = await post({ transport: 'tcp4', options: Array.from({ length: 65 }, (_, i) => ({ name: 'SO_SNDBUF', value: i })) });
  t.match(res.json(), { code: 'SOCKBENCH_INVALID_VALUE', message: /65 options is more than the limit of 64/ });

  res = await post('{"transport": "tcp4",', { 'content-type': 'application/json' });
  t.match(res.json(), { statusCode: 400, code: 'SOCKBENCH_INVALID_JSON' });

  res = await post('transport=tcp4', { 'content-type': 'application/x-www-form-urlencoded' });
  t.match(res.json(), { statusCode: 415, code: 'SOCKBENCH_UNSUPPORTED_MEDIA_TYPE' });

  res = await post({ transport: 'tcp4', options: { SO_KEEPALIVE: { hex: 'ab'.repeat(40000) } } });
  t.match(res.json(), { statusCode: 413, code: 'SOCKBENCH_BODY_TOO_LARGE' });

  res = await app.inject({ method: 'GET', url: '/v2/nothing' });
  t.match(res.json(), { statusCode: 404, code: 'SOCKBENCH_ROUTE_NOT_FOUND', message: /under \/v1/ });
});

t.test('an unknown device for SO_BINDTODEVICE is that option failing with ENODEV and a hint', async (t) => {
  const app = await build(t);
  const res = await app.inject({ method: 'POST', url: '/v1/sockopts', payload: { transport: 'tcp4', options: { SO_BINDTODEVICE: 'nonexistent0' } } });
  t.equal(res.statusCode, 200);
  t.match(res.json().options[0].error, { code: 'ENODEV', hint: /no network device by that name/ });
});

t.test('SO_PEERPIDFD installs a descriptor on every read: the probe closes it, even on short reads', async (t) => {
  const app = await build(t);
  const { openFds } = await import('../helpers/build.js');
  const payload = { transport: 'unix', get: [{ name: 'SO_PEERPIDFD' }, { level: 1, name: 77, buflen: 1 }, { level: 'SOL_SOCKET', name: 77, buflen: 64 }] };
  await app.inject({ method: 'POST', url: '/v1/sockopts', payload });
  const before = await openFds();
  for (let i = 0; i < 20; i++) {
    const res = await app.inject({ method: 'POST', url: '/v1/sockopts', payload });
    const [full, short, long] = res.json().get;
    t.equal(full.ok, true);
    t.ok(full.value > 0, 'a descriptor number');
    t.equal(short.length, 1);
    t.equal(long.length, 4);
  }
  t.equal(await openFds(), before);
});

t.test('text/plain shows failures with their errno and hint, the nudge, and raw reads as hex', async (t) => {
  const app = await build(t);
  const res = await app.inject({
    method: 'POST', url: '/v1/sockopts?format=text',
    payload: { transport: 'tcp4', side: 'server', options: { TCP_DEFER_ACCEPT: 1, SO_ZEROCOPY: 2 }, get: [{ level: 6, name: 99 }, { level: 1, name: 7 }, { name: 'SO_PEERCRED' }] },
  });
  t.match(res.body, /^tcp4, options on the server side; .* \(accepted after a nudge byte\)\n/);
  t.match(res.body, /\nSO_ZEROCOPY +any +2 +false +false +EINVAL +the kernel rejected the value/);
  t.match(res.body, /\n99 +- +ENOPROTOOPT: level IPPROTO_TCP has no option 99/);
  t.match(res.body, /\nSO_PEERCRED +12 +0x[0-9a-f]{24}\n/);
});
