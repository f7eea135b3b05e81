import { CONNECTION_HELP, CONNECTION_OPTIONS, parse, type Command } from '../args.js';
import { callJson, callText, connect } from '../http.js';
import { readJson } from '../files.js';
import { print, printJson } from '../output.js';
import { EXIT, usageError } from '../exit.js';

/** 200: every value matches; 412: the host differs (the body says where). */
const MISMATCH = 412;

export const check: Command = {
  name: 'check',
  summary: 'check a host against a baseline file (POST /v1/defaults/check); exit 1 on a mismatch',
  help: `Usage: sockbench check --baseline FILE [--state fresh|connected] [--json] [--url URL]

Checks the host behind --url against a baseline: a JSON file with the part of a defaults
snapshot that matters ("-" reads it from stdin), e.g.
  {"sysctls": {"net.core.somaxconn": 4096}, "sockets": {"tcp4": {"SO_RCVBUF": 131072}}}
Every value in the baseline must equal the host's. Prints the result as text, or the API's
JSON with --json.

Options:
  --baseline FILE   the expected values (required)
  --state S         compare with fresh (default) or connected sockets
  --json            {ok, checked, mismatches: [{path, expected, actual}], ...} instead of text

${CONNECTION_HELP}

Exit codes: 0 every value matches, 1 a mismatch, 2 bad usage, unreadable file or refused by
the API, 3 API unreachable or failing.
`,
  async run(argv) {
    const { values } = parse('check', argv, { ...CONNECTION_OPTIONS, baseline: { type: 'string' }, state: { type: 'string' }, json: { type: 'boolean' } });
    if (values.baseline === undefined) throw usageError('check', '--baseline FILE is required.');
    const baseline = await readJson('check', values.baseline);
    const api = await connect('check', values);
    const path = `/v1/defaults/check${values.state === undefined ? '' : `?state=${encodeURIComponent(values.state)}`}`;
    try {
      const request = { body: baseline, accept: [MISMATCH] };
      let status: number;
      if (values.json) {
        const res = await callJson(api, 'POST', path, request);
        status = res.status;
        await printJson(res.data);
      } else {
        const res = await callText(api, 'POST', path, request);
        status = res.status;
        await print(res.text);
      }
      return status === MISMATCH ? EXIT.different : EXIT.ok;
    } finally {
      await api.close();
    }
  },
};
