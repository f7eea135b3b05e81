import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { build } from '../helpers/build.js';
import { STARTUP_GRACE_MS } from '../../src/security/overload.js';

// Rate limiting (429 SOCKBENCH_RATE_LIMITED) and load shedding (503 SOCKBENCH_OVERLOADED), through the real app.
const TOKEN = 'limits-test-token-0123456789abcdef';

t.test('the request past SOCKBENCH_RATE_LIMIT gets 429 with Retry-After; health is not counted', async (t) => {
  const app = await build(t, { SOCKBENCH_RATE_LIMIT: '3', SOCKBENCH_RATE_WINDOW_MS: '60000' });
  for (let i = 0; i < 10; i++) t.equal((await app.inject({ url: '/v1/health' })).statusCode, 200);
  for (let i = 0; i < 3; i++) {
    const res = await app.inject({ url: '/v1/options' });
    t.equal(res.statusCode, 200);
    t.equal(res.headers['x-ratelimit-limit'], '3');
    t.equal(res.headers['x-ratelimit-remaining'], String(2 - i));
  }
  const limited = await app.inject({ url: '/v1/options' });
  t.equal(limited.statusCode, 429);
  const retryAfter = Number(limited.headers['retry-after']);
  t.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${limited.headers['retry-after']} s, within the window`);
  t.same(limited.json(), {
    statusCode: 429, code: 'SOCKBENCH_RATE_LIMITED', error: 'Too Many Requests',
    message: `More than 3 requests from this address within 60000 ms (the service's SOCKBENCH_RATE_LIMIT and SOCKBENCH_RATE_WINDOW_MS); retry in ${retryAfter} s.`,
  });
  t.equal((await app.inject({ url: '/v1/no-such-route' })).statusCode, 429, 'unknown routes count too');
  t.equal((await app.inject({ url: '/v1/health' })).statusCode, 200, 'health still answers');
  t.equal((await app.inject({ url: '/v1/options', remoteAddress: '192.0.2.7' })).statusCode, 200, 'another client has its own count');
});

t.test('requests with a wrong token count, so guessing tokens is limited too', async (t) => {
  const app = await build(t, { SOCKBENCH_TOKEN: TOKEN, SOCKBENCH_RATE_LIMIT: '2' });
  t.equal((await app.inject({ url: '/v1/options', headers: { authorization: 'Bearer guess-1' } })).statusCode, 401);
  t.equal((await app.inject({ url: '/v1/options', headers: { authorization: 'Bearer guess-2' } })).statusCode, 401);
  const third = await app.inject({ url: '/v1/options', headers: { authorization: `Bearer ${TOKEN}` } });
  t.equal(third.statusCode, 429);
  t.match(third.json(), { code: 'SOCKBENCH_RATE_LIMITED' });
});

t.test('SOCKBENCH_RATE_LIMIT=0: no limit, no rate-limit headers', async (t) => {
  const app = await build(t, { SOCKBENCH_RATE_LIMIT: '0' });
  const res = await app.inject({ url: '/v1/options' });
  t.equal(res.statusCode, 200);
  t.notOk('x-ratelimit-limit' in res.headers);
});

t.test('a long request counts once and is not cut short: a waiting benchmark, then its event stream', async (t) => {
  const app = await build(t, { SOCKBENCH_TOKEN: TOKEN, SOCKBENCH_RATE_LIMIT: '3', SOCKBENCH_MAX_EVENT_LOOP_DELAY_MS: '1000' });
  const headers = { authorization: `Bearer ${TOKEN}` };
  const run = await app.inject({ method: 'POST', url: '/v1/benchmarks', headers, payload: { transport: 'tcp4', pattern: 'rr', durationMs: 300, warmupMs: 0 } });
  t.equal(run.statusCode, 200);
  t.equal(run.json().status, 'done');
  const events = await app.inject({ url: `/v1/benchmarks/${run.json().id}/events`, headers });
  t.equal(events.statusCode, 200);
  t.match(events.body, /^event: state\n[^]*\nevent: end\n/);
  t.equal(events.headers['x-ratelimit-remaining'], undefined, 'the stream writes its own head');
  t.equal((await app.inject({ url: '/v1/options', headers })).headers['x-ratelimit-remaining'], '0', 'three requests so far');
});

/** Blocks the event loop for `ms`, as a swamped service would. */
function busy(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end);
}

/** Polls until the latest sample (every 250 ms) says the loop lags; false after a second. */
async function pressure(app: FastifyInstance): Promise<boolean> {
  for (let i = 0; i < 100 && !app.isUnderPressure(); i++) await sleep(10);
  return app.isUnderPressure();
}

t.test('start-up lag is not load: nothing is shed just after ready()', async (t) => {
  const app = await build(t, { SOCKBENCH_MAX_EVENT_LOOP_DELAY_MS: '1' });
  await app.ready();
  busy(200); // as a slow start would, well within the grace
  t.ok(await pressure(app), 'the loop lagged');
  t.equal((await app.inject({ url: '/v1/options' })).statusCode, 200);
});

t.test('an event loop lagging past SOCKBENCH_MAX_EVENT_LOOP_DELAY_MS: 503 with Retry-After, while health answers', async (t) => {
  const app = await build(t, { SOCKBENCH_MAX_EVENT_LOOP_DELAY_MS: '1' });
  await app.ready();
  await sleep(STARTUP_GRACE_MS);
  // Block, wait for a sample to see it, then ask twice at once, in the same turn of the loop.
  let shed;
  let health;
  for (let attempt = 0; attempt < 5 && shed?.statusCode !== 503; attempt++) {
    busy(600);
    await pressure(app);
    [shed, health] = await Promise.all([app.inject({ url: '/v1/options' }), app.inject({ url: '/v1/health' })]);
  }
  t.equal(shed!.statusCode, 503);
  t.equal(shed!.headers['retry-after'], '5');
  t.same(shed!.json(), {
    statusCode: 503, code: 'SOCKBENCH_OVERLOADED', error: 'Service Unavailable',
    message: 'The service is overloaded: its event loop lags more than SOCKBENCH_MAX_EVENT_LOOP_DELAY_MS (1 ms) on average; retry in 5 s.',
  });
  t.equal(health!.statusCode, 200, 'liveness is not shed');
});

t.test('SOCKBENCH_MAX_EVENT_LOOP_DELAY_MS=0, the default: nothing is measured or shed', async (t) => {
  t.notOk((await build(t)).hasDecorator('isUnderPressure'));
  t.ok((await build(t, { SOCKBENCH_MAX_EVENT_LOOP_DELAY_MS: '1000' })).hasDecorator('isUnderPressure'));
});
