import type { Test } from 'tap';
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { tempDataDir } from './data-dir.js';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

// "Two hosts on one machine": two network namespaces joined by a veth pair, for tests that need a real
// link between two network stacks (rate limits, MTU, IPv6 addresses that are not loopback).
//
// How a test reaches a namespace: the test process stays in the root namespace and never touches its
// routing. Whatever must happen inside a namespace runs as a child under `ip netns exec` (execIn,
// spawnIn), and HTTP requests go through fetchIn, a short `node` fetch run inside the namespace.
// The alternative, a third veth from the root namespace into a host, would let tests use fetch
// directly but would add an address and a route to the machine's own network, where 10.x or fd00::
// may already be in use (VPNs, container bridges) and where a killed test would leave them behind.
// node is always there (it is process.execPath) and its fetch behaves like the test's own, so
// there is a single code path and no dependence on curl.
//
// Cleanup, in three layers: t.teardown kills every process in both namespaces and deletes them; a
// detached watcher does the same within a second if the test process dies without its teardown
// (tap's timeout ends it with SIGALRM, or SIGKILL); and every twoHosts call first removes namespaces
// of this helper whose creator pid is gone (the pid is part of the name), in case the watcher died too.
// Devices are created directly inside the namespaces, so the root namespace never holds one, and
// deleting a namespace removes its end of the veth pair (and with it the other end).

/** One side of the link. */
export interface Host {
  /** Network namespace name, for `ip netns exec`. */
  ns: string;
  /** IPv4 address on the veth (a /24 shared with the other host). */
  ip4: string;
  /** IPv6 address on the veth (a /64 shared with the other host), usable at once (nodad). */
  ip6: string;
  /** Name of this host's veth end, inside its namespace. */
  dev: string;
}

export interface HostPair {
  a: Host;
  b: Host;
  /** Runs a command in the host's namespace (see execIn). */
  exec(host: Host, cmd: string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Starts a long-running command in the host's namespace (see spawnIn). */
  spawn(host: Host, cmd: string[], opts?: SpawnOptions): ChildProcess;
}

export interface ExecOptions {
  /** Written to the command's stdin, which is then closed. */
  input?: string;
  /** Killed (SIGKILL) and rejected after this long; default 20 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
}

export interface Instance {
  /** Base URL as the other host reaches it, e.g. http://10.1.2.2:41234 (IPv6 in brackets). */
  url: string;
  port: number;
  child: ChildProcess;
  /** Log lines (parsed pino JSON) the server has written so far. */
  logs: Array<Record<string, unknown>>;
  /** Sends `signal` (SIGTERM by default) and resolves with how the process ended. */
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface FetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Whole request, from inside the namespace; default 15 s. */
  timeoutMs?: number;
}

export interface FetchResult {
  status: number;
  headers: Record<string, string>;
  body: string;
  json<T = any>(): T;
}

const PREFIX = 'sb-';
const NAME = /^sb-(\d+)-/;
const IFNAMSIZ = 15;
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
let created = 0;
let usable: boolean | undefined;

function run(cmd: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = cmd;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timeoutMs = opts.timeoutMs ?? 20_000;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => { clearTimeout(timer); reject(err); });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else {
        const why = signal === 'SIGKILL' ? `killed after ${timeoutMs} ms` : signal ? `killed by ${signal}` : `exit ${code}`;
        reject(Object.assign(new Error(`${cmd.join(' ')}: ${why}: ${stderr.trim()}`), { code, signal, stdout, stderr }));
      }
    });
    child.stdin!.on('error', () => {}); // a command that does not read its input
    child.stdin!.end(opts.input ?? '');
  });
}

