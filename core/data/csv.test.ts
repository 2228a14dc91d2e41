import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Table } from 'apache-arrow';
import { isNodeError } from '../base/errors.js';
import { expectNodeError } from '../sdk/testing.js';
import { readCsv, readCsvTuned, uniqueNames, type CsvReadOptions, type CsvTuning } from './csv.js';
import { createTokenizer, FieldCounter, fieldCountOf, tokenizeUntil } from './csv-tokenize.js';

const PENGUINS = fileURLToPath(new URL('../../examples/data/penguins.csv', import.meta.url));
const encoder = new TextEncoder();

function csv(text: string, options: CsvReadOptions = {}) {
  return readCsv({ bytes: encoder.encode(text), name: 'test.csv' }, options);
}

function rows(table: Table): Record<string, unknown>[] {
  return table.toArray().map((row) => ({ ...row.toJSON() }));
}

function types(table: Table): Record<string, string> {
  return Object.fromEntries(table.schema.fields.map((field) => [field.name, String(field.type)]));
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'tensorloom-csv-'));
}

describe('readCsv: types', () => {
  it('infers int, float, bool and string columns', async () => {
    const { table, columnTypes } = await csv('i,f,b,s\n1,1.5,true,x\n-2,2,FALSE,y\n3,-0.25,True,z\n');
    expect(types(table)).toEqual({ i: 'Int32', f: 'Float64', b: 'Bool', s: 'Utf8' });
    expect(columnTypes).toEqual(['int', 'float', 'bool', 'string']);
    expect(rows(table)).toEqual([
      { i: 1, f: 1.5, b: true, s: 'x' },
      { i: -2, f: 2, b: false, s: 'y' },
      { i: 3, f: -0.25, b: true, s: 'z' },
    ]);
  });

  it('uses Float64 for integers beyond Int32', async () => {
    const { table } = await csv('a,b\n2147483647,2147483648\n-2147483648,1\n');
    expect(types(table)).toEqual({ a: 'Int32', b: 'Float64' });
    expect(rows(table)[0]).toEqual({ a: 2147483647, b: 2147483648 });
  });

  it('reads missing markers as null, but not "-"', async () => {
    const { table } = await csv('n,s\n1,a\n,b\nNA,c\nN/A,d\nNaN,e\nnan,f\nnull,g\nNULL,h\nNone,i\n" NA ",NA\n5,-\n');
    expect(types(table)).toEqual({ n: 'Int32', s: 'Utf8' });
    expect(rows(table).map((r) => r.n)).toEqual([1, null, null, null, null, null, null, null, null, null, 5]);
    expect(rows(table).map((r) => r.s)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', null, '-']);
  });

  it('reads inf and Infinity as Float64 infinities', async () => {
    const { table } = await csv('x\n1.5\ninf\n-Infinity\n+inf\n');
    expect(types(table)).toEqual({ x: 'Float64' });
    expect(rows(table).map((r) => r.x)).toEqual([1.5, Infinity, -Infinity, Infinity]);
  });

  it('keeps text cells exactly, spaces included, and trims numbers', async () => {
    const { table } = await csv('a,b\n 7 , x \n8,y\n');
    expect(rows(table)).toEqual([
      { a: 7, b: ' x ' },
      { a: 8, b: 'y' },
    ]);
  });

  it('makes a column of only missing values a string column of nulls', async () => {
    const { table } = await csv('a,b\n1,\n2,NA\n');
    expect(types(table).b).toBe('Utf8');
    expect(rows(table).map((r) => r.b)).toEqual([null, null]);
  });

  it('reads a mix of numbers and booleans as text, exactly', async () => {
    const { table } = await csv('v\n1\ntrue\n2.5\nfalse\n');
    expect(types(table)).toEqual({ v: 'Utf8' });
    expect(rows(table).map((r) => r.v)).toEqual(['1', 'true', '2.5', 'false']);
  });

  it('parses numbers exactly as Number() does', async () => {
    const samples = ['0.1', '0.3', '1e-7', '123456.789', '-0.000123', '1.7976931348623157e308', '5e-324', '9007199254740993', '0.30000000000000004', '.5', '5.', '1E+05', '00012.5000'];
    const { table } = await csv(`x\n${samples.join('\n')}\n`);
    expect(rows(table).map((r) => r.x)).toEqual(samples.map(Number));
  });

  it("keeps the sign of '-0' (a float cell, so a column of integers does not drop it)", async () => {
    for (const text of ['x\n-0\n', 'x\n-0\n1\n', 'x\n"-0"\n', 'x\n-000\n2\n']) {
      const { table } = await csv(text);
      expect(Object.is(rows(table)[0]!.x, -0), JSON.stringify(text)).toBe(true);
    }
    const { table } = await csv('x\n0\n1\n');
    expect(Object.is(rows(table)[0]!.x, 0)).toBe(true);
  });

  it('parses any decimal number exactly as Number() does (property)', async () => {
    const decimal = fc
      .tuple(
        fc.boolean(),
        fc.stringMatching(/^[0-9]{1,20}$/),
        fc.option(fc.stringMatching(/^[0-9]{0,20}$/), { nil: undefined }),
        fc.option(fc.integer({ min: -330, max: 310 }), { nil: undefined }),
      )
      .map(([negative, whole, fraction, exponent]) => `${negative ? '-' : ''}${whole}${fraction === undefined ? '' : `.${fraction}`}${exponent === undefined ? '' : `e${exponent}`}`);
    await fc.assert(
      fc.asyncProperty(fc.array(decimal, { minLength: 1, maxLength: 30 }), async (values) => {
        const { table } = await csv(`x\n${values.join('\n')}\n`);
        const got = rows(table).map((r) => r.x);
        expect(got).toEqual(values.map((v) => Number(v)));
      }),
      { numRuns: 200 },
    );
  });

  it('round-trips doubles printed by JS', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 30 }), async (values) => {
        const text = values.map((v) => (Object.is(v, -0) ? '0' : String(v)));
        const { table } = await csv(`x\n${text.join('\n')}\n`);
        expect(rows(table).map((r) => r.x)).toEqual(text.map(Number));
      }),
      { numRuns: 100 },
    );
  });
});

