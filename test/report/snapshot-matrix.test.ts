import t from 'tap';
import { matrixOf, type MatrixEntry } from '../../src/host/matrix.js';
import { toCsv } from '../../src/report/csv.js';
import { MATRIX_CSV_HEADER, matrixCsvRows, matrixText } from '../../src/report/snapshot-matrix.js';

// The matrix as people and spreadsheets read it: long host lists are cut, absent keys and ties said.

const entry = (hostname: string, doc: Record<string, unknown>): MatrixEntry => ({
  doc: { host: { hostname }, ...doc }, host: { hostname, label: null, source: 'inline', id: null, takenAt: null, state: null },
});
const fleet = [
  ...Array.from({ length: 7 }, (_, i) => entry(`web-${i}`, { sysctls: { rmem: 1, knob: 5 } })),
  entry('db-1', { sysctls: { rmem: 2 } }),
  entry('db-2', { sysctls: { rmem: 2, knob: 6 } }),
];

t.test('text: the majority row names its hosts only when they are few; outliers are cut after five', async (t) => {
  const m = matrixOf(fleet, ['/host/hostname']);
  t.equal(matrixText(m), [
    '2 of 9 hosts differ on 2 keys',
    'outliers: db-1 (2), db-2 (2)',
    '',
    'KEY            VALUE     HOSTS  WHICH',
    '/sysctls/rmem  1         7      (majority)',
    '               2         2      db-1, db-2',
    '/sysctls/knob  5         7      (majority)',
    '               (absent)  1      db-1',
    '               6         1      db-2',
    '',
  ].join('\n'), 'equal counts: the earliest snapshot\'s value first');
  const many = matrixOf([entry('a', { x: 1 }), ...Array.from({ length: 7 }, (_, i) => entry(`b-${i}`, { x: 2 })), entry('c', { x: 1 })], ['/host/hostname']);
  t.match(matrixText(many), /\n\/x +2 +7 +\(majority\)\n +1 +2 +a, c\n$/);
  const crowd = matrixOf([...Array.from({ length: 9 }, (_, i) => entry(`b-${i}`, { x: 2 })), ...Array.from({ length: 7 }, (_, i) => entry(`o-${i}`, { x: 1 }))], ['/host/hostname']);
  t.match(matrixText(crowd), /\n +1 +7 +o-0, o-1, o-2, o-3, o-4 and 2 more\n$/);
  const tie = matrixOf([entry('a', { x: 1 }), entry('b', { x: 2 })], ['/host/hostname']);
  t.match(matrixText(tie), /\n\/x +1 +1 +a \(tied\)\n +2 +1 +b\n$/);
  t.equal(matrixText(matrixOf([entry('a', { x: 1 }), entry('b', { x: 1 })], ['/host/hostname'])), 'all 2 hosts agree on all 1 key\n', 'agreement is one line');
});

t.test('CSV: one record per key and value, every host named, an absent key as an empty value', async (t) => {
  const m = matrixOf(fleet, ['/host/hostname']);
  t.equal(toCsv(MATRIX_CSV_HEADER, matrixCsvRows(m)), [
    'path,value,absent,hosts,majority,hostnames',
    '/sysctls/rmem,1,false,7,true,web-0; web-1; web-2; web-3; web-4; web-5; web-6',
    '/sysctls/rmem,2,false,2,false,db-1; db-2',
    '/sysctls/knob,5,false,7,true,web-0; web-1; web-2; web-3; web-4; web-5; web-6',
    '/sysctls/knob,,true,1,false,db-1',
    '/sysctls/knob,6,false,1,false,db-2',
    '',
  ].join('\r\n'));
});
