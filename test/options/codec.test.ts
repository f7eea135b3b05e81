import t from 'tap';
import { decodeValue, encodeValue, hexToBuffer, isHexValue, MAX_RAW_BYTES } from '../../src/options/codec.js';
import type { OptionValue } from '../../src/options/types.js';

const fails = (type: Parameters<typeof encodeValue>[0], value: unknown, message: RegExp) =>
  t.throws(() => encodeValue(type, value as OptionValue, 'options.X'), { code: 'SOCKBENCH_INVALID_VALUE', field: 'options.X', message });

t.test('encodes every type the kernel reads', async (t) => {
  t.same([...encodeValue('int', -1, 'f')], [0xff, 0xff, 0xff, 0xff]);
  t.same([...encodeValue('uint32', 4294967295, 'f')], [0xff, 0xff, 0xff, 0xff]);
  t.same([...encodeValue('bool', true, 'f')], [1, 0, 0, 0]);
  t.same([...encodeValue('bool', 5, 'f')], [5, 0, 0, 0], 'integers go through: the kernel shows what it does with them');
  t.same([...encodeValue(null, false, 'f')], [0, 0, 0, 0], 'raw options take booleans as ints');
  t.equal(encodeValue('uint64', 2 ** 40, 'f').readBigUInt64LE(0), 2n ** 40n);
  t.equal(encodeValue('linger', { onoff: 1, linger: 5 }, 'f').length, 8);
  t.equal(encodeValue('timeval', { sec: 1, usec: 2 }, 'f').length, 16);
  t.equal(encodeValue('string', 'reno', 'f').toString(), 'reno');
  t.same([...encodeValue('tcp_info', { hex: '0a0b' }, 'f')], [10, 11], 'hex is raw bytes for any type');
});

t.test('refuses values of the wrong shape, naming the field and the expected form', async (t) => {
  fails('bool', 'yes', /options\.X takes true or false/);
  fails('int', 1.5, /an integer from -2147483648 to 4294967295/);
  fails('int', 2 ** 32, /an integer/);
  fails(null, 'x', /a boolean or \{"hex": "\.\.\."\}/);
  fails('uint64', -1, /a non-negative integer/);
  fails('linger', { onoff: 1 }, /\{"onoff": 0 or 1, "linger": seconds\}/);
  fails('linger', { onoff: 1, linger: 2 ** 31 }, /32-bit/);
  fails('timeval', { sec: 1, usec: 1, extra: 1 }, /\{"sec": seconds, "usec": microseconds/);
  fails('string', 'x'.repeat(256), /fewer than 256 bytes/);
  fails('bytes', 1, /\{"hex": "\.\.\."\}/);
  fails('tcp_info', 1, /read-only/);
});

t.test('hex: separators and 0x allowed, odd lengths and oversize refused', async (t) => {
  t.same([...hexToBuffer('0x01:02 03', 'f')], [1, 2, 3]);
  t.throws(() => hexToBuffer('abc', 'f'), { message: /even number of hex digits/ });
  t.throws(() => hexToBuffer('00'.repeat(MAX_RAW_BYTES + 1), 'f'), { message: new RegExp(`${MAX_RAW_BYTES}-byte limit`) });
  t.ok(isHexValue({ hex: '' }));
  t.notOk(isHexValue({ hex: '00', other: 1 }));
});

t.test('decodes by type and by the length the kernel returned', async (t) => {
  const i = Buffer.alloc(4);
  i.writeInt32LE(-1);
  t.equal(decodeValue('int', i), -1);
  t.equal(decodeValue('uint32', i), 4294967295);
  t.equal(decodeValue('bool', i), true);
  t.equal(decodeValue('int', i.subarray(0, 2)), null, 'too short to be an int');
  t.equal(decodeValue('uint64', i), 4294967295, 'a u64 option read with optlen 4');
  t.equal(decodeValue('uint64', Buffer.alloc(2)), null);
  const u64 = Buffer.alloc(8);
  u64.writeBigUInt64LE(2n ** 53n - 1n);
  t.equal(decodeValue('uint64', u64), Number.MAX_SAFE_INTEGER, 'up to 2^53-1: a number');
  u64.writeBigUInt64LE(2n ** 64n - 1n);
  t.equal(decodeValue('uint64', u64), '18446744073709551615', 'past it (SO_MAX_PACING_RATE\'s unlimited ~0): the exact decimal string');
  t.equal(decodeValue('linger', Buffer.alloc(4)), null);
  t.equal(decodeValue('timeval', Buffer.alloc(8)), null);
  t.equal(decodeValue('string', Buffer.from('bbr\0\0\0')), 'bbr');
  t.equal(decodeValue('string', Buffer.from('lo')), 'lo', 'no NUL: the whole buffer');
  t.equal(decodeValue('bytes', i), null);
  t.equal(decodeValue(null, i), null);
});
