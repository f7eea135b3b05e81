// What one libc call costs through koffi, next to the same call from C: the tax the engine pays
// on every send and recv (all its libc calls go through native-bindings/, which uses koffi).
// The calls fail at once (send on descriptor -1: EBADF), so what is timed is the call path and
// the kernel's entry and exit, not any work. The C side is compiled with cc when it exists.
//
//   node --import tsx scripts/bench-ffi.ts [--calls 2000000]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { c } from '../native-bindings/libc.js';

const { values: args } = parseArgs({ options: { calls: { type: 'string', default: '2000000' } } });
const CALLS = Number(args.calls);
const buf = Buffer.alloc(131072);
const MSG_DONTWAIT = 0x40;

function perCall(fn: () => void): number {
  for (let i = 0; i < CALLS / 10; i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) fn();
  return Number(process.hrtime.bigint() - t0) / CALLS;
}

const C_SOURCE = `#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
static char buf[131072];
int main(int argc, char **argv) {
  long n = atol(argv[1]);
  struct timespec a, b;
  for (long i = 0; i < n / 10; i++) send(-1, buf, sizeof buf, MSG_DONTWAIT);
  clock_gettime(CLOCK_MONOTONIC, &a);
  for (long i = 0; i < n; i++) send(-1, buf, sizeof buf, MSG_DONTWAIT);
  clock_gettime(CLOCK_MONOTONIC, &b);
  printf("%.1f\\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n);
  return 0;
}
`;

function cPerCall(): number | null {
  const dir = mkdtempSync(join(tmpdir(), 'sockbench-ffi-'));
  try {
    writeFileSync(join(dir, 'send.c'), C_SOURCE);
    const built = spawnSync('cc', ['-O2', '-o', join(dir, 'send'), join(dir, 'send.c')]);
    if (built.error || built.status !== 0) return null;
    return Number(spawnSync(join(dir, 'send'), [String(CALLS)], { encoding: 'utf8' }).stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const raw = perCall(() => c.send(-1, buf, buf.length, MSG_DONTWAIT));
const clock = perCall(() => process.hrtime());
const native = cPerCall();
console.log(`send(-1, 128 KiB, MSG_DONTWAIT), ${CALLS} calls each:`);
console.log(`  through koffi (native-bindings/libc.ts): ${raw.toFixed(1)} ns per call`);
if (native === null) console.log('  C: no C compiler (cc) here; apt-get install -y gcc to compare');
else console.log(`  from C:                                  ${native.toFixed(1)} ns per call -> koffi adds ${(raw - native).toFixed(1)} ns`);
console.log(`process.hrtime() (the engine's clock): ${clock.toFixed(1)} ns per call`);