describe('readCsv: quoting and lines', () => {
  it('handles quoted delimiters, newlines and escaped quotes', async () => {
    const { table } = await csv('id,text\n1,"a,b"\n2,"line1\nline2"\n3,"say ""hi"""\n4,""\n');
    expect(rows(table)).toEqual([
      { id: 1, text: 'a,b' },
      { id: 2, text: 'line1\nline2' },
      { id: 3, text: 'say "hi"' },
      { id: 4, text: null },
    ]);
  });

  it('reads quoted numbers as numbers', async () => {
    const { table } = await csv('a,b\n"1","2.5"\n"3","4"\n');
    expect(types(table)).toEqual({ a: 'Int32', b: 'Float64' });
    expect(rows(table)).toEqual([
      { a: 1, b: 2.5 },
      { a: 3, b: 4 },
    ]);
  });

  it('accepts CRLF, a BOM, blank lines, blank-looking lines and no final newline', async () => {
    const { table } = await csv('\ufeffa,b\r\n1,x\r\n\r\n   \r\n2,"y\r\nz"\r\n\n3,w');
    expect(table.schema.fields.map((f) => f.name)).toEqual(['a', 'b']);
    expect(rows(table)).toEqual([
      { a: 1, b: 'x' },
      { a: 2, b: 'y\r\nz' },
      { a: 3, b: 'w' },
    ]);
  });

  it('accepts lone CR line ends', async () => {
    const { table } = await csv('a,b\r1,x\r2,y\r');
    expect(rows(table)).toEqual([
      { a: 1, b: 'x' },
      { a: 2, b: 'y' },
    ]);
  });

  it('keeps text after a closing quote', async () => {
    const { table } = await csv('a\n"x"y\nz\n');
    expect(rows(table).map((r) => r.a)).toEqual(['xy', 'z']);
  });

  it('reports an unterminated quote with the line where it began', async () => {
    const error = await expectNodeError(csv('a,b\n1,x\n2,"never closed\n3,z\n4,w\n'));
    expect(error.message).toContain("'test.csv' line 3");
    expect(error.message).toContain('never closed');
    expect(error.field).toBe('path');
  });
});

