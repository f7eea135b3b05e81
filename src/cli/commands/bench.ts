import { setTimeout as sleep } from 'node:timers/promises';
import { CONNECTION_HELP, CONNECTION_OPTIONS, numberFlag, optionAssignments, parse, type Command } from '../args.js';
import { callJson, callText, connect, type Api } from '../http.js';
import { print, printJson } from '../output.js';
import { ProgressBar } from '../progress.js';
import { EXIT } from '../exit.js';

/** How often a running benchmark is asked for its state: smooth enough for the bar, nothing for the API. */
const POLL_MS = 200;

const FINAL = new Set(['done', 'failed', 'cancelled']);

/** Flags that are numeric fields of the POST /v1/benchmarks body, named like them in kebab case. */
const NUMBER_FLAGS = {
  'duration-ms': 'durationMs',
  'warmup-ms': 'warmupMs',
  repeats: 'repeats',
  streams: 'streams',
  'message-size': 'messageSize',
  'response-size': 'responseSize',
  'request-writes': 'requestWrites',
  'rate-bits-per-second': 'rateBitsPerSecond',
  'interval-ms': 'intervalMs',
  'in-flight': 'inFlight',
  'pacing-rate-bits-per-second': 'pacingRateBitsPerSecond',
} as const;

/** Boolean flags that are fields of the body. */
const SWITCH_FLAGS = { gso: 'gso', gro: 'gro' } as const;

/** Numeric flags that fill `background`, and its field each fills. */
const BACKGROUND_FLAGS = { 'background-streams': 'streams', 'background-message-size': 'messageSize' } as const;

/** Flags that pin one side's thread, and the side of `affinity` each fills. */
const CPU_FLAGS = { 'client-cpu': 'client', 'server-cpu': 'server' } as const;

/** Repeatable NAME=VALUE flags and the side of `options` each fills. */
const SIDE_FLAGS = { opt: 'both', 'client-opt': 'client', 'server-opt': 'server' } as const;

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  transport: { type: 'string' },
  pattern: { type: 'string' },
  peer: { type: 'string' },
  json: { type: 'boolean' },
  'duration-ms': { type: 'string' },
  'warmup-ms': { type: 'string' },
  repeats: { type: 'string' },
  streams: { type: 'string' },
  'message-size': { type: 'string' },
  'response-size': { type: 'string' },
  'request-writes': { type: 'string' },
  'rate-bits-per-second': { type: 'string' },
  'interval-ms': { type: 'string' },
  'send-mode': { type: 'string' },
  direction: { type: 'string' },
  congestion: { type: 'string' },
  'client-congestion': { type: 'string' },
  'server-congestion': { type: 'string' },
  'pacing-rate-bits-per-second': { type: 'string' },
  gso: { type: 'boolean' },
  gro: { type: 'boolean' },
  'in-flight': { type: 'string' },
  'background-streams': { type: 'string' },
  'background-message-size': { type: 'string' },
  'client-cpu': { type: 'string' },
  'server-cpu': { type: 'string' },
  opt: { type: 'string', multiple: true },
  'client-opt': { type: 'string', multiple: true },
  'server-opt': { type: 'string', multiple: true },
} as const;

interface RunDoc {
  id: string;
  status: string;
  queuePosition: number | null;
  config: { durationMs?: number; warmupMs?: number; repeats?: number };
  progress: { done: number; total: number };
}

/**
 * The POST /v1/benchmarks body from the flags. Only the shape is built here: the API checks
 * every value (required fields, ranges, option names and types) and its messages name the field.
 */
export function benchBody(values: Record<string, string | boolean | string[] | undefined>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (typeof values.transport === 'string') body.transport = values.transport;
  if (typeof values.pattern === 'string') body.pattern = values.pattern;
  if (typeof values.peer === 'string') body.peer = values.peer;
  if (typeof values['send-mode'] === 'string') body.sendMode = values['send-mode'];
  if (typeof values.direction === 'string') body.direction = values.direction;
  // --congestion for both sides, or --client-congestion / --server-congestion each (like options per side).
  if (typeof values.congestion === 'string') body.congestion = values.congestion;
  else if (typeof values['client-congestion'] === 'string' || typeof values['server-congestion'] === 'string') {
    body.congestion = {
      ...(typeof values['client-congestion'] === 'string' ? { client: values['client-congestion'] } : {}),
      ...(typeof values['server-congestion'] === 'string' ? { server: values['server-congestion'] } : {}),
    };
  }
  for (const [flag, field] of Object.entries(NUMBER_FLAGS)) {
    const value = values[flag];
    if (typeof value === 'string') body[field] = numberFlag('bench', flag, value);
  }
  for (const [flag, field] of Object.entries(SWITCH_FLAGS)) if (values[flag] === true) body[field] = true;
  const background: Record<string, number> = {};
  for (const [flag, field] of Object.entries(BACKGROUND_FLAGS)) {
    const value = values[flag];
    if (typeof value === 'string') background[field] = numberFlag('bench', flag, value);
  }
  if (Object.keys(background).length > 0) body.background = background;
  const affinity: Record<string, number> = {};
  for (const [flag, side] of Object.entries(CPU_FLAGS)) {
    const value = values[flag];
    if (typeof value === 'string') affinity[side] = numberFlag('bench', flag, value);
  }
  if (Object.keys(affinity).length > 0) body.affinity = affinity;
  const options: Record<string, unknown> = {};
  for (const [flag, side] of Object.entries(SIDE_FLAGS)) {
    const items = values[flag];
    if (Array.isArray(items) && items.length > 0) options[side] = optionAssignments('bench', flag, items);
  }
  if (Object.keys(options).length > 0) body.options = options;
  return body;
}

