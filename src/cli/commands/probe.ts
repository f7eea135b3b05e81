import { CONNECTION_HELP, CONNECTION_OPTIONS, optionAssignments, parse, type Command } from '../args.js';
import { EXIT, usageError } from '../exit.js';
import { callJson, callText, connect } from '../http.js';
import { print, printJson } from '../output.js';

export const probe: Command = {
  name: 'probe',
  summary: 'set options on a loopback pair and see what the kernel made of them (POST /v1/sockopts)',
  help: `Usage: sockbench probe --transport T [NAME=VALUE]... [--side client|server] [--get NAME]... [--json] [--url URL]

Builds a connected loopback pair on the service's host, sets each option in its phase on one
side, and prints requested, before, effective and connected values with the kernel's reasons,
e.g.  sockbench probe --transport tcp4 SO_SNDBUF=4096
A VALUE is an integer, true/false, a JSON object ('SO_LINGER={"onoff":1,"linger":5}') or a
string (TCP_CONGESTION=reno).

Options:
  --transport T     tcp4, tcp6, udp4, udp6, unix or unix-dgram (required)
  --side S          where the options go: client (default) or server
  --opt NAME=VALUE  the same as a NAME=VALUE argument (repeatable)
  --get NAME        read an option without setting it, e.g. TCP_INFO (repeatable)
  --json            the API's JSON instead of the table

${CONNECTION_HELP}

Exit codes: 0 printed (an option the kernel refused is shown in the table, not an error), 2 bad
usage or refused by the API, 3 API unreachable or failing.
`,
  async run(argv) {
    const { values, positionals } = parse('probe', argv, {
      ...CONNECTION_OPTIONS, transport: { type: 'string' }, side: { type: 'string' },
      opt: { type: 'string', multiple: true }, get: { type: 'string', multiple: true }, json: { type: 'boolean' },
    }, 'any');
    if (values.transport === undefined) throw usageError('probe', '--transport is required (tcp4, tcp6, udp4, udp6, unix or unix-dgram).');
    const body = {
      transport: values.transport,
      ...(values.side === undefined ? {} : { side: values.side }),
      options: optionAssignments('probe', 'opt', [...positionals, ...(values.opt ?? [])]),
      ...(values.get ? { get: values.get.map((name) => ({ name })) } : {}),
    };
    const api = await connect('probe', values);
    try {
      if (values.json) await printJson((await callJson(api, 'POST', '/v1/sockopts', { body })).data);
      else await print((await callText(api, 'POST', '/v1/sockopts', { body })).text);
    } finally {
      await api.close();
    }
    return EXIT.ok;
  },
};
