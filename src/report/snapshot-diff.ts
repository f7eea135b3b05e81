import type { DiffResult } from '../host/snapshots.js';
import type { CiCase, CiReport } from './ci.js';
import { table, valueText } from './text.js';

// POST /v1/defaults/diff as text: the route answers curl with it, and `sockbench diff` renders the
// route's JSON with it, so that one request gives the CLI both the exit code and the table.

function sourceText(s: DiffResult['a']): string {
  return `${s.hostname ?? '?'} ${s.state ?? ''} ${s.takenAt ?? ''} (${s.source}${s.id ? ` ${s.id}` : ''})`;
}

export function diffText(d: DiffResult): string {
  const head = `a: ${sourceText(d.a)}\nb: ${sourceText(d.b)}\n`;
  if (d.identical) return `${head}identical (ignoring ${d.ignored.join(', ')})\n`;
  return `${head}${d.differences.length} differences\n\n${table(['PATH', 'A', 'B'], d.differences.map((x) => [x.path, valueText(x.a), valueText(x.b)]))}`;
}

/** One suite, b against a; a failing case per differing key, and one passing case for the values that agree. */
export function diffReport(d: DiffResult): CiReport {
  const cases: CiCase[] = d.differences.map((x) => ({
    name: x.path,
    failure: { message: `${x.path} is ${valueText(x.a)} on ${d.a.hostname ?? 'a'} but ${valueText(x.b)} on ${d.b.hostname ?? 'b'}`, expected: valueText(x.a), actual: valueText(x.b), rule: '$eq' },
  }));
  const agreeing = d.compared - d.differences.length;
  if (agreeing > 0) cases.push({ name: `${agreeing} other values are equal` });
  return { name: 'sockbench diff', suites: [{ name: `${d.b.hostname ?? 'b'} against ${d.a.hostname ?? 'a'}`, cases }] };
}
