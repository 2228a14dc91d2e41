import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectNodeError } from '../sdk/testing.js';
import { readJson, readJsonLines } from './json-io.js';

const VEGA = join(import.meta.dirname, '..', '..', 'node_modules', 'vega-datasets', 'data');
const encode = (text: string) => new TextEncoder().encode(text);
const lines = (text: string) => readJsonLines({ bytes: encode(text), name: 't.jsonl' });
const array = (text: string) => readJson({ bytes: encode(text), name: 't.json' });
const types = (result: { table: { schema: { fields: { name: string; type: unknown }[] } } }) =>
  Object.fromEntries(result.table.schema.fields.map((field) => [field.name, String(field.type)]));
const rows = (result: { table: { toArray(): { toJSON(): unknown }[] } }) => result.table.toArray().map((row) => row.toJSON());

describe('JSON Lines reader', () => {
  it('types columns as the CSV reader does: Int32, Float64 (also for 2.0), Bool, Utf8; null and missing keys are null', async () => {
    const result = await lines(
      [
        '{"id": 1, "score": 2.0, "ok": true, "name": "a", "when": "2024-01-02"}',
        '{"id": 2, "score": 3, "ok": null, "name": "b"}',
        '',
        '{"name": "c", "id": 2147483647, "extra": -1}',
      ].join('\n'),
    );
    expect(types(result)).toEqual({ id: 'Int32', score: 'Float64', ok: 'Bool', name: 'Utf8', when: 'Utf8', extra: 'Int32' });
    expect(rows(result)).toEqual([
      { id: 1, score: 2, ok: true, name: 'a', when: '2024-01-02', extra: null },
      { id: 2, score: 3, ok: null, name: 'b', when: null, extra: null },
      { id: 2147483647, score: null, ok: null, name: 'c', when: null, extra: -1 },
    ]);
    expect(result.rowsRead).toBe(3);
  });

  it('makes a column Float64 when an integer leaves Int32 range, and Utf8 when it has no value at all', async () => {
    const result = await lines('{"a": 1, "b": null}\n{"a": 2147483648, "b": null}\n');
    expect(types(result)).toEqual({ a: 'Float64', b: 'Utf8' });
    expect(rows(result)).toEqual([
      { a: 1, b: null },
      { a: 2147483648, b: null },
    ]);
  });

  it('parses numbers exactly as JSON.parse does', async () => {
    const texts = ['0', '-0.5', '1e3', '1E-7', '123456789012345678', '0.1', '3.141592653589793238', '-1.5e+300', '1e400', '5e-324', '9007199254740993'];
    const result = await lines(texts.map((text) => `{"x": ${text}}`).join('\n'));
    expect(rows(result).map((row) => (row as { x: number }).x)).toEqual(texts.map((text) => JSON.parse(text) as number));
  });

  it('unescapes strings (surrogate pairs, lone surrogates) like JSON.parse and keeps raw UTF-8', async () => {
    const values = ['tab\there', 'quote " and \\ slash /', 'é ü 😀', '\u0000\u001f', 'line\nbreak', '\ud83d'];
    const text = values.map((value) => JSON.stringify({ s: value })).join('\n') + '\n{"s": "\\u00e9\\uD83D\\uDE00\\/"}';
    const result = await lines(text);
    expect(rows(result).map((row) => (row as { s: string }).s)).toEqual([...values.slice(0, 5), '\ufffd', 'é😀/']);
  });

  it('keeps nested objects and arrays as compact JSON text and lists those columns', async () => {
    const result = await lines('{"id": 1, "tags": ["a", "b c"], "geo": {"lat": 1.5, "lon": [ 2 , 3 ]}}\n{"id": 2, "tags": [], "geo": null}\n');
    expect(types(result)).toEqual({ id: 'Int32', tags: 'Utf8', geo: 'Utf8' });
    expect(rows(result)).toEqual([
      { id: 1, tags: '["a","b c"]', geo: '{"lat":1.5,"lon":[2,3]}' },
      { id: 2, tags: '[]', geo: null },
    ]);
    expect(result.nestedColumns).toEqual(['tags', 'geo']);
  });

  it('keeps first-seen key order, whatever order later records use', async () => {
    const result = await lines('{"b": 1, "a": 2}\n{"c": 3, "a": 4, "b": 5}\n');
    expect(Object.keys(types(result))).toEqual(['b', 'a', 'c']);
    expect(rows(result)[1]).toEqual({ b: 5, a: 4, c: 3 });
  });

  it('accepts a BOM, CRLF line ends, blank lines and spaces around records', async () => {
    const result = await lines('\ufeff{"a":1}\r\n\r\n  {"a":2}  \r\n\t\n');
    expect(rows(result)).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('names the line and column of bad JSON', async () => {
    const cases: [string, string][] = [
      ['{"a": 1}\n{"a": 1,}\n', "'t.jsonl' line 2, column 9: a comma before '}' is not allowed in JSON"],
      ['{"a": 1}\n{"a" 1}\n', "'t.jsonl' line 2, column 6: expected ':' after the key"],
      ['{"a": 01}', "'t.jsonl' line 1, column 7: numbers cannot have leading zeros in JSON"],
      ["{'a': 1}", "'t.jsonl' line 1, column 2: expected a key in double quotes"],
      ['{"a": NaN}', "'t.jsonl' line 1, column 7: NaN, Infinity and a leading + are not JSON; write null or a number"],
      ['{"é": "x", "b": tru}', "'t.jsonl' line 1, column 17: expected 'true'"],
      ['{"a": "open\n', "'t.jsonl' line 1, column 7: a string starts here and is never closed"],
      ['{"a": 1,\n"b": 2}', "'t.jsonl' line 1, column 9: the record ends early: a key in double quotes should come next; a record must fit on one line in JSON Lines"],
      ['{"a": 1} {"a": 2}', "'t.jsonl' line 1, column 10: unexpected text after the record: JSON Lines has one object per line"],
      ['{"a": "\\x"}', "'t.jsonl' line 1, column 8: '\\x' is not a JSON escape"],
      ['{"a": 1, "a": 2}', "'t.jsonl' line 1, column 13: key 'a' appears twice in the record"],
    ];
    for (const [text, message] of cases) expect((await expectNodeError(lines(text))).message, text).toBe(message);
  });

  it('refuses a line that is not an object, pointing arrays to data.json', async () => {
    expect((await expectNodeError(lines('{"a":1}\n[1, 2]\n'))).message).toBe(
      "'t.jsonl' line 2 holds an array, not an object: JSON Lines has one object per line; a file holding one JSON array is read by the JSON node (data.json)",
    );
    expect((await expectNodeError(lines('"text"'))).message).toContain('line 1 holds a string, not an object');
  });

  it('names the column, the line and both types when a column mixes types', async () => {
    const error = await expectNodeError(lines('{"age": 31}\n{"age": null}\n{"age": "thirty"}\n'));
    expect(error.message).toBe(
      "'t.jsonl' line 3: column 'age' holds numbers (from line 1 on), but here it is a string (\"thirty\"). Every value of a column must have one type or be null; fix the lines or the file's producer.",
    );
    expect(error.field).toBe('path');
    expect((await expectNodeError(lines('{"a": true}\n{"a": {"deep": [1, 2, 3]}}'))).message).toContain("column 'a' holds booleans (from line 1 on), but here it is an object or array ({\"deep\": [1, 2, 3]})");
  });

  it('rejects empty input, records without keys, UTF-16 and non-UTF-8 bytes', async () => {
    expect((await expectNodeError(lines(''))).message).toBe("'t.jsonl' is empty: it has no records");
    expect((await expectNodeError(lines('\n  \n'))).message).toBe("'t.jsonl' is empty: it has no records");
    expect((await expectNodeError(lines('{}\n{}\n'))).message).toBe("'t.jsonl' has no columns: every record is an empty object");
    expect((await expectNodeError(readJsonLines({ bytes: Uint8Array.from([0xff, 0xfe, 0x7b, 0]), name: 'u.jsonl' }))).message).toContain('UTF-16');
    const latin1 = Uint8Array.from([...encode('{"a": "ok"}\n{"a": "Jos'), 0xe9, ...encode('"}\n')]);
    expect((await expectNodeError(readJsonLines({ bytes: latin1, name: 'l.jsonl' }))).message).toBe(
      "'l.jsonl' is not valid UTF-8 text (first bad byte on line 2); re-save it with UTF-8 encoding",
    );
  });

  it('reads a file larger than its window, lines crossing window edges, with progress', async () => {
    // flights-2k as JSON Lines, repeated past the 2 MiB window, plus one line longer than a window.
    const records = JSON.parse(readFileSync(join(VEGA, 'flights-2k.json'), 'utf8')) as Record<string, unknown>[];
    const block = records.map((record) => JSON.stringify(record)).join('\n') + '\n';
    const long = JSON.stringify({ ...records[0], origin: 'x'.repeat(3 << 20) });
    const repeats = Math.ceil((5 << 20) / block.length);
    const dir = mkdtempSync(join(tmpdir(), 'tensorloom-jsonl-'));
    const path = join(dir, 'flights.jsonl');
    writeFileSync(path, block.repeat(repeats) + long + '\n' + block);
    const fractions: number[] = [];
    const result = await readJsonLines({ path }, { onProgress: (fraction) => fractions.push(fraction) });
    expect(result.rowsRead).toBe(records.length * (repeats + 1) + 1);
    expect(types(result)).toEqual({ date: 'Utf8', delay: 'Int32', distance: 'Int32', origin: 'Utf8', destination: 'Utf8' });
    const table = result.table;
    const last = records.length * repeats;
    expect((table.getChild('origin')!.get(last) as string).length).toBe(3 << 20);
    expect(table.get(last + 1)!.toJSON()).toEqual(records[0]);
    expect(table.get(records.length * 2 + 7)!.toJSON()).toEqual(records[7]);
    expect(fractions.length).toBeGreaterThan(1);
  });

  it('stops when cancelled', async () => {
    const abort = new AbortController();
    abort.abort(new Error('cancelled'));
    await expect(readJsonLines({ bytes: encode('{"a":1}'), name: 't.jsonl' }, { signal: abort.signal })).rejects.toThrow('cancelled');
  });
});

describe('JSON array reader', () => {
  it('reads the real cars data: nulls, integer and float columns, dates as text', async () => {
    const result = await readJson({ path: join(VEGA, 'cars.json'), name: 'cars.json' });
    const expected = JSON.parse(readFileSync(join(VEGA, 'cars.json'), 'utf8')) as unknown[];
    expect(result.rowsRead).toBe(406);
    expect(types(result)).toEqual({
      Name: 'Utf8',
      Miles_per_Gallon: 'Float64',
      Cylinders: 'Int32',
      Displacement: 'Float64',
      Horsepower: 'Int32',
      Weight_in_lbs: 'Int32',
      Acceleration: 'Float64',
      Year: 'Utf8',
      Origin: 'Utf8',
    });
    expect(rows(result)).toEqual(expected);
    expect(result.table.getChild('Horsepower')!.nullCount).toBe(6);
  });

  it('names the record, its line and both types on mixed types (the real movies data)', async () => {
    const error = await expectNodeError(readJson({ path: join(VEGA, 'movies.json'), name: 'movies.json' }));
    expect(error.message).toMatch(/^'movies\.json' record \d+ \(line \d+\): column 'Title' holds strings \(from record 1 on\), but here it is a number \(\d+\)/);
  });

  it('names the line and column of bad JSON and of what is not an array of objects', async () => {
    const cases: [string, string][] = [
      ['', "'t.json' is empty: it holds no JSON"],
      ['  \n ', "'t.json' is empty: it holds no JSON"],
      ['[]', "'t.json' holds an empty array: there are no records to read"],
      ['{"a": 1}\n{"a": 2}', "'t.json' holds an object, not an array of records ([{…}, {…}]); for one object per line use the JSON Lines node (data.jsonl)"],
      ['[{"a": 1},\n 2]', "'t.json' line 2, column 2: record 2 is a number, not an object"],
      ['[{"a": 1},\n{"a": 2},\n]', "'t.json' line 3, column 1: a comma before ']' is not allowed in JSON"],
      ['[{"a": 1}\n{"a": 2}]', "'t.json' line 2, column 1: expected ',' or ']' after record 1"],
      ['[{"a": 1}', "'t.json' line 1, column 10: the file ends early: the array is never closed with ']'"],
      ['[{"a": 1}] x', "'t.json' line 1, column 12: unexpected text after the array"],
      ['[{"a":\n  {"b": [1,, 2]}}]', "'t.json' line 2, column 12: a value is missing here"],
    ];
    for (const [text, message] of cases) expect((await expectNodeError(array(text))).message, text).toBe(message);
  });

  it('reads records spread over many lines, with a mixed-type error naming record and line', async () => {
    const text = '[\n  {\n    "a": 1,\n    "b": "x"\n  },\n  {\n    "a": "one"\n  }\n]';
    expect((await expectNodeError(array(text))).message).toContain("'t.json' record 2 (line 7): column 'a' holds numbers (from record 1 on), but here it is a string (\"one\")");
    expect(rows(await array('[\n {\n  "a": 1,\n  "b": "x"\n },\n {"b": "y"}\n]'))).toEqual([
      { a: 1, b: 'x' },
      { a: null, b: 'y' },
    ]);
  });

  it('names a missing file and a folder', async () => {
    expect((await expectNodeError(readJson({ path: join(VEGA, 'nope.json'), name: 'nope.json' }))).message).toContain("file 'nope.json' not found");
    expect((await expectNodeError(readJson({ path: VEGA, name: 'data' }))).message).toBe("'data' is a folder, not a JSON file");
  });
});
