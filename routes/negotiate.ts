import { junitXml, tapText, type CiReport } from '../src/report/ci.js';
import { toCsv, type CsvCell } from '../src/report/csv.js';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** CSV for spreadsheets and CI artifacts: `Accept: text/csv` or `?format=csv`. */
export function wantsCsv(request: FastifyRequest): boolean {
  const format = (request.query as { format?: string } | undefined)?.format;
  if (format !== undefined) return format === 'csv';
  return /\btext\/csv\b/.test(request.headers.accept ?? '');
}

export function sendCsv(reply: FastifyReply, header: string[], rows: CsvCell[][], filename: string): FastifyReply {
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `inline; filename="${filename}"`).send(toCsv(header, rows));
}

/** Text for people: `Accept: text/plain` or `?format=text`; JSON otherwise. */
export function wantsText(request: FastifyRequest): boolean {
  const format = (request.query as { format?: string } | undefined)?.format;
  if (format !== undefined) return format === 'text';
  const accept = request.headers.accept ?? '';
  return /\btext\/plain\b/.test(accept) && !/\bapplication\/json\b/.test(accept.split('text/plain')[0]);
}

/** Sends `text` as text/plain when the client asked for it, else `data` as JSON. */
export function negotiate<T>(request: FastifyRequest, reply: FastifyReply, data: T, text: (d: T) => string): FastifyReply | T {
  if (!wantsText(request)) return data;
  return reply.type('text/plain; charset=utf-8').send(text(data));
}

/** A CI report when asked for one: `?format=junit` (or `Accept: application/xml`) or `?format=tap`. */
function reportFormat(request: FastifyRequest): 'junit' | 'tap' | null {
  const format = (request.query as { format?: string } | undefined)?.format;
  if (format === 'junit' || format === 'tap') return format;
  if (format !== undefined) return null;
  return /\b(application|text)\/xml\b/.test(request.headers.accept ?? '') ? 'junit' : null;
}

/** negotiate, plus JUnit XML and TAP for results that CI systems read. */
export function negotiateReport<T>(request: FastifyRequest, reply: FastifyReply, data: T, text: (d: T) => string, report: (d: T) => CiReport): FastifyReply | T {
  const format = reportFormat(request);
  if (format === 'junit') return reply.type('application/xml; charset=utf-8').send(junitXml(report(data)));
  if (format === 'tap') return reply.type('text/plain; charset=utf-8').send(tapText(report(data)));
  return negotiate(request, reply, data, text);
}
