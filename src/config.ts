import { envSchema } from 'env-schema';
import { Type, type Static } from '@sinclair/typebox';
import { parsePeers } from './security/peers.js';

// Every setting the service reads, with its default. Nothing else reads process.env.
export const ConfigSchema = Type.Object({
  SOCKBENCH_HOST: Type.String({ default: '127.0.0.1', description: 'Address the HTTP API listens on' }),
  SOCKBENCH_PORT: Type.Integer({ default: 8080, minimum: 0, maximum: 65535, description: 'TCP port of the HTTP API (0: any free port)' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'pino log level' },
  ),
  SOCKBENCH_BODY_LIMIT: Type.Integer({ default: 65536, minimum: 1024, maximum: 16777216, description: 'Largest request body in bytes; larger ones get 413' }),
  SOCKBENCH_PROBE_TIMEOUT_MS: Type.Integer({ default: 1000, minimum: 10, maximum: 30000, description: 'Longest wait for connect()/accept() when a probe builds its loopback pair' }),
  SOCKBENCH_MAX_OPTIONS: Type.Integer({ default: 64, minimum: 1, maximum: 1024, description: 'Most options (and most reads in `get`) in one probe' }),
  SOCKBENCH_MAX_DURATION_MS: Type.Integer({ default: 60000, minimum: 100, maximum: 3600000, description: 'Longest benchmark durationMs (and warmupMs) a client may ask for' }),
  SOCKBENCH_MAX_SWEEP_MS: Type.Integer({ default: 1800000, minimum: 100, maximum: 86400000, description: 'Longest measuring time (durations, warm-ups and repeats of every point) a sweep may ask for' }),
  SOCKBENCH_QUEUE_LIMIT: Type.Integer({ default: 8, minimum: 0, maximum: 1000, description: 'Benchmarks that may wait behind the running one; beyond it 429 with Retry-After' }),
  SOCKBENCH_DATA_DIR: Type.String({ default: './data', minLength: 1, description: 'Directory of the SQLite history (sockbench.db), created at start' }),
  SOCKBENCH_RETAIN_RUNS: Type.Integer({ default: 1000, minimum: 1, maximum: 1000000, description: 'Finished runs (benchmarks and sweeps) kept in the history, and snapshots kept; the oldest go first' }),
  SOCKBENCH_RETAIN_DAYS: Type.Integer({ default: 90, minimum: 0, maximum: 36500, description: 'Finished runs and snapshots older than this are deleted (0: kept whatever their age)' }),
  SOCKBENCH_MAX_EVENT_STREAMS: Type.Integer({ default: 64, minimum: 1, maximum: 10000, description: 'Server-Sent Event streams open at once (…/events); beyond it 429' }),
  SOCKBENCH_IDLE_WORKERS: Type.Integer({ default: 2, minimum: 0, maximum: 64, description: 'Side worker threads kept between runs, so that a run or sweep point does not pay ~80 ms to start them (0: a fresh thread per side per run); each idle one holds about 20 MB' }),
  SOCKBENCH_WORKER_IDLE_MS: Type.Integer({ default: 60000, minimum: 100, maximum: 86400000, description: 'An idle side worker unused this long is ended' }),
  SOCKBENCH_SHUTDOWN_TIMEOUT_MS: Type.Integer({ default: 10000, minimum: 100, maximum: 600000, description: 'Grace period for in-flight requests on SIGTERM/SIGINT' }),
  // The b64token characters of RFC 6750, so that the token fits in an Authorization header as is.
  SOCKBENCH_TOKEN: Type.Optional(Type.String({ minLength: 16, pattern: '^[A-Za-z0-9._~+/-]+=*$', description: 'Bearer token every request but GET /v1/health must send (Authorization: Bearer <token>); at least 16 characters, e.g. from `openssl rand -hex 32`. Unset: no authentication' })),
  SOCKBENCH_ALLOW_ANONYMOUS: Type.Boolean({ default: false, description: 'Start without SOCKBENCH_TOKEN even when SOCKBENCH_HOST is not a loopback address' }),
  SOCKBENCH_PEERS: Type.String({ default: '', description: 'Comma-separated base URLs (http[s]://host:port) of the sockbench instances this one may benchmark against' }),
  SOCKBENCH_DATA_PORTS: Type.String({ default: '5201-5264', description: 'Ports (a range "first-last" or one port) of the data listeners this instance opens when a peer benchmarks against it' }),
  SOCKBENCH_PEER_TIMEOUT_MS: Type.Integer({ default: 5000, minimum: 100, maximum: 600000, description: 'Longest wait for a peer\'s data connection (and its session key), for a connect to a peer, and for a peer to answer' }),
  SOCKBENCH_RATE_LIMIT: Type.Integer({ default: 1000, minimum: 0, maximum: 1000000, description: 'Requests per SOCKBENCH_RATE_WINDOW_MS per client IP address (GET /v1/health is not counted); beyond it 429 with Retry-After (0: no limit)' }),
  SOCKBENCH_RATE_WINDOW_MS: Type.Integer({ default: 60000, minimum: 1000, maximum: 86400000, description: 'Window of SOCKBENCH_RATE_LIMIT' }),
  SOCKBENCH_BASELINE: Type.Optional(Type.String({ minLength: 1, description: 'A JSON baseline file (values or rules, as POST /v1/defaults/check takes them) or a profile name (GET /v1/profiles, e.g. fasterdata-10g) this host is checked against on every /metrics scrape: sockbench_baseline_mismatches and sockbench_baseline_mismatch{path}. Unset: no baseline metrics' })),
  // Off by default: one long stall (a first TypeScript import in tests, a slow disk) looks the same as overload.
  SOCKBENCH_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({ default: 0, minimum: 0, maximum: 60000, description: 'Mean event-loop delay beyond which requests get 503 with Retry-After until it recovers, e.g. 1000 (GET /v1/health still answers; 0: never)' }),
});

export type Config = Static<typeof ConfigSchema>;

export interface PortRange {
  first: number;
  last: number;
}

/** "5201-5264" or "5201": the ports data listeners may use. Throws one line naming the setting. */
export function parsePortRange(text: string): PortRange {
  const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(text);
  const first = m ? Number(m[1]) : NaN;
  const last = m ? Number(m[2] ?? m[1]) : NaN;
  if (!(first >= 1 && last <= 65535 && first <= last)) {
    throw new Error(`SOCKBENCH_DATA_PORTS must be a port or a range "first-last" within 1-65535, got "${text}"`);
  }
  return { first, last };
}

/** The configuration from `env`; throws one line naming the setting at fault. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const config = envSchema<Config>({ schema: ConfigSchema, data: env });
  // The schema checks the type only; the entries are checked here so that a bad one stops the start, not a later request.
  parsePeers(config.SOCKBENCH_PEERS);
  parsePortRange(config.SOCKBENCH_DATA_PORTS);
  return config;
}
