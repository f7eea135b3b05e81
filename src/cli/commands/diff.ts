import { existsSync } from 'node:fs';
import type { DiffResult } from '../../host/snapshots.js';
import { diffReport, diffText } from '../../report/snapshot-diff.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parse, type Command } from '../args.js';
import { callJson, connect } from '../http.js';
import { readJson } from '../files.js';
import { print, printJson } from '../output.js';
import { EXIT } from '../exit.js';
import { renderReport, reportFormat, REPORT_FORMAT_HELP } from '../report-format.js';

/** Stored snapshot ids and "current" are plain words; anything else is a file (and a missing one an error). */
const SNAPSHOT_REF = /^[\w-]{1,64}$/;

/** What the API takes for one side: the file's document, or the word as a stored id or "current". */
async function snapshotArg(arg: string): Promise<unknown> {
  if (arg !== '-' && SNAPSHOT_REF.test(arg) && !existsSync(arg)) return arg;
  return readJson('diff', arg);
}

export const diff: Command = {
  name: 'diff',
  summary: 'compare two defaults snapshots (POST /v1/defaults/diff); exit 1 if they differ',
  help: `Usage: sockbench diff A B [--ignore POINTER]... [--format F] [--url URL]

Compares two defaults snapshots and prints the differences as a table, the API's JSON, or a
report for CI (--format). Host identity (hostname, time taken) is ignored. A and B are each:
  a file            as saved by \`sockbench defaults > a.json\` or \`curl HOST:8080/v1/defaults\`
  -                 a snapshot on stdin
  an id, "current"  a snapshot stored on the service, or the service's host now

Without --url or $SOCKBENCH_URL the comparison runs in this process (the same code as the
service, no server needed); "current" is then this host, and stored ids need --url.

Options:
  --ignore POINTER  leave out a path too, as a JSON Pointer (e.g. /sysctls/net.core.somaxconn)
${REPORT_FORMAT_HELP}

${CONNECTION_HELP}

Exit codes: 0 identical, 1 different, 2 bad usage, unreadable file or refused by the API,
3 API unreachable or failing.
`,
  async run(argv) {
    const { values, positionals } = parse('diff', argv, {
      ...CONNECTION_OPTIONS, json: { type: 'boolean' }, format: { type: 'string' }, ignore: { type: 'string', multiple: true },
    }, ['A', 'B']);
    const format = reportFormat('diff', values);
    const body = { a: await snapshotArg(positionals[0]), b: await snapshotArg(positionals[1]), ...(values.ignore ? { ignore: values.ignore } : {}) };
    const api = await connect('diff', values, { offline: true });
    try {
      // One request: "current" is a new snapshot each time, so the table and the exit code must
      // come from the same answer. The table is rendered here as the route renders it for curl.
      const { data } = await callJson<DiffResult>(api, 'POST', '/v1/defaults/diff', { body });
      if (format === 'json') await printJson(data);
      else if (format === 'text') await print(diffText(data));
      else await print(renderReport(format, diffReport(data)));
      return data.identical ? EXIT.ok : EXIT.different;
    } finally {
      await api.close();
    }
  },
};