describe('readCsv: delimiters', () => {
  it.each([
    [';', 'a;b\n1,5;x\n2,5;y\n'],
    ['\t', 'a\tb\n1\tx y\n2\tz\n'],
    ['|', 'a|b\n1|x,y\n2|z\n'],
    [',', 'a,b\n"1;2",x\n3,y\n'],
  ])('sniffs %j', async (delimiter, text) => {
    const result = await csv(text);
    expect(result.delimiter).toBe(delimiter);
    expect(result.table.numCols).toBe(2);
    expect(result.table.numRows).toBe(2);
  });

  it('falls back to comma for a single column', async () => {
    const result = await csv('name\nAda\nGrace\n');
    expect(result.delimiter).toBe(',');
    expect(rows(result.table)).toEqual([{ name: 'Ada' }, { name: 'Grace' }]);
  });

  it('honours an explicit delimiter, including "tab"', async () => {
    expect(rows((await csv('a;b\n1;2\n', { delimiter: ';' })).table)).toEqual([{ a: 1, b: 2 }]);
    expect(rows((await csv('a\tb\n1\t2\n', { delimiter: 'tab' })).table)).toEqual([{ a: 1, b: 2 }]);
    expect(rows((await csv('a,b\n1,2\n', { delimiter: ';' })).table)).toEqual([{ 'a,b': '1,2' }]);
  });

  it('rejects an unusable delimiter, naming the param', async () => {
    const error = await expectNodeError(csv('a\n1\n', { delimiter: '::' }));
    expect(error.field).toBe('delimiter');
    expect(error.message).toContain("'auto'");
  });
});

describe('readCsv: header', () => {
  it('names empty headers column<N> and makes repeats unique', async () => {
    const { table } = await csv('a, ,a,a_2,a\n1,2,3,4,5\n');
    expect(table.schema.fields.map((f) => f.name)).toEqual(['a', 'column2', 'a_3', 'a_2', 'a_4']);
  });

  it('uniqueNames never produces a repeat', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('', 'a', 'a_2', 'a_3', 'b', 'column2', 'column3'), { maxLength: 12 }), (raw) => {
        const names = uniqueNames(raw);
        expect(new Set(names).size).toBe(names.length);
        expect(names).toHaveLength(raw.length);
      }),
    );
  });

  it('without a header names columns column1..N and keeps the first row', async () => {
    const { table } = await csv('1,x\n2,y\n', { header: false });
    expect(rows(table)).toEqual([
      { column1: 1, column2: 'x' },
      { column1: 2, column2: 'y' },
    ]);
  });

  it('reads a header-only file as 0 rows of string columns', async () => {
    const { table, rowsRead } = await csv('a,b\n');
    expect(rowsRead).toBe(0);
    expect(types(table)).toEqual({ a: 'Utf8', b: 'Utf8' });
  });
});

