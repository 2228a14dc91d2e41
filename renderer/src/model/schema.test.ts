import { describe, expect, it } from 'vitest';
import { hiddenParams, initialValue, localProblem, objectProperties, parseScalar, type JsonSchema } from './schema';

const root: JsonSchema = {
  type: 'object',
  properties: {
    path: { type: 'string', minLength: 1, description: 'CSV file' },
    test: { type: 'number', minimum: 0, maximum: 0.9, default: 0.2 },
    seed: { type: 'integer', minimum: -9007199254740991, maximum: 9007199254740991, default: 0 },
    header: { type: 'boolean', default: true },
    onBadRow: { type: 'string', enum: ['fail', 'skip'], default: 'fail' },
    units: { type: 'array', items: { type: 'integer', minimum: 1 } },
    columns: { type: 'array', items: { type: 'string' } },
    rules: { type: 'array', items: { $ref: '#/$defs/Rule' } },
    maybe: { anyOf: [{ type: 'number' }, { type: 'null' }] },
    mode: { anyOf: [{ const: 'a' }, { const: 'b' }] },
    mixed: { anyOf: [{ type: 'number' }, { type: 'string' }] },
    values: { type: 'array', minItems: 1, items: { type: ['string', 'number', 'boolean'] } },
  },
  required: ['path'],
  $defs: {
    Rule: { type: 'object', properties: { column: { type: 'string' }, min: { type: 'number' } }, required: ['column'], additionalProperties: false },
  },
};

describe('params schema → form fields', () => {
  const fields = Object.fromEntries(objectProperties(root).map((property) => [property.name, property]));

  it('recognises every kind the inspector draws', () => {
    expect(fields.path?.required).toBe(true);
    expect(fields.path?.field.kind).toBe('string');
    expect(fields.test?.field).toMatchObject({ kind: 'number', minimum: 0, maximum: 0.9, default: 0.2 });
    expect(fields.seed?.field.kind).toBe('integer');
    expect(fields.header?.field.kind).toBe('boolean');
    expect(fields.onBadRow?.field).toMatchObject({ kind: 'enum', enumValues: ['fail', 'skip'] });
    expect(fields.units?.field.kind).toBe('number-list');
    expect(fields.columns?.field.kind).toBe('string-list');
    expect(fields.rules?.field.kind).toBe('object-list');
    expect(fields.maybe?.field).toMatchObject({ kind: 'number', nullable: true });
    expect(fields.mode?.field).toMatchObject({ kind: 'enum', enumValues: ['a', 'b'] });
    expect(fields.mixed?.field.kind).toBe('json');
    expect(fields.values?.field.kind).toBe('scalar-list');
  });

  it('makes a new list item from its schema (required fields filled)', () => {
    expect(initialValue(fields.rules!.field.item!, root)).toEqual({ column: '' });
  });

  it('reads mixed scalar list entries as what they look like', () => {
    const item = fields.values!.field.item!;
    expect([parseScalar('3.5', item), parseScalar('true', item), parseScalar('Dream', item), parseScalar('3.', item)]).toEqual([3.5, true, 'Dream', '3.']);
  });

  it('checks limits before the server answers', () => {
    expect(localProblem(fields.test!.field, 1.2)).toBe('must be at most 0.9');
    expect(localProblem(fields.seed!.field, 1.5)).toBe('enter a whole number');
    expect(localProblem(fields.path!.field, '')).toBe('required');
    expect(localProblem(fields.test!.field, 0.5)).toBeNull();
  });
});

describe('params hidden by their showWhen rule', () => {
  // As the catalog sends feature.impute's params (z.toJSONSchema of the zod schema).
  const impute: JsonSchema = {
    type: 'object',
    properties: {
      strategy: { type: 'string', enum: ['mean', 'median', 'mostFrequent', 'constant'] },
      value: { type: ['number', 'string'], description: "The fill value for strategy 'constant'", showWhen: { strategy: ['constant'] } },
      scale: { $ref: '#/$defs/Scale' },
    },
    $defs: { Scale: { type: 'number', default: 1, showWhen: { strategy: ['mean', 'median'] } } },
  };

  it('hides value unless strategy is constant, keeping nothing else out', () => {
    expect([...hiddenParams(impute, {})].sort()).toEqual(['scale', 'value']);
    expect([...hiddenParams(impute, { strategy: 'mean', value: 3 })]).toEqual(['value']);
    expect([...hiddenParams(impute, { strategy: 'constant', value: 3 })]).toEqual(['scale']);
  });

  it('is empty for a schema without rules', () => {
    expect(hiddenParams(root, { path: 'a.csv' }).size).toBe(0);
  });
});
