import { describe, expect, it } from 'vitest';
import { jsonErrorOffset, LineIndex, MAX_JSON_DEPTH, parentPath, scanJson, SourceLocator } from './json-source.js';

function failure(text: string): { offset: number; message: string } {
  const result = scanJson(text);
  if (result.ok) throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
  return result;
}

describe('scanJson', () => {
  it('accepts what JSON.parse accepts and records where each value starts', () => {
    const text = '{\n  "nodes": [\n    { "id": "a", "params": { "my key": 1 } }\n  ]\n}';
    const result = scanJson(text);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.locations.get('')).toBe(0);
    expect(result.locations.get('nodes')).toBe(text.indexOf('"nodes"'));
    expect(result.locations.get('nodes[0]')).toBe(text.indexOf('{ "id"'));
    expect(result.locations.get('nodes[0].id')).toBe(text.indexOf('"id"'));
    expect(result.locations.get('nodes[0].params["my key"]')).toBe(text.indexOf('"my key"'));
  });

  it.each([
    ['true', true],
    ['-0.5e+10', true],
    ['"\\u00e9\\n"', true],
    ['[]', true],
    ['{}', true],
    [' [1, {"a": null}] ', true],
  ])('accepts %s', (text, ok) => {
    expect(scanJson(text).ok).toBe(ok);
    expect(() => JSON.parse(text)).not.toThrow();
  });

  it.each([
    ['', 0, 'the file is empty'],
    ['   \n ', 0, 'the file is empty'],
    ['{"a": 1,}', 7, "trailing comma before '}'"],
    ['[1, 2,]', 5, "trailing comma before ']'"],
    ['{"a": 1 "b": 2}', 8, "missing ',' between properties"],
    ['[{"a": 1} {"b": 2}]', 10, "missing ',' between elements"],
    ['{a: 1}', 1, 'property names must be in double quotes'],
    ["{'a': 1}", 1, 'property names must use double quotes'],
    ['["a", \'b\']', 6, 'strings must use double quotes'],
    ['{"a": 1} // note', 9, 'comments are not allowed'],
    ['/* c */ {}', 0, 'comments are not allowed'],
    ['{"a": 01}', 6, 'leading zeros'],
    ['{"a": .5}', 6, 'write 0.5'],
    ['{"a": +1}', 6, "cannot start with '+'"],
    ['{"a": 1.}', 8, "expected a digit after '.'"],
    ['{"a": 1e}', 8, 'exponent'],
    ['{"a": -}', 7, "expected a digit after '-'"],
    ['{"a": NaN}', 6, "'NaN' is not a JSON value"],
    ['{"a": True}', 6, 'lowercase'],
    ['{"a": yes}', 6, "unexpected 'yes'"],
    ['{"a": "x\ny"}', 8, 'line break inside a string'],
    ['{"a": "x\ty"}', 8, 'control character'],
    ['{"a": "\\x"}', 7, 'invalid escape'],
    ['{"a": "\\u12"}', 7, 'four hex digits'],
    ['{"a": "abc', 6, 'is never closed'],
    ['{"a": [1, 2', 11, "the '[' at line 1, column 7 is closed"],
    ['{"a": 1', 7, "the '{' at line 1, column 1 is closed"],
    ['{"a" 1}', 5, "expected ':' after the property name \"a\""],
    ['{"a": }', 6, 'expected a value'],
    ['[1,,2]', 3, "expected a value before ','"],
    ['{"a": 1}}', 8, 'after the end of the JSON document'],
    ['{"a":\u00a01}', 5, 'U+00A0'],
  ])('rejects %j at offset %i: %s', (text, offset, message) => {
    const result = failure(text);
    expect(result.message).toContain(message);
    expect(result.offset).toBe(offset);
    expect(() => JSON.parse(text)).toThrow();
  });

  it('finds keys repeated in one object, with both positions', () => {
    const text = '{"nodes": [{"id": "a", "params": {"test": 0.2, "test": 0.5}}], "name": "x"}';
    const result = scanJson(text);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.duplicateKeys).toEqual([
      { path: 'nodes[0].params.test', key: 'test', offset: text.lastIndexOf('"test"'), firstOffset: text.indexOf('"test"') },
    ]);
  });

  it('refuses documents nested deeper than the limit without overflowing the stack', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const result = failure(deep);
    expect(result.message).toContain(`nested more than ${MAX_JSON_DEPTH} levels deep`);
    expect(scanJson('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH)).ok).toBe(true);
  });
});

describe('LineIndex', () => {
  it('counts \\n, \\r\\n and lone \\r as line breaks, columns from 1', () => {
    const index = new LineIndex('ab\ncd\r\nef\rgh');
    expect(index.locate(0)).toEqual({ line: 1, column: 1 });
    expect(index.locate(4)).toEqual({ line: 2, column: 2 });
    expect(index.locate(7)).toEqual({ line: 3, column: 1 });
    expect(index.locate(10)).toEqual({ line: 4, column: 1 });
    expect(index.offsetOf(2, 2)).toBe(4);
  });
});

describe('jsonErrorOffset', () => {
  const text = '{\n  "a": }';
  it.each([
    ['Unexpected token } in JSON at position 9', 9],
    ["Expected property name or '}' in JSON at position 1 (line 1 column 2)", 1],
    ["Unexpected token '}', \"{\"a\": }\" is not valid JSON (line 2 column 8)", 9],
    ['Unexpected end of JSON input', text.length],
    ['Unexpected end of data', text.length],
    ["Unexpected token '}', \"{\"a\": }\" is not valid JSON", undefined],
  ])('reads %j', (message, offset) => {
    expect(jsonErrorOffset(message, text)).toBe(offset);
  });
});

describe('SourceLocator', () => {
  it('falls back to the nearest enclosing value that exists', () => {
    const text = '{\n  "nodes": [\n    {"id": "a",\n     "params": {}}\n  ]\n}';
    const scan = scanJson(text);
    if (!scan.ok) throw new Error('fixture');
    const locator = new SourceLocator(text, scan.locations);
    expect(locator.locate('nodes[0].params')).toEqual({ line: 4, column: 6 });
    expect(locator.locate('nodes[0].params.missing')).toEqual({ line: 4, column: 6 });
    expect(locator.locate('nodes[0].params["a.b"][3]')).toEqual({ line: 4, column: 6 });
    expect(locator.locate('nodes[7].id')).toEqual({ line: 2, column: 3 });
    expect(locator.locate(undefined)).toBeUndefined();
  });

  it('walks paths up one step at a time', () => {
    expect(parentPath('nodes[2].params.test')).toBe('nodes[2].params');
    expect(parentPath('nodes[2]')).toBe('nodes');
    expect(parentPath('nodes')).toBe('');
    expect(parentPath('params["a.b]"].x')).toBe('params["a.b]"]');
    expect(parentPath('params["a.b]"]')).toBe('params');
    expect(parentPath('params["q\\"]"]')).toBe('params');
  });
});
