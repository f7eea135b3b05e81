import { CONNECTION_HELP, CONNECTION_OPTIONS, parse, type Command } from '../args.js';
import { usageError, EXIT } from '../exit.js';
import { callJson, callText, connect } from '../http.js';
import { print, printJson } from '../output.js';

export const options: Command = {
  name: 'options',
  summary: 'the option catalog, or one option (GET /v1/options[/NAME])',
  help: `Usage: sockbench options [NAME] [--transport T] [--level L] [--json] [--url URL]

Prints the option catalog as a table: level, number, type, access, phase, privilege and the
transports of every option the service knows; with NAME, that option alone.

Options:
  --transport T     only options for tcp4, tcp6, udp4, udp6, unix or unix-dgram
  --level L         only options of one level (SOL_SOCKET, IPPROTO_TCP, ...)
  --json            the API's JSON instead of the table

${CONNECTION_HELP}

Exit codes: 0 printed, 2 bad usage, an unknown option or refused by the API, 3 API unreachable
or failing.
`,
  async run(argv) {
    const { values, positionals } = parse('options', argv, {
      ...CONNECTION_OPTIONS, transport: { type: 'string' }, level: { type: 'string' }, json: { type: 'boolean' },
    }, 'any');
    if (positionals.length > 1) throw usageError('options', `expected at most one option NAME, got ${positionals.length}.`);
    const [name] = positionals;
    if (name !== undefined && (values.transport !== undefined || values.level !== undefined)) {
      throw usageError('options', '--transport and --level filter the catalog; leave them out with a NAME.');
    }
    // The API checks the filters, so a wrong one gets its message listing the allowed values.
    const query = new URLSearchParams();
    if (values.transport !== undefined) query.set('transport', values.transport);
    if (values.level !== undefined) query.set('level', values.level);
    const path = name === undefined ? `/v1/options${query.size > 0 ? `?${query}` : ''}` : `/v1/options/${encodeURIComponent(name)}`;
    const api = await connect('options', values);
    try {
      if (values.json) await printJson((await callJson(api, 'GET', path)).data);
      else await print((await callText(api, 'GET', path)).text);
    } finally {
      await api.close();
    }
    return EXIT.ok;
  },
};