describe('readCsv: column limit (maxColumns)', () => {
  const commas = (n: number) => ','.repeat(n - 1);

  it('refuses a header one column over the limit, naming file, count, limit and param', async () => {
    const error = await expectNodeError(csv(`${commas(11)}\n${commas(11)}\n`, { maxColumns: 10 }));
    expect(error.message).toBe(
      "'test.csv': the header has 11 columns, more than the limit of 10 (param maxColumns). Check the delimiter, or raise maxColumns to read a table this wide.",
    );
    expect(error.field).toBe('maxColumns');
    expect((await csv(`${commas(10)}\n${commas(10)}\n`, { maxColumns: 10 })).table.numCols).toBe(10);
  });

  it('has a default limit of 10,000 columns', async () => {
    const over = Array.from({ length: 10_001 }, (_, k) => `c${k}`).join(',');
    const error = await expectNodeError(csv(`${over}\n`));
    expect(error.message).toContain('the header has 10,001 columns, more than the limit of 10,000 (param maxColumns)');
    expect((await csv(`${over}\n`, { maxColumns: 10_001 })).table.numCols).toBe(10_001);
  });

  it('refuses a 50 MB header of commas from a file, with its exact count', async () => {
    const path = join(tempDir(), 'commas.csv');
    writeFileSync(path, Buffer.concat([Buffer.alloc(50 << 20, ','), Buffer.from('\n1\n')]));
    const error = await expectNodeError(readCsv({ path, name: 'data/commas.csv' }));
    expect(error.message).toBe(
      "'data/commas.csv': the header has 52,428,801 columns, more than the limit of 10,000 (param maxColumns). Check the delimiter, or raise maxColumns to read a table this wide.",
    );
    expect(error.field).toBe('maxColumns');
  });

  it('counts quoted delimiters and newlines as text, in any window size', async () => {
    const header = `"a,b","c\n""d"",e",${commas(11)}\r\n1\n`;
    for (const tuning of [undefined, { windowBytes: 8, blockBytes: 4, reportBytes: 8 }]) {
      const reading = tuning ? readCsvTuned({ bytes: encoder.encode(header), name: 'q.csv' }, { maxColumns: 5 }, tuning) : csv(header, { maxColumns: 5 });
      expect((await expectNodeError(reading)).message).toContain('the header has 13 columns');
    }
  });

  it('names the first line without a header, and a data row far over the limit', async () => {
    expect((await expectNodeError(csv(`${commas(6)}\n`, { header: false, maxColumns: 5 }))).message).toBe(
      "'test.csv': the first line has 6 fields, more than the limit of 5 (param maxColumns). Check the delimiter, or raise maxColumns to read a table this wide.",
    );
    const text = `a,b,c\n1,2,3\n4,5,6\n${commas(20_001)}\n7,8,9\n`;
    const error = await expectNodeError(csv(text, { onBadRow: 'skip' }));
    expect(error.message).toContain("'test.csv' line 4 has 20,001 fields, more than the limit of 10,000 (param maxColumns), while the table has 3 columns");
    expect(error.field).toBe('maxColumns');
    // Under a raised limit the row is an ordinary bad row.
    const raised = await csv(text, { onBadRow: 'skip', maxColumns: 30_000 });
    expect(raised.rowsRead).toBe(3);
    expect(raised.badRows).toEqual([{ line: 4, reason: 'expected 3 fields, found 20001' }]);
  });

  it('rejects a limit that is not a whole number of at least 1', async () => {
    for (const maxColumns of [0, 2.5, Number.NaN]) {
      expect((await expectNodeError(csv('a\n1\n', { maxColumns }))).field).toBe('maxColumns');
    }
  });

  it('FieldCounter counts a record as the tokenizer splits it, fed whole or in pieces (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom('a', ',', '"', '\n', '\r', ' '), { maxLength: 40 }), fc.integer({ min: 1, max: 7 }), (chars, piece) => {
        const bytes = encoder.encode(`x${chars.join('')}`);
        const tokenizer = createTokenizer(bytes, true, 0, 44, 1 << 16);
        tokenizeUntil(tokenizer, Number.MAX_SAFE_INTEGER);
        if (tokenizer.unterminatedQuoteLine !== undefined) return;
        const counter = new FieldCounter(44);
        for (let at = 0; at < bytes.length && !counter.ended; at += piece) counter.feed(bytes.subarray(at, at + piece));
        expect(counter.fields).toBe(fieldCountOf(tokenizer.tokens, 0));
      }),
      { numRuns: 500 },
    );
  });
});

