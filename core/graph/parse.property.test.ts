import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePipelineText, parsePipelineValue } from './parse.js';
import { samplePipeline } from './test-support/fixtures.js';
import type { ValidationIssue } from './types.js';

/** Every issue a parse reports has a code, a message, and a position inside the text. */
function expectWellFormed(text: string, issues: ValidationIssue[]): void {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const lineCount = source.split(/\r\n|\r|\n/).length;
  expect(issues.length).toBeGreaterThan(0);
  for (const issue of issues) {
    expect(issue.message.length).toBeGreaterThan(0);
    if (issue.code === 'json') {
      expect(issue.line).toBeGreaterThanOrEqual(1);
      expect(issue.line).toBeLessThanOrEqual(lineCount);
      expect(issue.column).toBeGreaterThanOrEqual(1);
    }
  }
}

const sampleText = JSON.stringify(samplePipeline(), null, 2);

describe('parsePipelineText never throws', () => {
  it('on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '\\', ' ', '\n', '1', 'e', '-', 'a') })), (text) => {
        const result = parsePipelineText(text);
        if (!result.ok) expectWellFormed(text, result.issues);
      }),
      { numRuns: 500 },
    );
  });

  it('on arbitrary JSON text', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        const result = parsePipelineText(text);
        if (!result.ok) expectWellFormed(text, result.issues);
      }),
      { numRuns: 500 },
    );
  });

  it('on a valid file cut short or with one character changed', () => {
    fc.assert(
      fc.property(fc.nat(sampleText.length), fc.nat(sampleText.length), fc.string({ minLength: 1, maxLength: 2 }), (cut, at, insert) => {
        for (const text of [sampleText.slice(0, cut), sampleText.slice(0, at) + insert + sampleText.slice(at + 1)]) {
          const result = parsePipelineText(text);
          if (!result.ok) expectWellFormed(text, result.issues);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('and agrees with JSON.parse about what is JSON', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string(), fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '0', '1', '.', 'e', '-', ' ', 't', 'r', 'u') })), (text) => {
        fc.pre(!text.startsWith('\uFEFF')); // we accept a byte order mark; JSON.parse does not
        let isJson = true;
        try {
          JSON.parse(text);
        } catch {
          isJson = false;
        }
        const result = parsePipelineText(text);
        const jsonIssue = result.ok ? undefined : result.issues.find((issue) => issue.code === 'json');
        // Whitespace-only text is "empty" to us and an error to JSON.parse; both reject it.
        expect(jsonIssue === undefined).toBe(isJson);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parsePipelineValue never throws', () => {
  it('on arbitrary values', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withNullPrototype: true }), (value) => {
        const result = parsePipelineValue(value);
        if (!result.ok) expect(result.issues.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it('on arbitrary pipeline-like objects', () => {
    const anyValue = fc.anything({ maxDepth: 2, withNullPrototype: true, withSparseArray: true });
    const nodeLike = fc.record({ id: fc.oneof(fc.string(), anyValue), type: fc.oneof(fc.string(), anyValue), params: anyValue, position: anyValue, label: anyValue }, { requiredKeys: [] });
    const edgeLike = fc.record({ from: fc.oneof(fc.string(), anyValue), to: fc.oneof(fc.string(), anyValue) }, { requiredKeys: [] });
    const docLike = fc.record(
      { format: fc.oneof(fc.constant('tensorloom/pipeline@1'), anyValue), name: fc.oneof(fc.string(), anyValue), nodes: fc.oneof(fc.array(nodeLike), anyValue), edges: fc.oneof(fc.array(edgeLike), anyValue) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(docLike, (value) => {
        const result = parsePipelineValue(value);
        if (!result.ok) expect(result.issues.every((issue) => issue.message.length > 0)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
