import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { SenderQdisc } from '../bench/index.js';

const run = promisify(execFile);
/** ip and tc answer in milliseconds; a host where they hang must not hold up a result. */
const TOOL_TIMEOUT_MS = 2000;

/**
 * The qdisc on the way to `destination` (an IP address) from this host, in this network
 * namespace; null when `ip` or `tc` is missing or fails (the result then says nothing rather
 * than guess).
 */
export async function senderQdisc(destination: string): Promise<SenderQdisc | null> {
  try {
    const route = await run('ip', ['-o', 'route', 'get', destination], { timeout: TOOL_TIMEOUT_MS });
    const device = /\bdev (\S+)/.exec(route.stdout)?.[1];
    if (!device) return null;
    const shown = await run('tc', ['qdisc', 'show', 'dev', device], { timeout: TOOL_TIMEOUT_MS });
    const tc = shown.stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('qdisc '));
    const rootLine = tc.find((l) => /\broot\b/.test(l)) ?? null;
    const root = rootLine === null ? null : rootLine.split(/\s+/)[1] ?? null;
    // A multiqueue root (mq) holds a qdisc per queue: fq on any of them paces.
    return { device, root, tc, pacedBy: tc.some((l) => /^qdisc fq /.test(l)) ? 'fq' : 'tcp' };
  } catch {
    return null;
  }
}
