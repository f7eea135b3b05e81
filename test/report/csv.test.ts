import t from 'tap';
import { toCsv } from '../../src/report/csv.js';

t.test('ends every record with CRLF, header first', async (t) => {
  t.equal(toCsv(['a', 'b'], [[1, 2], [3, 4]]), 'a,b\r\n1,2\r\n3,4\r\n');
  t.equal(toCsv(['only'], []), 'only\r\n', 'no rows: the header alone');
});

t.test('quotes fields with commas, quotes and line breaks, doubling inner quotes', async (t) => {
  t.equal(toCsv(['x'], [['a,b'], ['say "hi"'], ['two\nlines'], ['cr\rhere'], ['plain']]), 'x\r\n"a,b"\r\n"say ""hi"""\r\n"two\nlines"\r\n"cr\rhere"\r\nplain\r\n');
});

t.test('missing values are empty fields; numbers and booleans as written', async (t) => {
  t.equal(toCsv(['a', 'b', 'c', 'd'], [[null, undefined, '', true]]), 'a,b,c,d\r\n,,,true\r\n');
  t.equal(toCsv(['n'], [[0.1 + 0.2], [1048576], [12345678901.5], [-3], [0.000123]]), 'n\r\n0.30000000000000004\r\n1048576\r\n12345678901.5\r\n-3\r\n0.000123\r\n');
});

t.test('text that a spreadsheet would run as a formula gets a leading apostrophe', async (t) => {
  const cells = ['=SUM(A1:A2)', '+1', '-1', '@cmd', '\tx', '=1,2', 'a=b'];
  const lines = toCsv(['v'], cells.map((c) => [c])).split('\r\n');
  t.same(lines.slice(1, 6), ["'=SUM(A1:A2)", "'+1", "'-1", "'@cmd", "'\tx"]);
  t.equal(toCsv(['v'], [['\rx']]), 'v\r\n"\'\rx"\r\n', 'a leading CR is neutralised and still quoted');
  t.equal(lines[6], `"'=1,2"`, 'the apostrophe goes inside the quotes');
  t.equal(lines[7], 'a=b', 'only a leading character counts');
  t.equal(toCsv(['n'], [[-5]]), 'n\r\n-5\r\n', 'a negative number is a number, not a formula');
  t.equal(toCsv(['=h'], []), "'=h\r\n", 'headers are protected too');
});
