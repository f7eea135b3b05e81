import type { CheckResult } from '../../host/snapshots.js';
import { checkReport, checkText } from '../../report/snapshot-check.js';
import { CONNECTION_HELP, CONNECTION_OPTIONS, parse, type Command } from '../args.js';
import { callJson, connect } from '../http.js';
import { readJson } from '../files.js';
import { print, printJson } from '../output.js';
import { EXIT, usageError } from '../exit.js';
import { renderReport, reportFormat, REPORT_FORMAT_HELP } from '../report-format.js';

/** 200: every value meets the baseline; 412: the host does not (the body says where). */
const MISMATCH = 412;

export const check: Command = {
  name: 'check',
  summary: 'check a host against a baseline file or a profile (POST /v1/defaults/check); exit 1 on a mismatch',
  help: `Usage: sockbench check --baseline FILE [--state fresh|connected] [--format F] [--url URL]
       sockbench check --profile NAME [--baseline FILE] [--state S] [--format F] [--url URL]

Checks the host behind --url against a baseline: a JSON file with the part of a defaults
snapshot that matters ("-" reads it from stdin). A value must equal the host's; a rule says
more, e.g.
  {"sysctls": {"net.core.rmem_max": {"$min": 16777216},
               "net.ipv4.tcp_congestion_control": {"$oneOf": ["bbr", "cubic"]},
               "net.ipv4.tcp_rmem": [null, null, {"$min": 16777216}]},
   "sockets": {"tcp4": {"SO_RCVBUF": 131072}}}
Rules: $min, $max, $range [lo, hi], $oneOf [...], $not, $absent, $persisted (the running value
is the one a sysctl file sets). With --profile the host is checked against a named baseline
(GET /v1/profiles: fasterdata-10g, fasterdata-100g, kernel-defaults-6, low-latency), and
--baseline, if given, overrides its entries.

Options:
  --baseline FILE   the expected values (or, with --profile, the overrides)
  --profile NAME    a profile shipped with the service
  --state S         compare with fresh (default) or connected sockets
${REPORT_FORMAT_HELP}

${CONNECTION_HELP}

Exit codes: 0 every value meets the baseline, 1 a mismatch, 2 bad usage, unreadable file or
refused by the API, 3 API unreachable or failing.
`,
  async run(argv) {
    const { values } = parse('check', argv, {
      ...CONNECTION_OPTIONS, baseline: { type: 'string' }, profile: { type: 'string' }, state: { type: 'string' }, json: { type: 'boolean' }, format: { type: 'string' },
    });
    if (values.baseline === undefined && values.profile === undefined) throw usageError('check', '--baseline FILE or --profile NAME is required.');
    const format = reportFormat('check', values);
    const baseline = values.baseline === undefined ? undefined : await readJson('check', values.baseline);
    const body = values.profile === undefined ? baseline : { profile: values.profile, ...(baseline === undefined ? {} : { overrides: baseline }) };
    const api = await connect('check', values);
    const path = `/v1/defaults/check${values.state === undefined ? '' : `?state=${encodeURIComponent(values.state)}`}`;
    try {
      const { status, data } = await callJson<CheckResult>(api, 'POST', path, { body, accept: [MISMATCH] });
      if (format === 'json') await printJson(data);
      else if (format === 'text') await print(checkText(data));
      else await print(renderReport(format, checkReport(data, data.host.takenAt)));
      return status === MISMATCH ? EXIT.different : EXIT.ok;
    } finally {
      await api.close();
    }
  },
};
