import { CONNECTION_HELP, CONNECTION_OPTIONS, parse, type Command } from '../args.js';
import { callJson, callText, connect } from '../http.js';
import { print, printJson } from '../output.js';
import { EXIT } from '../exit.js';

export const defaults: Command = {
  name: 'defaults',
  summary: "print a host's socket defaults snapshot (GET /v1/defaults)",
  help: `Usage: sockbench defaults [--state fresh|connected] [--text] [--url URL]

Prints the host's defaults snapshot: sysctls, and every readable option on a fresh socket of each
transport (or, with --state connected, on the client end of a connected loopback pair).
JSON by default, to save and compare later: sockbench defaults > host-a.json

Options:
  --state S         fresh (default) or connected
  --text            the aligned text table instead of JSON

${CONNECTION_HELP}

Exit codes: 0 printed, 2 bad usage or refused by the API, 3 API unreachable or failing.
`,
  async run(argv) {
    const { values } = parse('defaults', argv, { ...CONNECTION_OPTIONS, state: { type: 'string' }, text: { type: 'boolean' } });
    const api = await connect('defaults', values);
    // The API validates the state, so a wrong one gets its message listing the allowed values.
    const path = `/v1/defaults${values.state === undefined ? '' : `?state=${encodeURIComponent(values.state)}`}`;
    try {
      if (values.text) await print((await callText(api, 'GET', path)).text);
      else await printJson((await callJson(api, 'GET', path)).data);
    } finally {
      await api.close();
    }
    return EXIT.ok;
  },
};
