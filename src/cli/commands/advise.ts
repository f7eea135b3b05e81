import { CONNECTION_HELP, CONNECTION_OPTIONS, parse, type Command } from '../args.js';
import { callJson, callText, connect } from '../http.js';
import { print, printJson } from '../output.js';
import { EXIT, usageError } from '../exit.js';

// sockbench advise: POST /v1/advice for a path typed as people say it (10G, 80ms), or for a run.

const RATE_PREFIX: Record<string, number> = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 };
const TIME_UNIT: Record<string, number> = { us: 1e-3, 'µs': 1e-3, ms: 1, s: 1e3, '': 1 };

/** "10G", "2.5Gbit/s", "100M", "1e9" -> bits per second (decimal prefixes, as link speeds are). */
export function parseBandwidth(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgt]?)(?:bit\/s|bps|b)?\s*$/i.exec(text);
  return m ? Number(m[1]) * RATE_PREFIX[m[2].toLowerCase()] : null;
}

/** "80ms", "80", "250us", "0.08s" -> milliseconds (a bare number is ms). */
export function parseRtt(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(us|µs|ms|s|)\s*$/i.exec(text);
  return m ? Number(m[1]) * TIME_UNIT[m[2].toLowerCase()] : null;
}

export const advise: Command = {
  name: 'advise',
  summary: 'what a path needs, sysctl by sysctl, on the host (POST /v1/advice)',
  help: `Usage: sockbench advise --bandwidth RATE --rtt TIME [options]
       sockbench advise --run ID [--bandwidth RATE] [options]

The bandwidth-delay product of a path, the socket buffers a TCP connection needs to keep it full
on the service's host, and a verdict for each sysctl that matters, with a ready /etc/sysctl.d/
file and sysctl -w lines. Nothing is applied.

Options:
  --bandwidth RATE  the rate to keep up: 10G, 2.5G, 100M, 1e9 (bit/s; decimal prefixes)
  --rtt TIME        the round-trip time: 80ms, 250us, 0.08s (a bare number is ms)
  --run ID          a finished benchmark (a peer run measures the real path): its TCP_INFO rtt and
                    throughput; --bandwidth then sets the rate to plan for instead
  --rcvbuf N        also say what SO_RCVBUF=N would give (doubled, clamped, autotuning off)
  --sndbuf N        the same for SO_SNDBUF=N
  --json            the JSON document instead of the text report

${CONNECTION_HELP}

Exit codes: 0 advised, 2 bad usage or refused by the API (the message names the field), 3 API
unreachable or failing.
`,
  async run(argv) {
    const { values } = parse('advise', argv, {
      ...CONNECTION_OPTIONS,
      bandwidth: { type: 'string' }, rtt: { type: 'string' }, run: { type: 'string' },
      rcvbuf: { type: 'string' }, sndbuf: { type: 'string' }, json: { type: 'boolean' },
    });
    if (values.run === undefined && (values.bandwidth === undefined || values.rtt === undefined)) {
      throw usageError('advise', 'give --bandwidth and --rtt (e.g. --bandwidth 10G --rtt 80ms), or --run ID.');
    }
    if (values.run !== undefined && values.rtt !== undefined) throw usageError('advise', '--rtt and --run do not go together: a run brings its measured rtt.');
    const body: Record<string, unknown> = {};
    if (values.run !== undefined) body.run = values.run;
    if (values.bandwidth !== undefined) {
      const bps = parseBandwidth(values.bandwidth);
      if (bps === null) throw usageError('advise', `--bandwidth expects a rate like 10G, 100M or 1e9, got "${values.bandwidth}".`);
      body.bandwidthBitsPerSecond = bps;
    }
    if (values.rtt !== undefined) {
      const rtt = parseRtt(values.rtt);
      if (rtt === null) throw usageError('advise', `--rtt expects a time like 80ms, 250us or 0.08s, got "${values.rtt}".`);
      body.rttMs = rtt;
    }
    const buffers: Record<string, number> = {};
    for (const [flag, option] of [['rcvbuf', 'SO_RCVBUF'], ['sndbuf', 'SO_SNDBUF']] as const) {
      const v = values[flag];
      if (v === undefined) continue;
      if (!/^\d+$/.test(v)) throw usageError('advise', `--${flag} expects a whole number of bytes, got "${v}".`);
      buffers[option] = Number(v);
    }
    if (Object.keys(buffers).length > 0) body.buffers = buffers;
    const api = await connect('advise', values);
    try {
      if (values.json) await printJson((await callJson(api, 'POST', '/v1/advice', { body })).data);
      else await print((await callText(api, 'POST', '/v1/advice', { body })).text);
    } finally {
      await api.close();
    }
    return EXIT.ok;
  },
};
