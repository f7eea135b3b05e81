import { parse, type Command } from '../args.js';

export const serve: Command = {
  name: 'serve',
  summary: 'start the HTTP API in this process (the same server as npm start)',
  help: `Usage: sockbench serve [--host ADDRESS] [--port N]

Starts the sockbench HTTP API and logs JSON lines to stdout until Ctrl-C or SIGTERM (in-flight
requests finish first). Every other setting comes from the environment (README "Configuration").

Options:
  --host ADDRESS    address to listen on (sets SOCKBENCH_HOST; default 127.0.0.1); one other
                    hosts can reach needs SOCKBENCH_TOKEN (or SOCKBENCH_ALLOW_ANONYMOUS=true)
  --port N          port to listen on, 0 for any free one (sets SOCKBENCH_PORT; default 8080)

Exit codes: 0 stopped by a signal, 1 cannot listen, 2 bad usage or configuration.
`,
  async run(argv) {
    const { values } = parse('serve', argv, { host: { type: 'string' }, port: { type: 'string' } });
    const env = { ...process.env };
    // The configuration schema checks them, like any other setting.
    if (values.host !== undefined) env.SOCKBENCH_HOST = values.host;
    if (values.port !== undefined) env.SOCKBENCH_PORT = values.port;
    const { start } = await import('../../server.js');
    await start(env);
    return 'serving';
  },
};
