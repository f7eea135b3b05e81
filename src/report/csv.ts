/** One CSV cell before encoding: missing values (null, undefined) become empty fields. */
export type CsvCell = string | number | boolean | null | undefined;

// A spreadsheet evaluates a text cell starting with one of these as a formula (CSV injection, OWASP).
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

function cellText(cell: CsvCell): string {
  if (cell === null || cell === undefined) return '';
  if (typeof cell !== 'string') return String(cell);
  return FORMULA_START.test(cell) ? `'${cell}` : cell;
}

function encodeCell(cell: CsvCell): string {
  const text = cellText(cell);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** An RFC 4180 document: a header record, then one record per row, every record ended by CRLF. */
export function toCsv(header: string[], rows: CsvCell[][]): string {
  return [header, ...rows].map((record) => `${record.map(encodeCell).join(',')}\r\n`).join('');
}