function ipSync(args: string[]): boolean {
  return spawnSync('ip', args, { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

/**
 * True when this process may create network namespaces and veth pairs (root, iproute2, a kernel that
 * allows it): tried once with a throwaway namespace. Use as `{ skip: canMakeNamespaces() ? false : '...' }`.
 */
export function canMakeNamespaces(): boolean {
  if (usable !== undefined) return usable;
  usable = false;
  if (process.getuid?.() !== 0) return usable;
  const ns = `${PREFIX}${process.pid}-probe`;
  if (!ipSync(['netns', 'add', ns])) return usable;
  usable = ipSync(['-n', ns, 'link', 'add', 'sbprobe0', 'type', 'veth', 'peer', 'name', 'sbprobe1']);
  ipSync(['netns', 'del', ns]);
  return usable;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function namespaces(): string[] {
  const out = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  return out.split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
}

/** Kills every process inside `ns` (a namespace lives on while a process is in it), then deletes it. */
async function removeNamespace(ns: string): Promise<void> {
  const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
  for (const pid of pids.split('\n').filter(Boolean).map(Number)) {
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
  }
  await run(['ip', 'netns', 'del', ns]);
}

/** Namespaces of this helper left by processes that no longer exist (killed before any cleanup ran). */
async function removeStale(): Promise<void> {
  for (const ns of namespaces()) {
    const m = NAME.exec(ns);
    if (m && !alive(Number(m[1]))) await removeNamespace(ns).catch(() => {});
  }
}

/** A detached shell that removes `names` once this process is gone, unless it is killed first. */
function watchdog(names: string[]): ChildProcess {
  const script = 'while kill -0 "$0" 2>/dev/null; do sleep 0.5; done; '
    + 'for ns in "$@"; do for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p"; done; ip netns del "$ns" 2>/dev/null; done';
  const child = spawn('sh', ['-c', script, String(process.pid), ...names], { detached: true, stdio: 'ignore' });
  child.unref();
  return child;
}

/**
 * Two network namespaces `a` and `b` joined by a veth pair, with IPv4 10.x.y.1/24 and .2/24 and IPv6
 * fd5b:…::1/64 and ::2 (x, y and … derived from this pid and a counter), lo and the veths up. Both are
 * deleted, with every process inside them, when the test ends.
 */
export async function twoHosts(t: Pick<Test, 'teardown'>, opts: { mtu?: number } = {}): Promise<HostPair> {
  await removeStale();
  const n = ++created;
  const pid = process.pid;
  const k = (pid * 16 + n) & 0xffff;
  const net4 = `10.${k >> 8}.${k & 0xff}`;
  const net6 = `fd5b:${(pid >>> 16).toString(16)}:${(pid & 0xffff).toString(16)}:${n.toString(16)}`;
  const host = (side: 'a' | 'b', last: number): Host => ({
    ns: `${PREFIX}${pid}-${n}-${side}`, ip4: `${net4}.${last}`, ip6: `${net6}::${last}`, dev: `sb${pid}-${n}${side}`,
  });
  const a = host('a', 1);
  const b = host('b', 2);
  if (a.dev.length > IFNAMSIZ) throw new Error(`veth name ${a.dev} is longer than ${IFNAMSIZ} characters`);

  const guard = watchdog([a.ns, b.ns]);
  let torn = false;
  const teardown = async (): Promise<void> => {
    if (torn) return;
    torn = true;
    const results = await Promise.allSettled([a, b].map((h) => removeNamespace(h.ns)));
    guard.kill('SIGKILL');
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  t.teardown(teardown);

  try {
    await run(['ip', 'netns', 'add', a.ns]);
    await run(['ip', 'netns', 'add', b.ns]);
    await run(['ip', 'link', 'add', a.dev, 'netns', a.ns, ...(opts.mtu ? ['mtu', String(opts.mtu)] : []),
      'type', 'veth', 'peer', 'name', b.dev, 'netns', b.ns, ...(opts.mtu ? ['mtu', String(opts.mtu)] : [])]);
    for (const h of [a, b]) {
      await run(['ip', '-n', h.ns, 'link', 'set', 'lo', 'up']);
      await run(['ip', '-n', h.ns, 'addr', 'add', `${h.ip4}/24`, 'dev', h.dev]);
      await run(['ip', '-n', h.ns, '-6', 'addr', 'add', `${h.ip6}/64`, 'dev', h.dev, 'nodad']);
      await run(['ip', '-n', h.ns, 'link', 'set', h.dev, 'up']);
    }
  } catch (err) {
    await teardown().catch(() => {});
    throw err;
  }
  return { a, b, exec: execIn, spawn: spawnIn };
}

/** Runs `cmd` inside the host's namespace; resolves with its output, rejects on a non-zero exit or timeout. */
export function execIn(host: Host, cmd: string[], opts?: ExecOptions): Promise<ExecResult> {
  return run(['ip', 'netns', 'exec', host.ns, ...cmd], opts);
}

/**
 * Starts `cmd` inside the host's namespace (`ip netns exec` execs it, so the child's pid is the
 * command's). It is killed when the namespaces are torn down, with everything else inside them.
 */
export function spawnIn(host: Host, cmd: string[], opts: SpawnOptions = {}): ChildProcess {
  return spawn('ip', ['netns', 'exec', host.ns, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

// Node without tap's loaders (NODE_OPTIONS): starts faster and writes no coverage for a helper script.
const plainEnv = (): NodeJS.ProcessEnv => {
  const { NODE_OPTIONS: _, NODE_V8_COVERAGE: __, ...env } = process.env;
  return env;
};

const FETCH_SCRIPT = `
let input = '';
process.stdin.setEncoding('utf8').on('data', (d) => { input += d; }).on('end', async () => {
  const r = JSON.parse(input);
  try {
    const res = await fetch(r.url, { method: r.method, headers: r.headers, body: r.body, signal: AbortSignal.timeout(r.timeoutMs) });
    const body = await res.text();
    process.stdout.write(JSON.stringify({ status: res.status, headers: Object.fromEntries(res.headers), body }));
  } catch (err) {
    process.stderr.write(String(err.cause ?? err));
    process.exit(1);
  }
});`;

/**
 * An HTTP request made from inside the host's namespace (the test process cannot reach into one):
 * `node` runs fetch there and hands back status, headers (lower-case names) and the body as text.
 * Rejects when there is no HTTP answer (connection refused, timeout), with the reason.
 */
export async function fetchIn(host: Host, url: string, init: FetchInit = {}): Promise<FetchResult> {
  const timeoutMs = init.timeoutMs ?? 15_000;
  const request = { url, method: init.method ?? 'GET', headers: init.headers ?? {}, body: init.body, timeoutMs };
  let stdout: string;
  try {
    ({ stdout } = await execIn(host, [process.execPath, '-e', FETCH_SCRIPT], {
      input: JSON.stringify(request), timeoutMs: timeoutMs + 10_000, env: plainEnv(),
    }));
  } catch (err) {
    const { stderr, signal } = err as { stderr?: string; signal?: string };
    throw new Error(`fetch ${url} from ${host.ns}: ${stderr?.trim() || signal || (err as Error).message}`);
  }
  const res = JSON.parse(stdout) as Omit<FetchResult, 'json'>;
  return { ...res, json: () => JSON.parse(res.body) };
}

/**
 * Starts the sockbench server (src/server.ts, under the same TypeScript loader as this test) inside
 * the host's namespace and resolves once it listens. Defaults: SOCKBENCH_HOST the host's IPv4 address,
 * SOCKBENCH_PORT 0, a fresh SOCKBENCH_DATA_DIR, LOG_LEVEL info (the listening line is read from the
 * log), and SOCKBENCH_ALLOW_ANONYMOUS=true unless `env` sets SOCKBENCH_TOKEN (a non-loopback address
 * needs one or the other). `env` overrides all of them, but LOG_LEVEL must stay at info or below:
 * the "Server listening at" line is how this knows the port. The server is killed when the test ends.
 */
export async function startInstance(t: Pick<Test, 'teardown'>, host: Host, env: Record<string, string> = {}, timeoutMs = 60_000): Promise<Instance> {
  const serverEnv: NodeJS.ProcessEnv = {
    ...process.env,
    SOCKBENCH_HOST: host.ip4,
    SOCKBENCH_PORT: '0',
    SOCKBENCH_DATA_DIR: tempDataDir(t),
    LOG_LEVEL: 'info',
    ...(env.SOCKBENCH_TOKEN === undefined ? { SOCKBENCH_ALLOW_ANONYMOUS: 'true' } : {}),
    ...env,
  };
  const loader = process.execArgv.filter((a) => a.includes('@tapjs/typescript'));
  const proc = spawnIn(host, [process.execPath, ...(loader.length ? loader : process.execArgv), 'src/server.ts'], { cwd: repoRoot, env: serverEnv });
  // tap runs teardowns last-registered first: the server is gone before its data directory is removed.
  t.teardown(async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = once(proc, 'exit');
      proc.kill('SIGKILL');
      await exited;
    }
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`sockbench did not listen within ${timeoutMs} ms in ${host.ns}: ${stderr}`));
    }, timeoutMs);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`sockbench exited (${code ?? signal}) before listening in ${host.ns}: ${stderr}`));
    });
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      const m = /Server listening at http:\/\/.*:(\d+)$/.exec(String(entry.msg));
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
  });
  const listen = serverEnv.SOCKBENCH_HOST!;
  const address = listen === '0.0.0.0' || listen === '::' ? host.ip4 : listen;
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
  return {
    url, port, child: proc, logs,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (proc.exitCode !== null || proc.signalCode !== null) return { code: proc.exitCode, signal: proc.signalCode };
      const exited = once(proc, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
      proc.kill(signal);
      const [code, sig] = await exited;
      return { code, signal: sig };
    },
  };
}

/**
 * Shapes traffic leaving the host's veth with a token bucket (tbf) of `bitsPerSecond`; `null` removes
 * it. The burst is 10 ms of traffic (at least 4 KiB, more than one full-size frame).
 */
export async function limitRate(host: Host, bitsPerSecond: number | null): Promise<void> {
  if (bitsPerSecond === null) {
    await run(['tc', '-n', host.ns, 'qdisc', 'del', 'dev', host.dev, 'root']);
    return;
  }
  const burstBytes = Math.max(4096, Math.ceil(bitsPerSecond / 8 / 100));
  await run(['tc', '-n', host.ns, 'qdisc', 'replace', 'dev', host.dev, 'root', 'tbf',
    'rate', `${Math.round(bitsPerSecond)}bit`, 'burst', String(burstBytes), 'latency', '50ms']);
}

/** True when `tc` (iproute2) is installed, for tests of limitRate. */
export const hasTc = (): boolean => spawnSync('tc', ['-V'], { stdio: 'ignore' }).status === 0;
