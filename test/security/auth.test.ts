import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build, tempDataDir } from '../helpers/build.js';
import { sockbench } from '../helpers/cli.js';

// SOCKBENCH_TOKEN: every route but GET /v1/health needs "Authorization: Bearer <token>".
const TOKEN = 'auth-test-token-0123456789abcdef';
const PROTECTED = ['/v1/options', '/v1/options/SO_RCVBUF', '/v1/benchmarks', '/v1/sweeps', '/metrics', '/v1/openapi.json', '/docs/', '/v1/no-such-route'];

t.test('no token or a wrong one: 401 with WWW-Authenticate and the error shape, on every route but health', async (t) => {
  const app = await build(t, { SOCKBENCH_TOKEN: TOKEN });
  for (const url of PROTECTED) {
    const none = await app.inject({ url });
    t.equal(none.statusCode, 401, url);
    t.equal(none.headers['www-authenticate'], 'Bearer realm="sockbench"');
    t.same(none.json(), {
      statusCode: 401, code: 'SOCKBENCH_UNAUTHORIZED', error: 'Unauthorized',
      message: 'This service needs a token: send "Authorization: Bearer <token>" with the token the service was started with (its SOCKBENCH_TOKEN); the sockbench command sends --token or $SOCKBENCH_TOKEN.',
    });
  }
  for (const authorization of [`Bearer ${TOKEN}x`, 'Bearer x', `Bearer ${TOKEN.toUpperCase()}`]) {
    const wrong = await app.inject({ url: '/v1/options', headers: { authorization } });
    t.equal(wrong.statusCode, 401, authorization);
    t.equal(wrong.headers['www-authenticate'], 'Bearer realm="sockbench", error="invalid_token"');
    t.match(wrong.json(), { code: 'SOCKBENCH_UNAUTHORIZED', message: /^Wrong bearer token: send "Authorization: Bearer <token>"/ });
  }
  for (const authorization of [TOKEN, `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`, `Bearer`, `Bearer ${TOKEN} extra`]) {
    const malformed = await app.inject({ url: '/v1/options', headers: { authorization } });
    t.equal(malformed.statusCode, 401, `${authorization.slice(0, 12)}...: not a bearer token`);
    t.equal(malformed.headers['www-authenticate'], 'Bearer realm="sockbench"');
  }
  const probe = await app.inject({ method: 'POST', url: '/v1/sockopts', payload: { transport: 'tcp4' } });
  t.equal(probe.statusCode, 401, 'refused before the body is looked at');
});

t.test('the right token opens every route; health needs none', async (t) => {
  const app = await build(t, { SOCKBENCH_TOKEN: TOKEN });
  const expected: Record<string, number> = { '/v1/no-such-route': 404 };
  for (const url of PROTECTED) {
    const res = await app.inject({ url, headers: { authorization: `Bearer ${TOKEN}` } });
    t.equal(res.statusCode, expected[url] ?? 200, url);
  }
  const spelled = await app.inject({ url: '/v1/options', headers: { authorization: `bearer  ${TOKEN} ` } });
  t.equal(spelled.statusCode, 200, 'the scheme is case-insensitive (RFC 7235), spaces around the token are tolerated');
  const health = await app.inject({ url: '/v1/health' });
  t.equal(health.statusCode, 200);
  t.match(health.json(), { status: 'ok' });
  t.equal((await app.inject({ method: 'HEAD', url: '/v1/health' })).statusCode, 200, 'HEAD too');
  t.equal((await app.inject({ url: '/v1/health', headers: { authorization: 'Bearer wrong' } })).statusCode, 200, 'a wrong token does not matter there');
});

t.test('without SOCKBENCH_TOKEN nothing asks for one', async (t) => {
  const app = await build(t);
  t.equal((await app.inject({ url: '/v1/options' })).statusCode, 200);
  t.equal((await app.inject({ url: '/v1/options', headers: { authorization: 'Bearer anything' } })).statusCode, 200);
});

t.test('over a real port, and through the sockbench command', async (t) => {
  const app = await build(t, { SOCKBENCH_TOKEN: TOKEN, SOCKBENCH_MAX_DURATION_MS: '5000' });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });

  t.equal((await fetch(`${url}/v1/health`)).status, 200);
  const refused = await fetch(`${url}/v1/defaults`);
  t.equal(refused.status, 401);
  t.equal(refused.headers.get('www-authenticate'), 'Bearer realm="sockbench"');
  t.match(await refused.json(), { statusCode: 401, code: 'SOCKBENCH_UNAUTHORIZED' });
  const ok = await fetch(`${url}/v1/options/TCP_NODELAY`, { headers: { authorization: `Bearer ${TOKEN}` } });
  t.equal(ok.status, 200);
  t.match(await ok.json(), { name: 'TCP_NODELAY' });

  const snapshot = join(tempDataDir(t), 'host.json');
  writeFileSync(snapshot, (await app.inject({ url: '/v1/defaults', headers: { authorization: `Bearer ${TOKEN}` } })).body);
  const [flag, env, none, inProcess] = await Promise.all([
    sockbench(['defaults', '--url', url, '--token', TOKEN]),
    sockbench(['defaults', '--url', url], { SOCKBENCH_TOKEN: TOKEN }),
    sockbench(['defaults', '--url', url]),
    // Offline diff builds the app in its process from the same environment, token included.
    sockbench(['diff', snapshot, snapshot], { SOCKBENCH_TOKEN: TOKEN }),
  ]);
  t.equal(flag.code, 0, flag.stderr);
  t.match(JSON.parse(flag.stdout), { sysctls: {} });
  t.equal(env.code, 0, env.stderr);
  t.equal(none.code, 2, 'refused like any 4xx');
  t.match(none.stderr, /^SOCKBENCH_UNAUTHORIZED: This service needs a token: send "Authorization: Bearer <token>"/);
  t.equal(inProcess.code, 0, inProcess.stderr);
  t.match(inProcess.stdout, /identical/);
});