describe('readCsv: bad rows', () => {
  const numbers = (count: number, bad: Record<number, string>) =>
    `id,age\n${Array.from({ length: count }, (_, k) => `${k + 1},${bad[k + 1] ?? 20 + (k % 50)}`).join('\n')}\n`;

  it('fails on a stray text cell in a numeric column, naming line and column', async () => {
    const error = await expectNodeError(csv(numbers(100, { 56: 'abc' })));
    expect(error.message).toBe("'test.csv' line 57, column 'age': 'abc' is not a number. Fix the file, or set onBadRow to 'skip' to drop bad rows.");
    expect(error.field).toBe('path');
  });

  it('skips stray cells when asked and reports them', async () => {
    const result = await csv(numbers(100, { 56: 'abc', 90: 'n/a?' }), { onBadRow: 'skip' });
    expect(types(result.table)).toEqual({ id: 'Int32', age: 'Int32' });
    expect(result.rowsRead).toBe(98);
    expect(result.skipped).toBe(2);
    expect(result.badRows).toEqual([
      { line: 57, column: 'age', reason: "'abc' is not a number" },
      { line: 91, column: 'age', reason: "'n/a?' is not a number" },
    ]);
    expect(rows(result.table).map((r) => r.id)).not.toContain(56);
  });

  it('reads a column with more than 5% text as a string column, no bad rows', async () => {
    const result = await csv(numbers(20, { 3: 'x', 9: 'y' }));
    expect(types(result.table).age).toBe('Utf8');
    expect(result.skipped).toBe(0);
    expect(rows(result.table)[2]!.age).toBe('x');
  });

  it('types a column by all its cells when its first rows are text and far longer than the rest', async () => {
    // The first rows are long, so the reader expects few rows and stops classifying the text
    // column early; the file goes on with 40,000 short numeric rows, so it must look again
    // (and, past 1,024 of them, find the text cells' rows again too).
    const lines = ['code,note'];
    for (let k = 0; k < 1500; k++) lines.push(`${k % 2 === 0 ? 'txt' : 'true'},${'y'.repeat(300)}`);
    for (let k = 0; k < 40_000; k++) lines.push(`${k},z`);
    const tunings: CsvTuning[] = [
      { windowBytes: 1 << 20, blockBytes: 64 << 10, reportBytes: 1 << 20 },
      { windowBytes: 4096, blockBytes: 2048, reportBytes: 1 << 20 },
    ];
    for (const tuning of tunings) {
      const result = await readCsvTuned({ bytes: encoder.encode(`${lines.join('\n')}\n`), name: 'late.csv' }, { onBadRow: 'skip' }, tuning);
      expect(types(result.table)).toEqual({ code: 'Int32', note: 'Utf8' });
      expect(result.skipped).toBe(1500);
      expect(result.badRows.slice(0, 2)).toEqual([
        { line: 2, column: 'code', reason: "'txt' is not a number" },
        { line: 3, column: 'code', reason: "'true' is not a number" },
      ]);
      expect(rows(result.table)[0]).toEqual({ code: 0, note: 'z' });
    }
  });

  it('fails on ragged rows with the expected and found counts', async () => {
    const error = await expectNodeError(csv('a,b,c\n1,2,3\n4,5\n6,7,8,9\n'));
    expect(error.message).toContain("'test.csv' has 2 bad rows:");
    expect(error.message).toContain('line 3: expected 3 fields, found 2');
    expect(error.message).toContain('line 4: expected 3 fields, found 4');
  });

  it('counts physical lines, quoted newlines included', async () => {
    const result = await csv('a,b\n1,"x\ny\nz"\n2\n3,w\n', { onBadRow: 'skip' });
    expect(result.badRows).toEqual([{ line: 5, reason: 'expected 2 fields, found 1' }]);
    expect(rows(result.table)).toEqual([
      { a: 1, b: 'x\ny\nz' },
      { a: 3, b: 'w' },
    ]);
  });

  it('lists the first few of many bad rows and the total', async () => {
    const body = Array.from({ length: 30 }, (_, k) => (k % 3 === 0 ? `${k}` : `${k},x`)).join('\n');
    const error = await expectNodeError(csv(`a,b\n${body}\n`));
    expect(error.message).toContain('has 10 bad rows');
    expect(error.message).toContain('… and 5 more');
    expect(error.message.split('\n').filter((line) => line.startsWith('  line'))).toHaveLength(5);
  });

  it('merges ragged rows and stray cells in line order', async () => {
    const lines = Array.from({ length: 60 }, (_, k) => `${k},${k}`);
    lines[10] = '10';
    lines[5] = '5,oops';
    const result = await csv(`a,b\n${lines.join('\n')}\n`, { onBadRow: 'skip' });
    expect(result.badRows.map((row) => row.line)).toEqual([7, 12]);
    expect(result.skipped).toBe(2);
    expect(result.rowsRead).toBe(58);
  });
});

