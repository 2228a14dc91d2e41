import { describe, expect, it } from 'vitest';
import { RequestError } from './errors.js';
import { parseJsonBody } from './json-body.js';

function refusal(text: string): string {
  try {
    parseJsonBody(Buffer.from(text));
  } catch (error) {
    expect(error).toBeInstanceOf(RequestError);
    return (error as RequestError).message;
  }
  throw new Error(`accepted: ${text}`);
}

describe('parseJsonBody', () => {
  it('parses JSON, leaving NaN and Infinity inside strings alone', () => {
    expect(parseJsonBody(Buffer.from('{"a": "NaN", "b": "say \\"Infinity\\"", "c": -1.5e3}'))).toEqual({ a: 'NaN', b: 'say "Infinity"', c: -1500 });
  });

  it('names the path of a bare NaN, Infinity or -Infinity', () => {
    expect(refusal('{"instances": [{"x": 1}, {"x": NaN}]}')).toBe('instances[1].x: NaN is not a number JSON allows; send a finite number, or null for a missing value');
    expect(refusal('{"inputs": {"x": [1, Infinity]}}')).toMatch(/^inputs\.x\[1\]: Infinity is not/);
    expect(refusal('{"inputs": [{"name": "NaN", "data": [-Infinity]}]}')).toMatch(/^inputs\[0\]\.data\[0\]: -Infinity is not/);
    expect(refusal('NaN')).toMatch(/^the body: NaN is not/);
  });

  it('reports other syntax errors as such, even next to a NaN', () => {
    expect(refusal('{"x": NaN,')).toMatch(/^the request body is not valid JSON: /);
    expect(refusal('{"x": Nope}')).toMatch(/^the request body is not valid JSON: /);
    expect(refusal('  ')).toBe('the request body is empty; send a JSON object');
  });

  it('finds a NaN in a deeply nested body without recursion, and names the path', () => {
    expect(refusal(`{"a": ${'['.repeat(200)}NaN${']'.repeat(200)}}`)).toBe(`a${'[0]'.repeat(200)}: NaN is not a number JSON allows; send a finite number, or null for a missing value`);
    // Deeper than the search goes: a plain syntax error, not a stack overflow.
    expect(refusal(`${'['.repeat(100_000)}NaN${']'.repeat(100_000)}`)).toMatch(/^the request body is not valid JSON: /);
  });
});
