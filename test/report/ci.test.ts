import t from 'tap';
import { DOMParser } from '@xmldom/xmldom';
import { Parser, type Result } from 'tap-parser';
import { githubAnnotations, junitXml, tapText, type CiReport } from '../../src/report/ci.js';
import { validateJunit, xmllintSkip } from '../helpers/junit.js';

// Text that breaks naive renderers: markup, quotes, line breaks, NUL and other controls, "#",
// "::" and "%" (GitHub's command syntax), and characters outside the BMP.
const NASTY = 'a<b>&"c"\n\'d\' # e :: f, 100% \u0000\u0007 ]]> \u{1F600}';

const report: CiReport = {
  name: 'sockbench check',
  timestamp: '2026-12-03T07:19:42.737Z',
  suites: [
    {
      name: 'db-7',
      cases: [
        { name: '/sysctls/net.core.wmem_max' },
        { name: '/sysctls/net.core.rmem_max', failure: { message: 'net.core.rmem_max is 4194304, below the minimum 16777216', expected: '$min 16777216', actual: '4194304', rule: '$min' } },
      ],
    },
    { name: NASTY, cases: [{ name: NASTY, failure: { message: NASTY, expected: NASTY, actual: NASTY, rule: '$eq' } }, { name: 'ok one' }] },
    { name: 'empty host', cases: [] },
  ],
};

t.test('JUnit: valid against docs/junit.xsd, one testsuite per host, counts and failures as given', { skip: xmllintSkip }, async (t) => {
  const xml = junitXml(report);
  const verdict = validateJunit(xml);
  t.equal(verdict.status, 0, verdict.output);
  t.match(verdict.output, /validates/);

  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const root = doc.documentElement!;
  t.equal(root.tagName, 'testsuites');
  t.same([root.getAttribute('tests'), root.getAttribute('failures')], ['4', '2']);
  const suites = Array.from(root.getElementsByTagName('testsuite'));
  t.same(suites.map((s) => [s.getAttribute('name'), s.getAttribute('tests'), s.getAttribute('failures')]),
    [['db-7', '2', '1'], [NASTY.replace(/[\u0000\u0007]/g, '\uFFFD'), '2', '1'], ['empty host', '0', '0']], 'names survive, control characters replaced');
  const failure = suites[0].getElementsByTagName('failure')[0];
  t.equal(failure.getAttribute('message'), 'net.core.rmem_max is 4194304, below the minimum 16777216');
  t.equal(failure.getAttribute('type'), '$min');
  t.equal(failure.textContent, 'expected: $min 16777216\nactual: 4194304\nrule: $min');
  t.equal(suites[1].getElementsByTagName('failure')[0].getAttribute('message'), NASTY.replace(/[\u0000\u0007]/g, '\uFFFD'), 'line breaks in attributes are kept');
  t.equal(suites[0].getElementsByTagName('testcase')[0].getElementsByTagName('failure').length, 0, 'a passing case has no failure');
});

t.test('JUnit with nothing at all is still valid', { skip: xmllintSkip }, async (t) => {
  t.equal(validateJunit(junitXml({ name: 'none', suites: [] })).status, 0);
});

t.test('TAP 14: a real TAP parser reads every point, the failures and their YAML', async (t) => {
  const text = tapText(report);
  t.match(text, /^TAP version 14\n1\.\.4\n/);
  const asserts: Result[] = [];
  const final = await new Promise<{ ok: boolean; count: number; pass: number; fail: number }>((resolve) => {
    const p = new Parser(resolve as never);
    p.on('assert', (a: Result) => asserts.push(a));
    p.end(text);
  });
  t.match(final, { ok: false, count: 4, pass: 2, fail: 2 });
  t.same(asserts.map((a) => a.ok), [true, false, false, true]);
  t.equal(asserts[1].name, 'db-7: /sysctls/net.core.rmem_max');
  t.same(asserts[1].diag, { message: 'net.core.rmem_max is 4194304, below the minimum 16777216', expected: '$min 16777216', actual: '4194304', rule: '$min' });
  t.equal(asserts[2].diag!.actual, NASTY, 'the YAML block carries any text');
  t.notOk(asserts[2].todo || asserts[2].skip, '"#" in a name starts no directive');
});

t.test('GitHub: one ::error line per failure, escaped; a ::notice when all pass', async (t) => {
  const lines = githubAnnotations(report).trimEnd().split('\n');
  t.equal(lines.length, 2, 'each annotation is one line, whatever the text');
  t.equal(lines[0], '::error title=sockbench check%3A db-7 /sysctls/net.core.rmem_max::net.core.rmem_max is 4194304, below the minimum 16777216 (rule $min, expected $min 16777216, actual 4194304)');
  t.match(lines[1], /^::error title=sockbench check%3A a<b>&"c"%0A'd' # e %3A%3A f%2C 100%25 /);
  t.notMatch(lines[1].slice(0, lines[1].indexOf('::', 8)), /,/, 'no raw comma in the properties');
  const passing = githubAnnotations({ name: 'sockbench check', suites: [{ name: 'db-7', cases: [{ name: '/a' }, { name: '/b' }] }] });
  t.equal(passing, '::notice title=sockbench check::all 2 checks pass on db-7\n');
});
