import { getsockopt, SysError } from '../../native-bindings/index.js';
import { decodeValue, DEFAULT_BUFLEN } from '../options/codec.js';
import { TRANSPORTS, type Transport } from '../options/types.js';
import { FdScope } from '../sockets/fd-scope.js';
import { connectedPair, openSocket } from '../sockets/pair.js';
import { hostFacts } from '../kernel/facts.js';
import type { DefaultsError, DefaultsSnapshot, OptionDefault } from './schema.js';
import { snapshotOptions, type SnapshotEntry, type SnapshotState } from './snapshot-options.js';
import { readSysctlSources } from './sysctl-sources.js';
import { readSysctls } from '../kernel/sysctls.js';

export type { DefaultsError, DefaultsSnapshot, OptionDefault } from './schema.js';
export type { SnapshotState } from './snapshot-options.js';

export interface TakeDefaultsOptions {
  state: SnapshotState;
  /** Bound on connect and accept when building connected pairs. */
  timeoutMs: number;
}

const PAIR_SETUP_FAILED = 'SOCKBENCH_PAIR_SETUP_FAILED';

/** The code that explains why a transport's socket could not be had; other errors are bugs and propagate. */
function socketFailure(err: unknown): string | null {
  if (err instanceof SysError) return err.code;
  if (err instanceof Error && (err as Error & { code?: unknown }).code === PAIR_SETUP_FAILED) {
    // The errno of the step that failed (EADDRNOTAVAIL without loopback) says more than the API code.
    return err.cause instanceof SysError ? err.cause.code : PAIR_SETUP_FAILED;
  }
  return null;
}

function readOption(fd: number, entry: SnapshotEntry): { value: OptionDefault } | { code: string } {
  let raw: Buffer;
  try {
    raw = getsockopt(fd, entry.levelNumber, entry.optname, DEFAULT_BUFLEN[entry.type]);
  } catch (err) {
    if (err instanceof SysError) return { code: err.code };
    throw err;
  }
  // For the snapshot types decodeValue yields a number, boolean, string, linger or timeval.
  const value = decodeValue(entry.type, raw) as OptionDefault;
  return value === null ? { code: 'TRUNCATED' } : { value };
}

function readTransport(transport: Transport, opts: TakeDefaultsOptions, errors: DefaultsError[]): Record<string, OptionDefault> {
  const entries = snapshotOptions(transport, opts.state);
  const values: Record<string, OptionDefault> = {};
  const scope = new FdScope();
  try {
    let fd: number;
    try {
      fd = opts.state === 'fresh' ? openSocket(transport, scope) : connectedPair(transport, scope, {}, opts.timeoutMs).client;
    } catch (err) {
      // A host without IPv6, or a namespace whose lo is down: keep every key, explain each null.
      const code = socketFailure(err);
      if (code === null) throw err;
      for (const e of entries) {
        values[e.name] = null;
        errors.push({ transport, option: e.name, code });
      }
      return values;
    }
    for (const e of entries) {
      const result = readOption(fd, e);
      if ('code' in result) {
        values[e.name] = null;
        errors.push({ transport, option: e.name, code: result.code });
      } else {
        values[e.name] = result.value;
      }
    }
    return values;
  } finally {
    scope.closeAll();
  }
}

/**
 * This host's socket defaults: facts, the sysctls behind them, and every readable catalogued
 * option on a fresh socket (or on the client end of a connected loopback pair) of each transport.
 * Keys and value types do not depend on what the host answers: failed reads are null and listed
 * in `errors`. `sources` says which sysctl file persists each sysctl.
 */
export function takeDefaults(opts: TakeDefaultsOptions): DefaultsSnapshot {
  const host = hostFacts();
  const errors: DefaultsError[] = [];
  const sockets = Object.fromEntries(TRANSPORTS.map((t) => [t, readTransport(t, opts, errors)])) as DefaultsSnapshot['sockets'];
  const sysctls = readSysctls();
  return { host, state: opts.state, sysctls, sockets, errors, sources: readSysctlSources(sysctls) };
}
