import type { CheckResult } from '../host/snapshots.js';
import type { CiCase, CiReport } from './ci.js';
import { table, valueText } from './text.js';

// POST /v1/defaults/check as text and as a CI report: the route answers curl with them, and
// `sockbench check` renders the route's JSON with them, so one request gives the CLI both the
// exit code and the report.

function ruleText(rule: string, expected: unknown): string {
  if (rule === '$eq') return valueText(expected);
  if (rule === '$range' && Array.isArray(expected)) return `${rule} ${expected.join(' to ')}`;
  if (rule === '$oneOf' && Array.isArray(expected)) return `${rule} ${expected.map(valueText).join(', ')}`;
  return `${rule} ${valueText(expected)}`;
}

/** For $persisted the actual value is the file's: "no file", or what the file sets. */
function actualText(m: CheckResult['mismatches'][number]): string {
  if (m.rule === '$persisted') return m.actual === null ? '(no file)' : `${valueText(m.actual)} in the file`;
  return m.absent ? '(absent)' : valueText(m.actual);
}

export function checkText(c: CheckResult): string {
  const profile = c.profile ? `profile ${c.profile}: ` : '';
  const head = `${c.host.hostname}  kernel ${c.host.kernel}  sockets ${c.state}: ${profile}`;
  if (c.ok) return `${head}OK, ${c.checked} values meet the baseline\n`;
  const failing = new Set(c.mismatches.map((m) => m.path)).size;
  const rows = c.mismatches.map((m) => [m.path, ruleText(m.rule, m.expected), actualText(m), ...(c.profile ? [m.profile ?? 'override'] : [])]);
  return `${head}MISMATCH, ${failing} of ${c.checked} values fail the baseline\n\n`
    + table(['PATH', 'EXPECTED', 'ACTUAL', ...(c.profile ? ['FROM'] : [])], rows)
    + `\n${c.mismatches.map((m) => `${m.message}${m.source ? ` (${m.profile}: ${m.source})` : ''}`).join('\n')}\n`;
}

/** One suite for the host, one case per baseline entry (an element of a list with its own rule counts apart). */
export function checkReport(c: CheckResult, timestamp?: string): CiReport {
  const cases = new Map<string, CiCase>();
  for (const m of c.mismatches) {
    const failure = { message: m.message, expected: ruleText(m.rule, m.expected), actual: actualText(m), rule: m.rule };
    const prev = cases.get(m.path)?.failure;
    // Two rules on one key (a minimum and $persisted, say) fail as one case that names both.
    cases.set(m.path, { name: m.path, failure: prev ? { message: `${prev.message}; ${failure.message}`, expected: `${prev.expected}; ${failure.expected}`, actual: prev.actual, rule: `${prev.rule} ${failure.rule}` } : failure });
  }
  const passed: CiCase[] = c.passed.map((p) => ({ name: p }));
  return {
    name: `sockbench check${c.profile ? ` ${c.profile}` : ''}`,
    ...(timestamp ? { timestamp } : {}),
    suites: [{ name: c.host.hostname, cases: [...passed, ...cases.values()] }],
  };
}
