import { githubAnnotations, junitXml, tapText, type CiReport } from '../report/ci.js';
import { usageError } from './exit.js';

// --format for the commands whose results CI systems read (check, diff). The command renders the
// API's JSON itself, with the same functions the routes use, so one request gives both the exit
// code and the report.

export const REPORT_FORMATS = ['text', 'json', 'junit', 'tap', 'github'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORT_FORMAT_HELP = `  --format F        text (default), json (the API's answer), junit (JUnit XML: a testsuite
                    per host, a testcase per key), tap (TAP 14), or github (::error
                    workflow annotation lines for GitHub Actions)
  --json            the same as --format json`;

/** --format, with --json as its older spelling. */
export function reportFormat(command: string, values: { format?: string; json?: boolean }): ReportFormat {
  if (values.format === undefined) return values.json ? 'json' : 'text';
  if (!(REPORT_FORMATS as readonly string[]).includes(values.format)) {
    throw usageError(command, `--format must be one of ${REPORT_FORMATS.join(', ')}, got "${values.format}".`);
  }
  if (values.json && values.format !== 'json') throw usageError(command, `--json and --format ${values.format} ask for two formats; give one.`);
  return values.format as ReportFormat;
}

/** The report in a CI format. */
export function renderReport(format: 'junit' | 'tap' | 'github', report: CiReport): string {
  if (format === 'junit') return junitXml(report);
  if (format === 'tap') return tapText(report);
  return githubAnnotations(report);
}
