import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError, EXIT, usageError } from './exit.js';

const DEFAULT_URL = 'http://127.0.0.1:8080';
const DEFAULT_TIMEOUT_MS = 30000;

export interface ApiResponse {
  status: number;
  contentType: string;
  body: string;
}

/** The HTTP API, over the network or in this process; commands only see this. */
export interface Api {
  /** Where requests go, for messages: the base URL, or "in-process". */
  readonly where: string;
  send(method: string, path: string, opts?: { body?: unknown; text?: boolean }): Promise<ApiResponse>;
  close(): Promise<void>;
}

function headers(token: string | undefined, text: boolean | undefined, body: boolean): Record<string, string> {
  const h: Record<string, string> = { accept: text ? 'text/plain' : 'application/json' };
  if (body) h['content-type'] = 'application/json';
  if (token) h.authorization = `Bearer ${token}`;
  return h;
}

/** "ECONNREFUSED" from undici's "fetch failed" TypeError (its cause, or the cause's first error). */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } }).cause;
  return cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (err as Error).message;
}

function httpApi(base: string, { token, timeoutMs }: { token?: string; timeoutMs: number }): Api {
  return {
    where: base,
    async send(method, path, { body, text } = {}) {
      let res: Response;
      try {
        res = await fetch(base + path, {
          method,
          headers: headers(token, text, body !== undefined),
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
        return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: await res.text() };
      } catch (err) {
        if ((err as Error).name === 'TimeoutError') {
          throw new CliError(`no answer from sockbench at ${base} within ${timeoutMs} ms (${method} ${path.split('?')[0]}); raise --timeout-ms or check the service`, EXIT.unavailable);
        }
        throw new CliError(`cannot reach sockbench at ${base}: ${networkReason(err)}; start it with \`sockbench serve\` or set --url`, EXIT.unavailable);
      }
    },
    async close() {},
  };
}

/**
 * The real app built in this process and called through inject(): commands that need no host of
 * their own (diff) work offline with the same code as the service. Its history goes to a private
 * temporary directory, so an offline command leaves no files behind. `env` overrides settings.
 */
export async function inProcessApi({ token, env = {} }: { token?: string; env?: Record<string, string> }): Promise<Api> {
  const [{ buildApp }, { loadConfig }] = await Promise.all([import('../app.js'), import('../config.js')]);
  const dataDir = await mkdtemp(join(tmpdir(), 'sockbench-cli-'));
  let app;
  try {
    app = await buildApp({ config: loadConfig({ ...process.env, ...env, SOCKBENCH_DATA_DIR: dataDir }), logger: false });
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw new CliError(`sockbench: cannot build the API in this process: ${(err as Error).message}`, EXIT.usage);
  }
  return {
    where: 'in-process',
    async send(method, path, { body, text } = {}) {
      const res = await app.inject({
        method: method as 'GET', url: path, headers: headers(token, text, body !== undefined),
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      return { status: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: res.body };
    },
    async close() {
      await app.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ConnectionFlags {
  url?: string;
  token?: string;
  'timeout-ms'?: string;
}

/** The base URL from --url or $SOCKBENCH_URL (validated, no trailing slash), or undefined when neither is set. */
export function chosenUrl(command: string, flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = flags.url ?? (env.SOCKBENCH_URL || undefined);
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(command, `--url: "${url}" is not a URL (e.g. http://127.0.0.1:8080).`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw usageError(command, `--url: "${url}" must start with http:// or https://.`);
  return url.replace(/\/+$/, '');
}

/**
 * The API as the flags say: --url, else $SOCKBENCH_URL, else `offline` decides: an in-process app
 * (for commands about files, not hosts) or the default URL.
 */
export async function connect(command: string, flags: ConnectionFlags, { offline = false } = {}): Promise<Api> {
  const token = flags.token ?? (process.env.SOCKBENCH_TOKEN || undefined);
  const timeoutMs = flags['timeout-ms'] === undefined ? DEFAULT_TIMEOUT_MS : Number(flags['timeout-ms']);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw usageError(command, `--timeout-ms expects a positive integer, got "${flags['timeout-ms']}".`);
  const url = chosenUrl(command, flags);
  if (url === undefined && offline) return inProcessApi({ token });
  return httpApi(url ?? DEFAULT_URL, { token, timeoutMs });
}

/** An API error as one line, "CODE: message", with the exit code its status calls for. */
export function apiError(res: ApiResponse): CliError {
  // 408 and 429 say "later", not "change the request"; every 5xx is the service's problem.
  const exitCode = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429 ? EXIT.usage : EXIT.unavailable;
  try {
    const body = JSON.parse(res.body) as { code?: unknown; message?: unknown };
    if (typeof body.code === 'string' && typeof body.message === 'string') return new CliError(`${body.code}: ${body.message}`, exitCode);
  } catch {
    // Not the API's JSON (a proxy's page, say): the status and the start of the body say more.
  }
  return new CliError(`HTTP ${res.status}: ${res.body.slice(0, 200).trim() || '(empty body)'}`, exitCode);
}

/** The answer when its status is 2xx or one of `accept` (a 412 mismatch, say); an apiError otherwise. */
function ensureOk(res: ApiResponse, accept: number[]): ApiResponse {
  if ((res.status < 200 || res.status >= 300) && !accept.includes(res.status)) throw apiError(res);
  return res;
}

/** A JSON answer; a status outside 2xx and `accept` becomes an apiError. */
export async function callJson<T>(api: Api, method: string, path: string, { body, accept = [] }: { body?: unknown; accept?: number[] } = {}): Promise<{ status: number; data: T }> {
  const res = ensureOk(await api.send(method, path, { body }), accept);
  try {
    return { status: res.status, data: (res.body === '' ? null : JSON.parse(res.body)) as T };
  } catch {
    throw new CliError(`${api.where} answered ${method} ${path.split('?')[0]} with something that is not JSON (${res.contentType || 'no content type'}); is --url a sockbench service?`, EXIT.unavailable);
  }
}

/** The text/plain rendering of an answer (the same tables curl users get). */
export async function callText(api: Api, method: string, path: string, { body, accept = [] }: { body?: unknown; accept?: number[] } = {}): Promise<{ status: number; text: string }> {
  const res = ensureOk(await api.send(method, path, { body, text: true }), accept);
  return { status: res.status, text: res.body };
}
