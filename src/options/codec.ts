import {
  decodeLinger, decodeTcpInfo, decodeTimeval, encodeLinger, encodeTimeval, LINGER_SIZE,
  TCP_INFO_SIZE, TIMEVAL_SIZE,
} from '../../native-bindings/index.js';
import { errors } from '../errors.js';
import type { DecodedValue, OptionValue, ValueType } from './types.js';

/** Largest getsockopt buffer a client may ask for. */
export const MAX_BUFLEN = 65536;
/** Largest raw value a client may send, in bytes. */
export const MAX_RAW_BYTES = 4096;

const INT32_MIN = -(2 ** 31);
const UINT32_MAX = 2 ** 32 - 1;

/** The buffer getsockopt gets for each type unless the client names one. */
export const DEFAULT_BUFLEN: Record<ValueType, number> = {
  int: 4, uint32: 4, uint64: 8, bool: 4,
  linger: LINGER_SIZE, timeval: TIMEVAL_SIZE,
  // IFNAMSIZ is 16 and TCP_CA_NAME_MAX is 16; more room costs nothing and fits TCP_ULP names.
  string: 64,
  bytes: 256,
  // Larger than the running kernel's 280 bytes, so a newer kernel's extra fields still fit.
  tcp_info: Math.max(512, TCP_INFO_SIZE),
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function describe(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

export function isHexValue(v: unknown): v is { hex: string } {
  return isObject(v) && Object.keys(v).length === 1 && typeof v.hex === 'string';
}

export function hexToBuffer(hex: string, field: string): Buffer {
  const clean = hex.replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(clean)) {
    throw errors.invalidValue(`${field}: "${hex}" is not hex bytes; give an even number of hex digits, e.g. {"hex": "01000000"}.`, field);
  }
  if (clean.length / 2 > MAX_RAW_BYTES) {
    throw errors.invalidValue(`${field}: ${clean.length / 2} bytes is more than the ${MAX_RAW_BYTES}-byte limit for raw values.`, field);
  }
  return Buffer.from(clean, 'hex');
}

function int32(v: number): Buffer {
  const b = Buffer.alloc(4);
  if (v > 2 ** 31 - 1) b.writeUInt32LE(v); else b.writeInt32LE(v);
  return b;
}

/**
 * Turns a JSON value into the bytes setsockopt gets for an option of `type`. `{hex}` is accepted
 * for every type, as raw bytes. `field` names the value in error messages (e.g. "options.SO_LINGER").
 */
export function encodeValue(type: ValueType | null, value: OptionValue, field: string): Buffer {
  if (isHexValue(value)) return hexToBuffer(value.hex, field);
  const wrong = (expected: string): never => {
    throw errors.invalidValue(`${field} takes ${expected}; got ${describe(value)}.`, field);
  };
  switch (type) {
    case 'bool':
      if (typeof value === 'boolean') return int32(value ? 1 : 0);
      if (isInt(value) && value >= INT32_MIN && value <= UINT32_MAX) return int32(value);
      return wrong('true or false (or an integer: the kernel stores any non-zero value as 1)');
    case 'int':
    case 'uint32':
    case null:
      if (isInt(value) && value >= INT32_MIN && value <= UINT32_MAX) return int32(value);
      if (typeof value === 'boolean' && type === null) return int32(value ? 1 : 0);
      return wrong(`an integer from ${INT32_MIN} to ${UINT32_MAX}` + (type === null ? ', a boolean or {"hex": "..."}' : ''));
    case 'uint64': {
      if (!isInt(value) || value < 0 || !Number.isSafeInteger(value)) return wrong('a non-negative integer');
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(value));
      return b;
    }
    case 'linger':
      if (isObject(value) && isInt(value.onoff) && isInt(value.linger) && Object.keys(value).length === 2
        && inInt32(value.onoff) && inInt32(value.linger)) {
        return encodeLinger({ onoff: value.onoff, linger: value.linger });
      }
      return wrong('{"onoff": 0 or 1, "linger": seconds} (32-bit integers)');
    case 'timeval':
      if (isObject(value) && isInt(value.sec) && isInt(value.usec) && Object.keys(value).length === 2
        && Number.isSafeInteger(value.sec) && Number.isSafeInteger(value.usec)) {
        return encodeTimeval({ sec: value.sec, usec: value.usec });
      }
      return wrong('{"sec": seconds, "usec": microseconds 0..999999}');
    case 'string':
      if (typeof value === 'string' && Buffer.byteLength(value) < 256) return Buffer.from(value, 'utf8');
      return wrong('a string of fewer than 256 bytes');
    case 'bytes':
      return wrong('{"hex": "..."}');
    case 'tcp_info':
      return wrong('nothing: TCP_INFO is read-only');
  }
}

function inInt32(v: number): boolean {
  return v >= INT32_MIN && v <= 2 ** 31 - 1;
}

/** Turns the bytes getsockopt returned into JSON for an option of `type` (null: raw only). */
export function decodeValue(type: ValueType | null, buf: Buffer): DecodedValue | null {
  switch (type) {
    case 'int':
      return buf.length >= 4 ? buf.readInt32LE(0) : null;
    case 'uint32':
      return buf.length >= 4 ? buf.readUInt32LE(0) : null;
    case 'bool':
      return buf.length >= 4 ? buf.readInt32LE(0) !== 0 : null;
    case 'uint64': {
      // Exact either way: a number up to 2^53-1, else its decimal string (SO_MAX_PACING_RATE's
      // unlimited ~0 reads as "18446744073709551615").
      if (buf.length >= 8) {
        const v = buf.readBigUInt64LE(0);
        return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
      }
      return buf.length >= 4 ? buf.readUInt32LE(0) : null;
    }
    case 'linger':
      return buf.length >= LINGER_SIZE ? decodeLinger(buf) : null;
    case 'timeval':
      return buf.length >= TIMEVAL_SIZE ? decodeTimeval(buf) : null;
    case 'string': {
      const end = buf.indexOf(0);
      return buf.subarray(0, end === -1 ? buf.length : end).toString('utf8');
    }
    case 'tcp_info':
      return decodeTcpInfo(buf);
    case 'bytes':
    case null:
      return null;
  }
}
