// Reports that CI systems read, from one generic shape: per host (a suite), per checked key (a
// case), either passed or a failure with the expected value, the actual one and the rule. check,
// diff and matrix each map their result to it; these functions only render. JUnit XML as Jenkins
// and GitLab read it (docs/junit.xsd), TAP 14, and GitHub Actions workflow commands.

export interface CiFailure {
  /** The mismatch in words. */
  message: string;
  expected: string;
  actual: string;
  /** The rule that failed: $eq for a plain value, $min, $oneOf, ... */
  rule: string;
}

export interface CiCase {
  /** The key checked, e.g. /sysctls/net.core.rmem_max. */
  name: string;
  failure?: CiFailure;
}

export interface CiSuite {
  /** The host, by name (with its label where it has one). */
  name: string;
  cases: CiCase[];
}

export interface CiReport {
  /** What was run, e.g. "sockbench check" or "sockbench check fasterdata-10g". */
  name: string;
  /** ISO 8601 time of the check. */
  timestamp?: string;
  suites: CiSuite[];
}

// XML 1.0 allows only these characters; anything else (NUL, most C0 controls) is replaced.
const NOT_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function xml(text: string): string {
  return text.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Attributes keep their line breaks as character references; a literal one would read as a space. */
function attr(text: string): string {
  return xml(text).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

const failures = (s: CiSuite) => s.cases.filter((c) => c.failure).length;

function failureBody(f: CiFailure): string {
  return `expected: ${f.expected}\nactual: ${f.actual}\nrule: ${f.rule}`;
}

/** JUnit XML: one testsuite per host, one testcase per key, a failure element with expected, actual and rule. */
export function junitXml(report: CiReport): string {
  const tests = report.suites.reduce((n, s) => n + s.cases.length, 0);
  const failed = report.suites.reduce((n, s) => n + failures(s), 0);
  const stamp = report.timestamp ? ` timestamp="${attr(report.timestamp)}"` : '';
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(report.name)}" tests="${tests}" failures="${failed}" errors="0" time="0">`,
  ];
  report.suites.forEach((suite, id) => {
    lines.push(`  <testsuite name="${attr(suite.name)}" id="${id}" tests="${suite.cases.length}" failures="${failures(suite)}" errors="0" skipped="0" time="0"${stamp}>`);
    for (const c of suite.cases) {
      const head = `    <testcase name="${attr(c.name)}" classname="${attr(suite.name)}" time="0"`;
      if (!c.failure) {
        lines.push(`${head}/>`);
        continue;
      }
      lines.push(`${head}>`);
      lines.push(`      <failure message="${attr(c.failure.message)}" type="${attr(c.failure.rule)}">${xml(failureBody(c.failure))}</failure>`);
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  });
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}

/** A TAP description: one line, and "#" escaped, since it would start a directive. */
function tapLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/\\/g, '\\\\').replace(/#/g, '\\#');
}

/** TAP 14: one test point per host and key, a YAML block with expected, actual and rule on failures. */
export function tapText(report: CiReport): string {
  const points = report.suites.flatMap((s) => s.cases.map((c) => ({ suite: s.name, c })));
  const lines = ['TAP version 14', `1..${points.length}`];
  points.forEach(({ suite, c }, i) => {
    const description = tapLine(`${suite}: ${c.name}`);
    if (!c.failure) {
      lines.push(`ok ${i + 1} - ${description}`);
      return;
    }
    // JSON strings are YAML double-quoted scalars: safe whatever the text holds.
    const f = c.failure;
    lines.push(`not ok ${i + 1} - ${description}`, '  ---',
      `  message: ${JSON.stringify(f.message)}`, `  expected: ${JSON.stringify(f.expected)}`,
      `  actual: ${JSON.stringify(f.actual)}`, `  rule: ${JSON.stringify(f.rule)}`, '  ...');
  });
  return `${lines.join('\n')}\n`;
}

// Workflow command escaping, as the Actions toolkit does it (@actions/core, command.ts).
const ghData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const ghProperty = (s: string) => ghData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** GitHub Actions annotations: an ::error line per failure, one ::notice line when all pass. */
export function githubAnnotations(report: CiReport): string {
  const lines: string[] = [];
  let tests = 0;
  for (const suite of report.suites) {
    for (const c of suite.cases) {
      tests++;
      if (!c.failure) continue;
      const title = `${report.name}: ${suite.name} ${c.name}`;
      lines.push(`::error title=${ghProperty(title)}::${ghData(`${c.failure.message} (rule ${c.failure.rule}, expected ${c.failure.expected}, actual ${c.failure.actual})`)}`);
    }
  }
  if (lines.length === 0) lines.push(`::notice title=${ghProperty(report.name)}::${ghData(`all ${tests} checks pass on ${report.suites.map((s) => s.name).join(', ')}`)}`);
  return `${lines.join('\n')}\n`;
}