describe('readCsv: files and user mistakes', () => {
  it('reads the Palmer penguins data', async () => {
    const { table, delimiter, skipped } = await readCsv({ path: PENGUINS });
    expect(delimiter).toBe(',');
    expect(skipped).toBe(0);
    expect(table.numRows).toBe(344);
    expect(types(table)).toEqual({
      species: 'Utf8',
      island: 'Utf8',
      bill_length_mm: 'Float64',
      bill_depth_mm: 'Float64',
      flipper_length_mm: 'Int32',
      body_mass_g: 'Int32',
      sex: 'Utf8',
      year: 'Int32',
    });
    expect(table.getChild('bill_length_mm')!.nullCount).toBe(2);
    expect(table.getChild('sex')!.nullCount).toBe(11);
    expect(rows(table)[0]).toEqual({
      species: 'Adelie',
      island: 'Torgersen',
      bill_length_mm: 39.1,
      bill_depth_mm: 18.7,
      flipper_length_mm: 181,
      body_mass_g: 3750,
      sex: 'male',
      year: 2007,
    });
  });

  it('names a missing file', async () => {
    const error = await expectNodeError(readCsv({ path: join(tempDir(), 'nope.csv'), name: 'data/nope.csv' }));
    expect(error.message).toBe("file 'data/nope.csv' not found; check the path (relative paths start at the pipeline's folder)");
    expect(error.field).toBe('path');
  });

  it('names a folder given as a file', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'data.csv'));
    const error = await expectNodeError(readCsv({ path: join(dir, 'data.csv'), name: 'data.csv' }));
    expect(error.message).toBe("'data.csv' is a folder, not a CSV file");
  });

  it('rejects an empty file', async () => {
    expect((await expectNodeError(csv(''))).message).toBe("'test.csv' is empty: it has no header and no rows");
    expect((await expectNodeError(csv('\ufeff\n\n  \n'))).message).toContain('is empty');
  });

  it('rejects text that is not UTF-8, naming the line', async () => {
    const bytes = Uint8Array.from([...encoder.encode('name\nJos'), 0xe9, ...encoder.encode('\nAna\n')]);
    const error = await expectNodeError(readCsv({ bytes, name: 'latin1.csv' }));
    expect(error.message).toBe("'latin1.csv' is not valid UTF-8 text (first bad byte on line 2); re-save it with UTF-8 encoding");
  });

  it('rejects UTF-16 and binary files', async () => {
    const utf16 = Uint8Array.from([0xff, 0xfe, 0x61, 0x00, 0x0a, 0x00]);
    expect((await expectNodeError(readCsv({ bytes: utf16, name: 'u.csv' }))).message).toContain('UTF-16');
    const zip = Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x08, 0x00]);
    expect((await expectNodeError(readCsv({ bytes: zip, name: 'book.xlsx' }))).message).toContain('not a text file');
  });

  it('reads a file in small windows the same as in one piece, with line numbers', async () => {
    const dir = tempDir();
    const lines = Array.from({ length: 400 }, (_, k) => `${k},"t${k}\n${k % 7 === 0 ? 'x""y' : ''}",${k % 2 === 0},${k / 8}`);
    lines[250] = '250,"t250",true,oops';
    const path = join(dir, 'big.csv');
    writeFileSync(path, `id,text,flag,v\r\n${lines.join('\r\n')}\r\n`);
    const whole = await readCsv({ path }, { onBadRow: 'skip' });
    const small = await readCsvTuned({ path }, { onBadRow: 'skip' }, { windowBytes: 64, blockBytes: 100, reportBytes: 50 });
    expect(rows(small.table)).toEqual(rows(whole.table));
    expect(small.badRows).toEqual(whole.badRows);
    // Each earlier record spans two lines: record k starts on line 2 + 2k.
    expect(whole.badRows).toEqual([{ line: 502, column: 'v', reason: "'oops' is not a number" }]);
  });
});

