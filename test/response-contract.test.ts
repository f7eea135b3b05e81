import t, { type Test } from 'tap';
import { Type } from '@sinclair/typebox';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { ContractViolation } from '../src/response-contract.js';
import { tempDataDir } from './helpers/build.js';

// The check that every other test runs under (test/helpers/build.ts): it must catch a reply its
// schema does not describe, whether it carries a field the schema leaves out, has a value of the
// wrong type or has no schema for the status at all.

async function checkedApp(t: Test) {
  const violations: ContractViolation[] = [];
  const app = await buildApp({ config: loadConfig({ SOCKBENCH_DATA_DIR: tempDataDir(t) }), logger: false, checkResponses: (v) => violations.push(v) });
  t.teardown(() => app.close());
  return { app, violations };
}

t.test('a reply that its schema does not describe is a 500 and a reported violation', async (t) => {
  const { app, violations } = await checkedApp(t);
  const answers: Record<string, { status: number; body: unknown }> = {
    ok: { status: 200, body: { count: 1 } },
    extra: { status: 200, body: { count: 1, extra: 'not in the schema' } },
    wrong: { status: 200, body: { count: 'one' } },
    undocumented: { status: 201, body: { count: 1 } },
  };
  app.get('/v1/test-contract/:case', {
    schema: { response: { 200: Type.Object({ count: Type.Integer() }, { additionalProperties: false }) } },
  }, async (request, reply) => {
    const answer = answers[(request.params as { case: string }).case];
    return reply.code(answer.status as 200).send(answer.body as { count: number });
  });
  t.equal((await app.inject('/v1/test-contract/ok')).statusCode, 200);
  t.same(violations, [], 'a described reply passes');
  const expected: Record<string, RegExp> = {
    extra: /\/ must NOT have additional properties \{"additionalProperty":"extra"\}/,
    wrong: /\/count must be integer/,
    undocumented: /no response schema for status 201/,
  };
  for (const [name, problem] of Object.entries(expected)) {
    violations.length = 0;
    const res = await app.inject(`/v1/test-contract/${name}`);
    t.equal(res.statusCode, 500, `${name}: the client gets a 500`);
    t.equal(res.json().code, 'SOCKBENCH_INTERNAL');
    t.equal(violations.length, 1, `${name}: reported once`);
    t.match(violations[0], { method: 'GET', route: '/v1/test-contract/:case', statusCode: answers[name].status });
    t.match(violations[0].problems.join('\n'), problem);
  }
});

t.test('a benchmark result with a figure its schema leaves out is caught, where the serializer would drop it', async (t) => {
  const { app, violations } = await checkedApp(t);
  const run = (await app.inject({ method: 'POST', url: '/v1/benchmarks', payload: { transport: 'tcp4', pattern: 'stream', durationMs: 100, warmupMs: 0 } })).json();
  t.equal(run.status, 'done');
  t.same(violations, [], 'the real result is described');
  const service = app.benchmarks;
  const get = service.get.bind(service);
  service.get = (id: string) => {
    const stored = get(id);
    return stored && { ...stored, result: stored.result && { ...stored.result, summary: { ...stored.result.summary, newFigure: 1 } } };
  };
  const res = await app.inject(`/v1/benchmarks/${run.id}`);
  t.equal(res.statusCode, 500);
  t.equal(violations.length, 1);
  t.match(violations[0], { route: '/v1/benchmarks/:id', statusCode: 200 });
  t.match(violations[0]?.problems.join('\n'), /\/result\/summary/);
});

t.test('replies are written with JSON.stringify: nothing a schema leaves out is dropped on the way', async (t) => {
  // Without the contract check, as in production: the reply is the payload, whatever the schema says.
  const app = await buildApp({ config: loadConfig({ SOCKBENCH_DATA_DIR: tempDataDir(t) }), logger: false });
  t.teardown(() => app.close());
  app.get('/v1/test-serializer', { schema: { response: { 200: Type.Object({ count: Type.Integer() }) } } }, async () => ({ count: 1, extra: 'kept', exact: 2.5 }) as never);
  const res = await app.inject('/v1/test-serializer');
  t.equal(res.statusCode, 200);
  t.equal(res.body, JSON.stringify({ count: 1, extra: 'kept', exact: 2.5 }));
});
