import type { ProbeResult } from '../options/probe.js';
import { table, valueText } from './text.js';

/** A probe as a terminal reads it: each option set, then each one read back. */
export function probeText(r: ProbeResult): string {
  const head = `${r.transport}, options on the ${r.side} side; client ${r.pair.client}, server ${r.pair.server}${r.pair.nudged ? ' (accepted after a nudge byte)' : ''}\n\n`;
  const opts = table(
    ['OPTION', 'PHASE', 'REQUESTED', 'BEFORE', 'EFFECTIVE', 'CONNECTED', 'OK', 'NOTE'],
    r.options.map((o) => [o.name, o.appliedAt, valueText(o.requested), valueText(o.before), valueText(o.effective),
      o.connected === undefined ? '' : valueText(o.connected), o.ok ? 'ok' : o.error?.code, o.note ?? o.error?.hint]),
  );
  const gets = r.get.length === 0 ? '' : '\n' + table(
    ['GET', 'LENGTH', 'VALUE'],
    r.get.map((g) => [g.name, g.length, g.ok ? (g.value === undefined ? `0x${g.hex}` : valueText(g.value)) : `${g.error?.code}: ${g.error?.hint}`]),
  );
  return head + opts + gets;
}