/**
 * Cancels the run (POST .../cancel), which answers once the run has released its threads and
 * sockets, with its final state. A cancel never deletes: a Ctrl-C that comes just as the run
 * ends keeps the result in the history, and the answer says it had ended.
 */
async function cancelRun(api: Api, id: string): Promise<void> {
  try {
    const { data } = await callJson<RunDoc>(api, 'POST', `/v1/benchmarks/${id}/cancel`);
    if (data.status === 'cancelled') process.stderr.write(`benchmark ${id} cancelled\n`);
    else process.stderr.write(`benchmark ${id} had already ended (${data.status}); GET /v1/benchmarks/${id} has it\n`);
  } catch (err) {
    process.stderr.write(`cancelling benchmark ${id}: ${(err as Error).message}\n`);
  }
}

export const bench: Command = {
  name: 'bench',
  summary: 'run a benchmark (POST /v1/benchmarks) with a progress bar; print its summary',
  help: `Usage: sockbench bench --transport T --pattern P [options] [--json] [--url URL]

Runs a benchmark on the host behind --url and waits for it, with a progress bar when stderr is
a terminal. Prints the run's text summary, or the whole run document with --json. Ctrl-C
cancels the run (POST /v1/benchmarks/{id}/cancel; its state stays in the history) and exits 130.

Options (the API's body fields; see README "Benchmarks"):
  --transport T               tcp4, tcp6, udp4, udp6, unix, unix-dgram (required)
  --pattern P                 stream, rr, crr (required)
  --peer URL                  run the server side on that sockbench (one of the host's SOCKBENCH_PEERS)
  --duration-ms N             measured time (default 3000)
  --warmup-ms N               excluded from the figures (default 500)
  --repeats N                 the result is the median over repeats (default 1)
  --streams N                 parallel pairs, like iperf3 -P (default 1)
  --message-size N            bytes per write (stream) or per request (rr, crr)
  --response-size N           rr, crr: bytes per response
  --request-writes N          rr, crr: send each request as N writes
  --rate-bits-per-second N    stream: pace the sender
  --interval-ms N             add samples every N ms
  --send-mode M               stream: copy, zerocopy (MSG_ZEROCOPY) or sendfile (like iperf3 -Z)
  --direction D               stream: forward, reverse (like iperf3 -R) or bidirectional (like --bidir)
  --congestion NAME           TCP: TCP_CONGESTION on both sides (like iperf3 -C); --client-congestion,
                              --server-congestion for one side
  --pacing-rate-bits-per-second N  TCP stream: the sender's SO_MAX_PACING_RATE (like --fq-rate)
  --gso, --gro                udp4/udp6 stream: UDP_SEGMENT sends, UDP_GRO receives
  --in-flight N               rr: N requests outstanding per connection
  --background-streams N      rr: N bulk streams beside the pair (latency under load)
  --background-message-size N rr: bytes per send of each background stream
  --client-cpu N              pin the client side's thread to CPU N (iperf3 -A); on this host
  --server-cpu N              pin the server side's thread to CPU N (on the peer with --peer)
  --opt NAME=VALUE            a socket option on both sides; repeat for more
  --client-opt NAME=VALUE     an option on the client side only
  --server-opt NAME=VALUE     an option on the server side only
  --json                      the run document (JSON) instead of the text summary

VALUE is an integer, true or false, a JSON object ('SO_LINGER={"onoff":1,"linger":5}'), or
else a string (TCP_CONGESTION=cubic).

${CONNECTION_HELP}

Exit codes: 0 done, 1 failed or cancelled, 2 bad usage or refused by the API (the message names
the field), 3 API unreachable, busy (429) or failing, 130 interrupted with Ctrl-C.
`,
  async run(argv) {
    const { values } = parse('bench', argv, OPTIONS);
    const body = benchBody(values);
    const api = await connect('bench', values);
    const bar = new ProgressBar(process.stderr);
    const state = { interrupted: false };
    // First Ctrl-C: cancel the run on the server and exit 130; a second one exits at once.
    const onSigint = () => {
      if (state.interrupted) process.exit(EXIT.interrupted);
      state.interrupted = true;
      bar.clear();
    };
    process.on('SIGINT', onSigint);
    try {
      let run = (await callJson<RunDoc>(api, 'POST', '/v1/benchmarks?wait=false', { body })).data;
      let startedAt: number | undefined;
      while (!state.interrupted && !FINAL.has(run.status)) {
        if (run.status === 'running') startedAt ??= Date.now();
        const c = run.config;
        bar.update({
          status: run.status, queuePosition: run.queuePosition, elapsedMs: startedAt === undefined ? 0 : Date.now() - startedAt,
          expectedMs: ((c.durationMs ?? 0) + (c.warmupMs ?? 0)) * (c.repeats ?? 1), done: run.progress.done, total: run.progress.total,
        });
        await sleep(POLL_MS);
        if (state.interrupted) break;
        run = (await callJson<RunDoc>(api, 'GET', `/v1/benchmarks/${run.id}`)).data;
      }
      bar.clear();
      if (state.interrupted) {
        await cancelRun(api, run.id);
        return EXIT.interrupted;
      }
      if (values.json) await printJson(run);
      else await print((await callText(api, 'GET', `/v1/benchmarks/${run.id}`)).text);
      return run.status === 'done' ? EXIT.ok : EXIT.different;
    } finally {
      process.off('SIGINT', onSigint);
      bar.clear();
      await api.close();
    }
  },
};