describe('readCsv: windows and blocks (property)', () => {
  const textCell = fc.oneof(
    fc.constantFrom('a', 'b,c', 'say "hi"', 'two\nlines', 'cr\r\nlf', ' padded ', 'é ü 中', 'x'),
    fc.stringMatching(/^[a-z][a-z ,;"\n]{0,12}$/),
  ).filter((text) => !/^(na|nan|null|none|true|false|inf|infinity)$/i.test(text.trim()));
  const table = fc.array(fc.tuple(fc.integer({ min: -1e6, max: 1e6 }), textCell, fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e9, max: 1e9 })), {
    minLength: 1,
    maxLength: 60,
  });
  const quote = (text: string) => (/[",\r\n]/.test(text) || text.trim() !== text ? `"${text.replaceAll('"', '""')}"` : text);

  it('reads the same table whatever the window and block sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        table,
        fc.constantFrom('\n', '\r\n'),
        fc.record({ windowBytes: fc.integer({ min: 1, max: 200 }), blockBytes: fc.integer({ min: 1, max: 300 }), reportBytes: fc.constant(64) }),
        async (data, newline, tuning: CsvTuning) => {
          const text = `n,t,d${newline}${data.map(([n, t, d]) => `${n},${quote(t)},${d}`).join(newline)}${newline}`;
          const dir = tempDir();
          const path = join(dir, 't.csv');
          writeFileSync(path, text);
          const result = await readCsvTuned({ path }, {}, tuning);
          expect(result.table.numRows).toBe(data.length);
          expect(rows(result.table)).toEqual(
            data.map(([n, t, d]) => ({ n, t: t.trim() === '' || ['NA'].includes(t) ? null : t, d: Number(String(d)) })),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('checks UTF-8 across window edges, and finds the bad line in any window', async () => {
    const dir = tempDir();
    const good = join(dir, 'good.csv');
    const other = join(dir, 'other.csv');
    const bad = join(dir, 'bad.csv');
    writeFileSync(good, 'city,n\r\nZürich,1\r\nBogotá,2\r\n東京,3\r\n');
    writeFileSync(other, 'n,t,d\r\n10000,é ü 中,0\r\n0,a,0\r\n');
    writeFileSync(bad, Buffer.concat([Buffer.from('name\nAna\n"Jo\nsé"\nJos'), Buffer.from([0xe9]), Buffer.from('\nEva\n')]));
    for (let windowBytes = 1; windowBytes <= 24; windowBytes++) {
      const tuning = { windowBytes, blockBytes: 5, reportBytes: 64 };
      const result = await readCsvTuned({ path: good }, {}, tuning);
      expect(rows(result.table).map((r) => r.city)).toEqual(['Zürich', 'Bogotá', '東京']);
      expect(rows((await readCsvTuned({ path: other }, {}, tuning)).table).map((r) => r.t)).toEqual(['é ü 中', 'a']);
      const error = await expectNodeError(readCsvTuned({ path: bad, name: 'bad.csv' }, {}, tuning));
      expect(error.message).toContain('first bad byte on line 5');
    }
  });

  it('gives the same result or error for any text, in one piece or in tiny windows', async () => {
    const messy = fc.array(fc.constantFrom('a', '1', '2.5', ',', '"', '\n', '\r', '\r\n', ' ', 'é', 'NA', 'true', ';'), { maxLength: 80 }).map((parts) => parts.join(''));
    const outcome = async (read: () => Promise<{ table: Table; badRows: readonly unknown[]; skipped: number; delimiter: string }>) => {
      try {
        const result = await read();
        return { rows: rows(result.table), types: types(result.table), badRows: result.badRows, skipped: result.skipped, delimiter: result.delimiter };
      } catch (error) {
        if (!isNodeError(error)) throw error;
        return { error: error.message.replace(/'[^']*\.csv'/, 'FILE') };
      }
    };
    await fc.assert(
      fc.asyncProperty(messy, fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), async (text, windowBytes, blockBytes) => {
        const path = join(tempDir(), 'm.csv');
        writeFileSync(path, text);
        const whole = await outcome(() => readCsv({ bytes: encoder.encode(text), name: 'm.csv' }, { onBadRow: 'skip' }));
        const windowed = await outcome(() => readCsvTuned({ path }, { onBadRow: 'skip' }, { windowBytes, blockBytes, reportBytes: 16 }));
        expect(windowed).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('copies text exactly when a column turns out to be text late', async () => {
    // 100 numbers, then text: text starts only after the first blocks, so it replays them.
    const values = [...Array.from({ length: 100 }, (_, k) => String(k)), ...Array.from({ length: 20 }, (_, k) => `w${k}`)];
    const result = await readCsvTuned({ bytes: encoder.encode(`v\n${values.join('\n')}\n`), name: 'late.csv' }, {}, { windowBytes: 16, blockBytes: 30, reportBytes: 64 });
    expect(types(result.table)).toEqual({ v: 'Utf8' });
    expect(rows(result.table).map((r) => r.v)).toEqual(values);
  });
});

describe('readCsv: cancel and progress', () => {
  it('rejects with the signal reason when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('cancelled by user'));
    await expect(csv('a\n1\n', { signal: controller.signal })).rejects.toThrow('cancelled by user');
  });

  it('stops between blocks when aborted during a read, and reports progress up to 1', async () => {
    const text = `a,b\n${Array.from({ length: 2000 }, (_, k) => `${k},${k * 2}`).join('\n')}\n`;
    const progress: number[] = [];
    const whole = await readCsvTuned({ bytes: encoder.encode(text), name: 'p.csv' }, { onProgress: (f) => progress.push(f) }, { windowBytes: 1024, blockBytes: 512, reportBytes: 1024 });
    expect(whole.rowsRead).toBe(2000);
    expect(progress.length).toBeGreaterThan(5);
    expect(progress.at(-1)).toBe(1);
    expect([...progress].sort((x, y) => x - y)).toEqual(progress);

    const controller = new AbortController();
    const reason = new Error('stop');
    const reading = readCsvTuned(
      { bytes: encoder.encode(text), name: 'p.csv' },
      { signal: controller.signal, onProgress: (f) => f > 0.2 && controller.abort(reason) },
      { windowBytes: 1024, blockBytes: 512, reportBytes: 1024 },
    );
    await expect(reading).rejects.toBe(reason);
  });
});

describe('readCsv: row estimate', () => {
  it('keeps text cells valid past the first estimate of the row count', async () => {
    // Long rows first (the reader sizes its columns from them), then many short ones.
    const long = Array.from({ length: 400 }, (_, k) => (k === 3 ? ',1' : `${'x'.repeat(900)}${k},1`));
    const short = Array.from({ length: 20_000 }, (_, k) => `s${k},2`);
    const path = join(tempDir(), 'estimate.csv');
    writeFileSync(path, `t,n\n${[...long, ...short].join('\n')}\n`);
    const { table } = await readCsv({ path });
    const text = table.getChild('t')!;
    expect(table.numRows).toBe(20_400);
    expect(text.nullCount).toBe(1);
    expect(text.get(3)).toBeNull();
    expect(text.get(20_399)).toBe('s19999');
  });
});
