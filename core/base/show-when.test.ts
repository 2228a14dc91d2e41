import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineNode } from './define-node.js';
import { port } from './ports.js';
import { describeShowWhen, hiddenParamNames, paramRules, showWhen, withoutHiddenParams, type ShowWhen } from './show-when.js';

/** A node type with the given params, declared through defineNode (which checks the rules). */
function declare(params: z.ZodObject) {
  return defineNode({
    type: 'test.conditional',
    version: 1,
    category: 'util',
    title: 'Conditional',
    description: 'Params that show only for some values of others.',
    inputs: {},
    outputs: { out: port('metrics') },
    params,
    async run() {
      return { out: {} };
    },
  });
}

const fill = z.object({
  strategy: z.enum(['mean', 'median', 'constant']).optional(),
  value: showWhen(z.union([z.number(), z.string()]).optional().describe('the fill value'), { strategy: ['constant'] }),
});

describe('showWhen: the annotation', () => {
  it('rides on the schema as metadata, keeps the description, and reaches the JSON Schema', () => {
    expect(fill.shape.value.description).toBe('the fill value');
    expect(paramRules(fill)).toEqual(new Map([['value', { strategy: ['constant'] }]]));
    const json = z.toJSONSchema(fill, { io: 'input' }) as { properties: Record<string, Record<string, unknown>> };
    expect(json.properties.value).toMatchObject({ description: 'the fill value', showWhen: { strategy: ['constant'] } });
  });

  it("is read from zod's .meta() too, also under optional() and default()", () => {
    const params = z.object({
      mode: z.enum(['a', 'b']).default('a'),
      plain: z.number().optional().meta({ showWhen: { mode: ['b'] } }),
      inner: z.number().meta({ showWhen: { mode: ['b'] } }).default(3),
    });
    expect(paramRules(params)).toEqual(
      new Map([
        ['plain', { mode: ['b'] }],
        ['inner', { mode: ['b'] }],
      ]),
    );
    expect(() => declare(params)).not.toThrow();
  });

  it('describes a rule for people', () => {
    expect(describeShowWhen({ strategy: ['constant'] })).toBe("strategy is 'constant'");
    expect(describeShowWhen({ task: ['auto', 'classification'], deep: [true] })).toBe("task is 'auto' or 'classification' and deep is true");
  });
});

describe('hiddenParamNames: which params do not apply', () => {
  const rules = new Map<string, ShowWhen>([
    ['value', { strategy: ['constant'] }],
    ['note', { value: [0], strategy: ['constant'] }],
  ]);
  const hidden = (values: Record<string, unknown>, defaults: Record<string, unknown> = {}) =>
    [...hiddenParamNames(rules, (name) => values[name], (name) => defaults[name])].sort();

  it('hides a param while the other param holds none of the listed values, and shows it when it does', () => {
    expect(hidden({ strategy: 'mean', value: 1 })).toEqual(['note', 'value']);
    expect(hidden({ strategy: 'constant', value: 1 })).toEqual(['note']);
    expect(hidden({ strategy: 'constant', value: 0 })).toEqual([]);
  });

  it('reads a param that is not set as its default', () => {
    expect(hidden({}, { strategy: 'constant' })).toEqual(['note']);
    expect(hidden({}, {})).toEqual(['note', 'value']);
  });

  it('hides a chain as a whole: a hidden controller counts as its default, not its kept value', () => {
    // value is 0 in the file, but hidden (strategy is mean), so note sees value's default (none).
    expect(hidden({ strategy: 'mean', value: 0 })).toEqual(['note', 'value']);
  });
});

describe('withoutHiddenParams', () => {
  it('leaves hidden params out and never changes its input', () => {
    const values = { strategy: 'mean', value: 'kept in the file' };
    expect(withoutHiddenParams(fill, values)).toEqual({ params: { strategy: 'mean' }, hidden: ['value'] });
    expect(values).toEqual({ strategy: 'mean', value: 'kept in the file' });
    const shown = { strategy: 'constant', value: 0 };
    expect(withoutHiddenParams(fill, shown).params).toBe(shown);
  });
});

describe('defineNode refuses a broken rule, naming node and param', () => {
  const base = { strategy: z.enum(['mean', 'constant']).default('mean') };

  it('a rule naming a param the node does not have', () => {
    const params = z.object({ ...base, value: showWhen(z.number().optional(), { stratgy: ['constant'] }) });
    expect(() => declare(params)).toThrow(
      "node definition 'test.conditional': param 'value': showWhen names 'stratgy', which is not a param of this node; its params are 'strategy', 'value'",
    );
  });

  it('a value the other param does not accept', () => {
    const params = z.object({ ...base, value: showWhen(z.number().optional(), { strategy: ['konstant'] }) });
    expect(() => declare(params)).toThrow(/node definition 'test\.conditional': param 'value': showWhen\.strategy lists "konstant", which param 'strategy' does not accept/);
  });

  it('an empty rule, an empty or non-list value list, a non-scalar value', () => {
    expect(() => declare(z.object({ ...base, value: showWhen(z.number().optional(), {}) }))).toThrow("param 'value': showWhen names no param");
    expect(() => declare(z.object({ ...base, value: showWhen(z.number().optional(), { strategy: [] }) }))).toThrow("param 'value': showWhen.strategy must be a non-empty list of values");
    expect(() => declare(z.object({ ...base, value: z.number().optional().meta({ showWhen: { strategy: 'constant' } }) }))).toThrow(
      "param 'value': showWhen.strategy must be a non-empty list of values",
    );
    const nested = z.object({ choice: z.array(z.string()).default([]), value: z.number().optional().meta({ showWhen: { choice: [['a']] } }) });
    expect(() => declare(nested)).toThrow("param 'value': showWhen.choice may list only strings, numbers, booleans or null");
  });

  it('a rule on the param itself, and rules that loop', () => {
    expect(() => declare(z.object({ value: showWhen(z.number().optional(), { value: [1] }) }))).toThrow("param 'value': showWhen cannot depend on the param itself");
    const loop = z.object({
      a: showWhen(z.number().default(1), { b: [1] }),
      b: showWhen(z.number().default(1), { a: [1] }),
    });
    expect(() => declare(loop)).toThrow("node definition 'test.conditional': showWhen rules loop: 'a' → 'b' → 'a'");
  });

  it('a conditional param that is required (it is left out while hidden)', () => {
    const params = z.object({ ...base, value: showWhen(z.number(), { strategy: ['constant'] }) });
    expect(() => declare(params)).toThrow("param 'value': a param with showWhen must be optional or have a default");
  });
});
