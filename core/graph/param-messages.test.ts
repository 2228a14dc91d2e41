import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { explainParamIssue } from './param-messages.js';

function explain(schema: z.ZodObject, params: Record<string, unknown>): string[] {
  const result = schema.safeParse(params);
  if (result.success) throw new Error('expected the schema to reject the params');
  return result.error.issues.map((issue) => explainParamIssue(issue, params).text);
}

describe('explainParamIssue', () => {
  it.each([
    [z.number().max(0.9), 1.5, "param 'p' must be at most 0.9 (got 1.5)"],
    [z.number().lt(5), 7, "param 'p' must be less than 5 (got 7)"],
    [z.number().min(0.05), 0, "param 'p' must be at least 0.05 (got 0)"],
    [z.number().positive(), -1, "param 'p' must be greater than 0 (got -1)"],
    [z.number(), 'ten', `param 'p' must be a number (got "ten")`],
    [z.number(), [1], "param 'p' must be a number (got an array of 1)"],
    [z.number(), {}, "param 'p' must be a number (got an object)"],
    [z.number(), null, "param 'p' must be a number (got null)"],
    [z.int(), 1.5, "param 'p' must be a whole number (got 1.5)"],
    [z.boolean(), 'yes', `param 'p' must be true or false (got "yes")`],
    [z.string(), 3, "param 'p' must be a string (got 3)"],
    [z.string().min(1), '', "param 'p' must not be empty"],
    [z.string().min(3), 'ab', "param 'p' must be at least 3 characters long (got 2 characters)"],
    [z.string().max(3), 'abcd', "param 'p' must be at most 3 characters long (got 4 characters)"],
    [z.string().length(2), 'abc', "param 'p' must be exactly 2 characters long (got 3 characters)"],
    [z.string().regex(/^x+$/), 'y', `param 'p' must match the pattern /^x+$/ (got "y")`],
    [z.string().startsWith('s3://'), 'http://a', `param 'p' must start with "s3://" (got "http://a")`],
    [z.email(), 'nope', `param 'p' must be a valid email (got "nope")`],
    [z.array(z.number()).min(1), [], "param 'p' must have at least 1 item (got none)"],
    [z.array(z.number()).max(2), [1, 2, 3], "param 'p' must have at most 2 items (got 3 items)"],
    [z.number().multipleOf(5), 7, "param 'p' must be a multiple of 5 (got 7)"],
    [z.enum(['a', 'b']), 'c', `param 'p' must be one of "a", "b" (got "c")`],
    [z.literal(3), 4, "param 'p' must be 3 (got 4)"],
    [z.union([z.string(), z.number()]), true, "param 'p' must be a string or a number (got true)"],
    [z.union([z.literal('auto'), z.number()]), 'manual', `param 'p' must be a number or "auto" (got "manual")`],
    [z.union([z.object({ a: z.number() }), z.number()]), { a: 'x' }, 'param \'p\' does not match any of the allowed forms (got an object)'],
    [z.record(z.string(), z.number()), { x: 'y' }, `param 'p.x' must be a number (got "y")`],
    [z.number().refine((value) => value % 2 === 0, 'must be even'), 3, "param 'p' must be even"],
    [z.number().refine((value) => value % 2 === 0), 3, "param 'p' is not valid (got 3)"],
  ])('%#: %j', (schema, value, message) => {
    expect(explain(z.object({ p: schema as z.ZodType }), { p: value })).toEqual([message]);
  });

  it('a long string is shortened in "(got …)"', () => {
    const long = 'x'.repeat(100);
    expect(explain(z.object({ p: z.number() }), { p: long })[0]).toBe(`param 'p' must be a number (got "${'x'.repeat(40)}…")`);
  });

  it('a discriminated union names the discriminator', () => {
    const schema = z.object({ model: z.discriminatedUnion('kind', [z.object({ kind: z.literal('dense') }), z.object({ kind: z.literal('tree') })]) });
    expect(explain(schema, { model: { kind: 'svm' } })).toEqual([`param 'model.kind' must be one of "dense", "tree" (got "svm")`]);
    expect(explain(schema, { model: {} })).toEqual([`param 'model.kind' is required`]);
  });

  it('a missing top-level param is missing-param; a missing nested field is invalid-param', () => {
    const schema = z.object({ a: z.string(), b: z.object({ c: z.number() }) });
    const params = { b: {} };
    const result = schema.safeParse(params);
    if (result.success) throw new Error('fixture');
    expect(result.error.issues.map((issue) => explainParamIssue(issue, params, (field) => (field === 'a' ? 'the column' : undefined)))).toEqual([
      { code: 'missing-param', field: 'a', text: "param 'a' is required (the column)" },
      { code: 'invalid-param', field: 'b.c', text: "param 'b.c' is required" },
    ]);
  });

  it('an explicit null is not "missing"', () => {
    expect(explain(z.object({ a: z.string() }), { a: null })).toEqual(["param 'a' must be a string (got null)"]);
  });
});
