import t from 'tap';
import { build, openFds } from '../helpers/build.js';
import { busyWorkerCount } from '../../src/bench/worker-pool.js';

// Cancel and delete are separate requests: a cancel never deletes, and a delete never ends a
// run. Here cancels race real runs' completion hundreds of times; whichever wins, nothing is lost.

type App = Awaited<ReturnType<typeof build>>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const FINAL = ['done', 'failed', 'cancelled'];

t.test('a cancel racing the end of its run never loses the result', async (t) => {
  const app = await build(t);
  const fds = await openFds();
  const outcomes: Record<string, number> = {};
  const ids: string[] = [];
  // The cancel's delay walks towards each run's end: later after a cancel won, earlier after the run did.
  let delayMs = 3;
  // 300 races take ~15 s on an idle 2-core machine; a loaded one gets fewer within the same bound.
  const until = Date.now() + 18_000;
  for (let i = 0; i < 300 && Date.now() < until; i++) {
    const created = await app.inject({ method: 'POST', url: '/v1/benchmarks?wait=false', payload: { transport: i % 2 ? 'unix' : 'tcp4', pattern: 'rr', durationMs: 2, warmupMs: 0 } });
    t.equal(created.statusCode, 202, created.body.slice(0, 200));
    const { id } = created.json();
    ids.push(id);
    await sleep(Math.max(0, delayMs + (Math.random() - 0.5) * 2));
    const cancelled = await app.inject({ method: 'POST', url: `/v1/benchmarks/${id}/cancel` });
    const answer = cancelled.json();
    if (cancelled.statusCode !== 200 || !FINAL.includes(answer.status)) t.fail(`cancel of ${id}: ${cancelled.statusCode} ${cancelled.body.slice(0, 200)}`);
    outcomes[answer.status] = (outcomes[answer.status] ?? 0) + 1;
    delayMs = Math.max(0, answer.status === 'done' ? delayMs - 0.5 : delayMs + 0.5);
    const read = await app.inject(`/v1/benchmarks/${id}`);
    const stored = read.json();
    if (read.statusCode !== 200 || stored.status !== answer.status) t.fail(`${id} after its cancel: ${read.statusCode} ${read.body.slice(0, 200)} (cancel answered ${answer.status})`);
    if (stored.status === 'done' && !(stored.result?.summary?.transactions > 0)) t.fail(`${id} finished without its figures: ${read.body.slice(0, 300)}`);
  }
  t.comment(`outcomes of ${ids.length} races: ${JSON.stringify(outcomes)}`);
  t.ok(ids.length >= 20, `runs raced: ${ids.length}`);
  t.ok((outcomes.done ?? 0) > 0 && (outcomes.cancelled ?? 0) > 0, 'the cancel lost the race sometimes and won it sometimes');
  const list = (await app.inject('/v1/benchmarks?limit=1')).json();
  t.equal(list.total, ids.length, 'every run is in the history');
  const again = await app.inject({ method: 'POST', url: `/v1/benchmarks/${ids[0]}/cancel` });
  t.equal(again.json().status, (await app.inject(`/v1/benchmarks/${ids[0]}`)).json().status, 'a second cancel answers the same final state');
  t.equal(busyWorkerCount(), 0);
  t.equal(await openFds(), fds, 'no descriptor left behind');
});

async function runningRun(app: App, url: string, payload: object): Promise<string> {
  const created = await app.inject({ method: 'POST', url: `${url}?wait=false`, payload });
  return created.json().id;
}

t.test('DELETE refuses a queued or running run (cancel it first) and deletes a finished one', async (t) => {
  const app = await build(t);
  for (const [url, payload] of [
    ['/v1/benchmarks', { transport: 'tcp4', pattern: 'stream', durationMs: 5000, warmupMs: 0 }],
    ['/v1/sweeps', { base: { transport: 'tcp4', pattern: 'rr', durationMs: 2000, warmupMs: 0 }, vary: { messageSize: [64, 128] } }],
  ] as const) {
    const id = await runningRun(app, url, payload);
    const refused = await app.inject({ method: 'DELETE', url: `${url}/${id}` });
    t.equal(refused.statusCode, 409, `${url}: DELETE of a running run`);
    t.match(refused.json(), { code: 'SOCKBENCH_RUN_IN_PROGRESS', message: new RegExp(`cancel it first \\(POST ${url}/${id}/cancel\\)`) });
    t.not((await app.inject(`${url}/${id}`)).json().status, 'cancelled', 'the refused DELETE did not end the run');
    const cancelled = await app.inject({ method: 'POST', url: `${url}/${id}/cancel` });
    t.equal(cancelled.statusCode, 200);
    t.equal(cancelled.json().status, 'cancelled');
    t.equal((await app.inject({ method: 'POST', url: `${url}/${id}/cancel` })).json().status, 'cancelled', 'cancel again: the same final state');
    t.equal((await app.inject({ method: 'DELETE', url: `${url}/${id}` })).statusCode, 204, 'a finished run is deleted');
    t.equal((await app.inject(`${url}/${id}`)).statusCode, 404);
    t.equal((await app.inject({ method: 'POST', url: `${url}/${id}/cancel` })).statusCode, 404, 'no cancel of a deleted run');
    t.equal((await app.inject({ method: 'DELETE', url: `${url}/${id}` })).statusCode, 404);
  }
  const sweep = await app.inject({ method: 'POST', url: '/v1/sweeps', payload: { base: { transport: 'unix', pattern: 'rr', durationMs: 20, warmupMs: 0 }, vary: { messageSize: [64, 128] } } });
  t.equal(sweep.json().status, 'done');
  const late = await app.inject({ method: 'POST', url: `/v1/sweeps/${sweep.json().id}/cancel` });
  t.equal(late.statusCode, 200);
  t.match(late.json(), { status: 'done', result: { points: [{ status: 'done' }, { status: 'done' }] } }, 'a cancel after the sweep ended answers it, whole');
  t.match((await app.inject(`/v1/sweeps/${sweep.json().id}`)).json(), { status: 'done' }, 'and it is still there');
});
