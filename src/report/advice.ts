import type { Advice } from '../advice/schema.js';
import { mibText, msText, rateText } from '../advice/units.js';
import { table, valueText } from './text.js';

// POST /v1/advice as text for a terminal: the path and its arithmetic, one row per setting with
// the reasons under the table, the requested buffers, then the sysctl file and commands.


export function adviceText(a: Advice): string {
  const { path, window: w } = a;
  const run = path.run;
  const from = run
    ? `measured by run ${run.id} (${run.transport} ${run.pattern}${run.peer ? ` to ${run.peer}` : ', loopback'}): rtt ${run.rttMicros} µs${run.bitsPerSecond === null ? '' : `, ${rateText(run.bitsPerSecond)}`}`
    : 'as given';
  const lines = [
    `${rateText(path.bandwidthBitsPerSecond)} x ${msText(path.rttMs)}, ${from}`,
    `host ${a.host.hostname}, kernel ${a.host.kernel}, ${a.host.takenAt}`,
    '',
    `bandwidth-delay product  ${a.bdpBytes} bytes (${mibText(a.bdpBytes)})`,
    `window share             ${Math.round(w.share * 100)} % of the buffer (${w.mechanism})`,
    `receive buffer           ${w.bufferBytes} bytes (${mibText(w.bufferBytes)}): SO_RCVBUF=${w.socketOptionBytes} or tcp_rmem max`,
    `send buffer              ${w.sendBufferBytes} bytes (${mibText(w.sendBufferBytes)}): SO_SNDBUF=${w.sendSocketOptionBytes} or tcp_wmem max`,
    `window scale             ${w.windowScale ?? 'beyond 14'}${w.connectionsNeeded > 1 ? `; ${w.connectionsNeeded} parallel connections needed` : ''}`,
    '',
    a.summary,
    '',
    `How the share was derived: ${w.derivation}`,
    '',
    table(['SETTING', 'CURRENT', 'NEEDED', 'SET', 'VERDICT'], a.settings.map((s) => [s.name, valueText(s.current), valueText(s.needed), valueText(s.set), s.verdict])).trimEnd(),
    '',
    ...a.settings.map((s) => `${s.name}: ${s.reason}${s.verdict === 'ok' ? '' : ` [${s.source}]`}`),
  ];
  if (a.buffers.length > 0) {
    lines.push('', table(['OPTION', 'REQUESTED', 'STORED', 'CLAMPED', 'AUTOTUNING', 'WINDOW', 'AT MOST', 'ENOUGH'],
      a.buffers.map((b) => [b.option, b.requested, b.storedBytes, b.clamped ? `to ${b.limit.name}` : 'no', b.autotuning, b.windowBytes, rateText(b.maxBitsPerSecond), b.enough ? 'yes' : 'no'])).trimEnd(),
    '', ...a.buffers.map((b) => `${b.option}=${b.requested}: ${b.note}`));
  }
  lines.push('', `${a.sysctlFile.path} (not applied):`, a.sysctlFile.content.trimEnd());
  if (a.commands.length > 0) lines.push('', 'Or until the next boot:', ...a.commands);
  return `${lines.join('\n')}\n`;
}
