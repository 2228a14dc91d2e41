import { describe, expect, it } from 'vitest';
import { inferSchema, MAX_MESSAGE_BYTES, misfit, parseMessage } from './records.js';

describe('parseMessage', () => {
  it('reads a JSON object or an array of objects; anything else is a reason', () => {
    expect(parseMessage('{"id":1,"t":2.5,"s":"a","ok":true,"n":null}', 'json')).toEqual({ ok: true, records: [{ id: 1, t: 2.5, s: 'a', ok: true, n: null }] });
    expect(parseMessage('[{"id":1},{"id":2}]', 'json')).toEqual({ ok: true, records: [{ id: 1 }, { id: 2 }] });
    expect(parseMessage('{not json', 'json')).toMatchObject({ ok: false, reason: expect.stringMatching(/^not JSON \(/) });
    expect(parseMessage('[]', 'json')).toEqual({ ok: false, reason: 'an empty JSON array (no records)' });
    expect(parseMessage('42', 'json')).toEqual({ ok: false, reason: 'a record is a JSON object, got a number' });
    expect(parseMessage('[{"id":1},[2]]', 'json')).toEqual({ ok: false, reason: 'item 2: a record is a JSON object, got an array' });
    expect(parseMessage('{"id":1,"tags":["a"]}', 'json')).toEqual({ ok: false, reason: "field 'tags' is an array; a field is a number, true/false, text or null" });
    expect(parseMessage('{"id":1,"pos":{"x":1}}', 'json')).toEqual({ ok: false, reason: "field 'pos' is an object; a field is a number, true/false, text or null" });
    expect(parseMessage(`"${'x'.repeat(MAX_MESSAGE_BYTES)}"`, 'json')).toEqual({ ok: false, reason: `the message is over ${MAX_MESSAGE_BYTES} bytes` });
  });

  it('reads CSV text with its header, typing cells as a CSV file does', () => {
    expect(parseMessage('id,t,s,ok,n\n1,2.5,"a, b",true,\n2,-1e3,"say ""hi""",false, \n', 'csv')).toEqual({
      ok: true,
      records: [
        { id: 1, t: 2.5, s: 'a, b', ok: true, n: null },
        { id: 2, t: -1000, s: 'say "hi"', ok: false, n: null },
      ],
    });
    expect(parseMessage('id,t\r\n1,x7\r\n', 'csv')).toEqual({ ok: true, records: [{ id: 1, t: 'x7' }] });
    expect(parseMessage('id,t\n', 'csv')).toEqual({ ok: false, reason: 'a CSV message is a header line and at least one row' });
    expect(parseMessage('id,id\n1,2\n', 'csv')).toEqual({ ok: false, reason: "the CSV header names 'id' twice" });
    expect(parseMessage('id,\n1,2\n', 'csv')).toEqual({ ok: false, reason: 'the CSV header has an empty column name' });
    expect(parseMessage('id,t\n1,2,3\n', 'csv')).toEqual({ ok: false, reason: 'CSV row 1 has 3 fields; the header has 2' });
    expect(parseMessage('id,t\n1,"open\n', 'csv')).toEqual({ ok: false, reason: 'CSV row 1 has an unclosed quote' });
  });
});

describe('inferSchema', () => {
  it('gives each column the type most of its values have, in order of first appearance', () => {
    const schema = inferSchema([
      { id: 1, temp: 20.5, site: 'a', ok: true },
      { id: 2, temp: 'hot', site: 'b', ok: false },
      { id: 3, temp: 21, site: 'c', ok: null },
    ]);
    expect(schema).toEqual([
      { name: 'id', type: 'number' },
      { name: 'temp', type: 'number' },
      { name: 'site', type: 'string' },
      { name: 'ok', type: 'boolean' },
    ]);
  });

  it('breaks ties towards text, and leaves out a column most records lack', () => {
    expect(inferSchema([{ v: 1 }, { v: 'x' }])).toEqual([{ name: 'v', type: 'string' }]);
    expect(inferSchema([{ v: true }, { v: 'x' }])).toEqual([{ name: 'v', type: 'string' }]);
    expect(inferSchema([{ id: 1, extra: 5 }, { id: 2 }, { id: 3 }])).toEqual([{ name: 'id', type: 'number' }]);
    // A column with only missing values is text.
    expect(inferSchema([{ id: 1, note: null }])).toEqual([
      { name: 'id', type: 'number' },
      { name: 'note', type: 'string' },
    ]);
  });
});

describe('misfit', () => {
  const schema = [
    { name: 'id', type: 'number' as const },
    { name: 'site', type: 'string' as const },
    { name: 'ok', type: 'boolean' as const },
  ];

  it('accepts exactly the schema keys, with nulls as missing values', () => {
    expect(misfit({ id: 1, site: 'a', ok: true }, schema)).toBeUndefined();
    expect(misfit({ ok: null, site: null, id: 7 }, schema)).toBeUndefined();
  });

  it('names the missing key, the wrong type (with the value) or the unexpected keys', () => {
    expect(misfit({ id: 1, ok: true }, schema)).toBe("missing key 'site'");
    expect(misfit({ id: '1', site: 'a', ok: true }, schema)).toBe(`wrong type for 'id': string "1", expected number`);
    expect(misfit({ id: 1, site: 5, ok: true }, schema)).toBe("wrong type for 'site': number 5, expected text");
    expect(misfit({ id: 1, site: 'a', ok: 'yes'.repeat(30) }, schema)).toBe(`wrong type for 'ok': string ${JSON.stringify('yes'.repeat(30)).slice(0, 40)}, expected boolean`);
    expect(misfit({ id: 1, site: 'a', ok: true, x: 1, y: 2 }, schema)).toBe("unexpected keys 'x', 'y' (the schema is id, site, ok)");
  });
});
