import { readFile } from 'node:fs/promises';
import { MAX_SNAPSHOTS, MIN_SNAPSHOTS, type MatrixResult } from '../../host/matrix.js';
import { toCsv } from '../../report/csv.js';
import { MATRIX_CSV_HEADER, matrixCsvRows, matrixText } from '../../report/snapshot-matrix.js';
import { parse, type Command } from '../args.js';
import { CliError, EXIT, usageError } from '../exit.js';
import { readJson } from '../files.js';
import { callJson, connect, inProcessApi } from '../http.js';
import { print, printJson } from '../output.js';

const DEFAULT_CONCURRENCY = 16;
const MAX_CONCURRENCY = 256;
const DEFAULT_HOST_TIMEOUT_MS = 10000;
/** A thousand inline snapshots are about 9 MB: the in-process service takes the largest body it can. */
const MATRIX_BODY_LIMIT = '16777216';
const FORMATS = ['text', 'json', 'csv'] as const;

interface Failure { url: string; message: string; exitCode: number }

/** Host URLs of a file: one a line; blank lines and lines starting with # are left out. */
async function urlsOf(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw usageError('fleet', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.`);
  }
  return text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

function positiveInteger(flag: string, value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw usageError('fleet', `--${flag} expects an integer from 1 to ${max}, got "${value}".`);
  return n;
}

/** `run` over every item with at most `limit` at once; results in the items' order. */
async function bounded<T, R>(items: T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The API names a document at fault as body.snapshots.N; the user knows it by its URL or file. */
function withSource(err: unknown, sources: string[]): unknown {
  const at = err instanceof CliError ? /body\.snapshots\.(\d+)/.exec(err.message) : null;
  return at ? new CliError(`${(err as CliError).message} (snapshots.${at[1]} is ${sources[Number(at[1])]})`, (err as CliError).exitCode) : err;
}

export const fleet: Command = {
  name: 'fleet',
  summary: 'compare many hosts at once (GET /v1/defaults on each, then the matrix); exit 1 on drift',
  help: `Usage: sockbench fleet [--url URL]... [--urls-file FILE] [SNAPSHOT_FILE]... [options]

Fetches the defaults snapshot of every host (GET /v1/defaults), a few at a time, and prints the
matrix of POST /v1/defaults/matrix: for each key that differs, each value with its hosts, the
majority and the outliers. Snapshot files (saved with \`sockbench defaults > a.json\`, or "-"
for stdin) join the hosts. The matrix is computed in this process, with the service's own code.
Host identity (hostname, time taken) is not a difference. ${MIN_SNAPSHOTS} to ${MAX_SNAPSHOTS} snapshots.

Hosts:
  --url URL           a host's sockbench API (repeatable)
  --urls-file FILE    host URLs, one a line (# starts a comment)
  --token TOKEN       sent to every host as "Authorization: Bearer TOKEN" (default: $SOCKBENCH_TOKEN)
  --timeout-ms N      longest wait for one host's answer (default ${DEFAULT_HOST_TIMEOUT_MS})
  --concurrency N     hosts asked at once (default ${DEFAULT_CONCURRENCY}, at most ${MAX_CONCURRENCY})
  --allow-unreachable leave out hosts that do not answer, rather than exit 3

Options:
  --state S           compare fresh (default) or connected sockets
  --ignore POINTER    leave out a path too, as a JSON Pointer (e.g. /sockets/unix); repeatable
  --format F          text (default), json (the API's answer) or csv
  --json              the same as --format json

Exit codes: 0 every host agrees, 1 drift (a key differs between hosts), 2 bad usage, an
unreadable file or a host that refused the request (4xx), 3 a host unreachable, too slow or
failing (named on stderr), unless --allow-unreachable.
`,
  async run(argv) {
    const { values, positionals } = parse('fleet', argv, {
      url: { type: 'string', multiple: true }, 'urls-file': { type: 'string' }, token: { type: 'string' }, 'timeout-ms': { type: 'string' },
      concurrency: { type: 'string' }, 'allow-unreachable': { type: 'boolean' }, state: { type: 'string' },
      ignore: { type: 'string', multiple: true }, format: { type: 'string' }, json: { type: 'boolean' },
    }, 'any');
    const format = values.json ? 'json' : (values.format ?? 'text');
    if (!(FORMATS as readonly string[]).includes(format)) throw usageError('fleet', `--format must be one of ${FORMATS.join(', ')}, got "${format}".`);
    const concurrency = positiveInteger('concurrency', values.concurrency, DEFAULT_CONCURRENCY, MAX_CONCURRENCY);
    const timeoutMs = String(positiveInteger('timeout-ms', values['timeout-ms'], DEFAULT_HOST_TIMEOUT_MS, 600000));
    const urls = [...(values.url ?? []), ...(values['urls-file'] ? await urlsOf(values['urls-file']) : [])];
    const count = urls.length + positionals.length;
    if (count < MIN_SNAPSHOTS || count > MAX_SNAPSHOTS) {
      throw usageError('fleet', `give ${MIN_SNAPSHOTS} to ${MAX_SNAPSHOTS} hosts (--url, --urls-file) or snapshot files; got ${count}.`);
    }
    const token = values.token ?? (process.env.SOCKBENCH_TOKEN || undefined);
    // Every URL is checked before the first request, so that a typo costs no waiting.
    const hosts = await Promise.all(urls.map((url) => connect('fleet', { url, token, 'timeout-ms': timeoutMs })));
    const files = [];
    for (const file of positionals) files.push(await readJson('fleet', file));

    const path = `/v1/defaults${values.state === undefined ? '' : `?state=${encodeURIComponent(values.state)}`}`;
    const fetched = await bounded(hosts, concurrency, async (api): Promise<{ doc: unknown } | { failure: Failure }> => {
      try {
        return { doc: (await callJson<unknown>(api, 'GET', path)).data };
      } catch (err) {
        if (err instanceof CliError) return { failure: { url: api.where, message: err.message, exitCode: err.exitCode } };
        throw err;
      }
    });
    const failures = fetched.flatMap((f) => ('failure' in f ? [f.failure] : []));
    const snapshots = [...fetched.flatMap((f) => ('doc' in f ? [f.doc] : [])), ...files];
    /** Where each snapshot came from, for the API's messages about "body.snapshots.N". */
    const sources = [...fetched.flatMap((f, i) => ('doc' in f ? [hosts[i].where] : [])), ...positionals];
    for (const f of failures) process.stderr.write(`sockbench fleet: ${f.url} left out: ${f.message}\n`);
    // A host that refused the request (a wrong token, say) is a mistake to fix, whatever --allow-unreachable says.
    if (failures.some((f) => f.exitCode === EXIT.usage)) return EXIT.usage;
    if (snapshots.length < MIN_SNAPSHOTS) {
      throw new CliError(`sockbench fleet: only ${snapshots.length} of ${count} snapshots to compare; a matrix needs ${MIN_SNAPSHOTS}.`, EXIT.unavailable);
    }

    const api = await inProcessApi({ token: process.env.SOCKBENCH_TOKEN || undefined, env: { SOCKBENCH_BODY_LIMIT: MATRIX_BODY_LIMIT } });
    let drift: boolean;
    try {
      const body = { snapshots, ...(values.ignore ? { ignore: values.ignore } : {}) };
      let data: MatrixResult;
      try {
        ({ data } = await callJson<MatrixResult>(api, 'POST', '/v1/defaults/matrix', { body }));
      } catch (err) {
        throw withSource(err, sources);
      }
      drift = !data.identical;
      if (format === 'json') await printJson(data);
      else if (format === 'csv') await print(toCsv(MATRIX_CSV_HEADER, matrixCsvRows(data)));
      else await print(matrixText(data));
    } finally {
      await api.close();
    }
    if (failures.length > 0 && !values['allow-unreachable']) return EXIT.unavailable;
    return drift ? EXIT.different : EXIT.ok;
  },
};
