import { close, getsockopt, setsockopt, SysError } from '../../native-bindings/index.js';
import { findOption, findOptionByNumber } from './catalog.js';
import { decodeValue, DEFAULT_BUFLEN } from './codec.js';
import { explain, hintFor, type ExplainContext } from './explain.js';
import { readType, type ResolvedGet, type ResolvedOption } from './request.js';
import type { DecodedValue, GetReport, OptionError, OptionReport, ValueType } from './types.js';

export function decodeOrHex(type: ValueType | null, buf: Buffer): DecodedValue {
  return decodeValue(type, buf) ?? { hex: buf.toString('hex') };
}

interface ReadTarget { levelNumber: number; optname: number; type: ValueType | null; buflen: number; via?: string }

/** Where the values of `opt` are read from; null when the option cannot be read at all. */
function readTarget(opt: ResolvedOption): ReadTarget | null {
  const entry = opt.entry;
  if (entry?.access === 'wo') {
    const via = entry.readVia ? findOption(entry.readVia) : undefined;
    return via ? { levelNumber: via.levelNumber, optname: via.optname, type: via.type, buflen: DEFAULT_BUFLEN[via.type], via: via.name } : null;
  }
  const type = readType(opt);
  return { levelNumber: opt.levelNumber, optname: opt.optname, type, buflen: type ? DEFAULT_BUFLEN[type] : Math.max(4, opt.bytes.length) };
}

/**
 * getsockopt for reports. Options that hand the caller a new descriptor (SO_PEERPIDFD) have it
 * closed here, whichever name or number they were asked by: a probe must never leak one.
 */
export function readBytes(fd: number, levelNumber: number, optname: number, buflen: number): Buffer {
  if (!findOptionByNumber(levelNumber, optname)?.returnsFd) return getsockopt(fd, levelNumber, optname, buflen);
  // Read the whole int even when asked for less: a truncated number could not be closed.
  const buf = getsockopt(fd, levelNumber, optname, Math.max(buflen, 4));
  if (buf.length >= 4) close(buf.readInt32LE(0));
  return buf.subarray(0, buflen);
}

export function readValue(fd: number, target: ReadTarget | null): DecodedValue | null {
  if (!target) return null;
  try {
    return decodeOrHex(target.type, readBytes(fd, target.levelNumber, target.optname, target.buflen));
  } catch (err) {
    if (err instanceof SysError) return null;
    throw err;
  }
}

function toOptionError(err: SysError, hint: string): OptionError {
  return { code: err.code, errno: err.errno, message: err.description, hint };
}

/**
 * Sets one option on `fd` and reports the value before and after. A refusal by the kernel
 * becomes `ok: false` with the errno and a hint; it is never thrown.
 */
export function applyOption(fd: number, opt: ResolvedOption, ctx: ExplainContext): OptionReport {
  const target = readTarget(opt);
  const before = readValue(fd, target);
  let error: SysError | undefined;
  try {
    setsockopt(fd, opt.levelNumber, opt.optname, opt.bytes);
  } catch (err) {
    if (!(err instanceof SysError)) throw err;
    error = err;
  }
  const effective = readValue(fd, target);
  const report: OptionReport = {
    name: opt.name, level: opt.level, optname: opt.optname, requested: opt.requested, appliedAt: opt.phase,
    before, effective, ok: error === undefined,
  };
  if (target?.via) report.readVia = target.via;
  if (error) report.error = toOptionError(error, hintFor(opt, error, ctx));
  const note = explain(opt, report, ctx);
  if (note) report.note = note;
  return report;
}

/** Reads `opt` back from `fd` the way its reports do (through readVia for write-only options). */
export function readBack(fd: number, opt: ResolvedOption): DecodedValue | null {
  return readValue(fd, readTarget(opt));
}

/** Reads the connected value of options that were applied before the pair was connected. */
export function recordConnected(fd: number, opt: ResolvedOption, report: OptionReport, ctx: ExplainContext): void {
  if (opt.phase === 'any') return;
  report.connected = readBack(fd, opt);
  const note = explain(opt, report, ctx);
  if (note) report.note = note;
}

export function readOption(fd: number, get: ResolvedGet, ctx: ExplainContext): GetReport {
  const report: GetReport = { name: get.name, level: get.level, optname: get.optname, buflen: get.buflen, ok: true };
  try {
    const buf = readBytes(fd, get.levelNumber, get.optname, get.buflen);
    report.length = buf.length;
    report.hex = buf.toString('hex');
    const value = get.entry ? decodeValue(get.entry.type, buf) : null;
    if (value !== null) report.value = value;
  } catch (err) {
    if (!(err instanceof SysError)) throw err;
    report.ok = false;
    report.error = toOptionError(err, hintFor(get, err, ctx));
  }
  return report;
}
