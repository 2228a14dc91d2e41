/**
 * Params hidden by a showWhen rule (core/base/show-when.ts) through validation, the pipeline
 * hash and the cache key: kept in the file, not checked, not passed on, not hashed.
 */
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineNode } from '../base/define-node.js';
import { port } from '../base/ports.js';
import { showWhen } from '../base/show-when.js';
import { cacheKey } from '../engine/cache-key.js';
import { pipelineHash } from './canonical.js';
import { describeNode } from './registry.js';
import { fixtureRegistry, pipelineDoc } from './test-support/fixtures.js';
import type { PipelineDoc } from './types.js';
import { validatePipeline } from './validate.js';

const imputeLike = defineNode({
  type: 'feature.fill',
  version: 1,
  category: 'feature',
  title: 'Fill',
  description: 'Fills missing values (graph fixture; never runs).',
  inputs: { table: port('table') },
  outputs: { table: port('table') },
  params: z
    .object({
      strategy: z.enum(['mean', 'median', 'constant']).default('mean'),
      value: showWhen(z.union([z.number(), z.string()]).optional().describe('the fill value'), { strategy: ['constant'] }),
      precision: showWhen(z.number().int().min(0).max(10).default(2), { strategy: ['mean', 'median'] }),
    })
    .superRefine((params, issues) => {
      if (params.strategy === 'constant' && params.value === undefined) issues.addIssue({ code: 'custom', path: ['value'], message: "is required when strategy is 'constant'" });
    }),
  async run() {
    throw new Error('declaration only');
  },
});

const registry = fixtureRegistry([imputeLike]);

function doc(params: Record<string, unknown>): PipelineDoc {
  return pipelineDoc(
    [
      { id: 'load', type: 'data.source', params: { path: 'a.csv' } },
      { id: 'fill', type: 'feature.fill', params },
    ],
    [{ from: 'load.table', to: 'fill.table' }],
  );
}

function resolved(params: Record<string, unknown>) {
  const result = validatePipeline(doc(params), registry);
  if (!result.ok) throw new Error(result.issues.map((issue) => issue.message).join('\n'));
  return result;
}

describe('validation ignores a hidden param', () => {
  it('does not check it: a value the schema would refuse passes while hidden', () => {
    const result = resolved({ strategy: 'mean', value: { not: 'a fill value' }, precision: 4 });
    expect(result.warnings).toEqual([]);
    // The node gets only what applies; the file keeps the hidden value.
    expect(result.pipeline.nodes.get('fill')!.params).toEqual({ strategy: 'mean', precision: 4 });
    expect(result.pipeline.doc.nodes[1]!.params).toEqual({ strategy: 'mean', value: { not: 'a fill value' }, precision: 4 });
  });

  it('passes the default of a hidden param that has one, whatever the file holds', () => {
    const result = resolved({ strategy: 'constant', value: 0, precision: 99 });
    expect(result.pipeline.nodes.get('fill')!.params).toEqual({ strategy: 'constant', value: 0, precision: 2 });
  });

  it('checks the param once its rule holds, naming node and param', () => {
    const bad = validatePipeline(doc({ strategy: 'constant', value: { not: 'a fill value' } }), registry);
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.issues).toHaveLength(1);
    expect(bad.issues[0]).toMatchObject({ code: 'invalid-param', nodeId: 'fill', field: 'value', path: 'nodes[1].params.value' });
    expect(bad.issues[0]!.message).toMatch(/^node 'fill': param 'value'/);

    const missing = validatePipeline(doc({ strategy: 'constant' }), registry);
    expect(missing.ok).toBe(false);
    if (missing.ok) return;
    expect(missing.issues.map((issue) => [issue.nodeId, issue.field, issue.message])).toEqual([['fill', 'value', "node 'fill': param 'value' is required when strategy is 'constant'"]]);
  });

  it('reads an unset controlling param as its default', () => {
    // strategy defaults to mean: value is hidden, precision shown.
    expect(resolved({ value: 'x', precision: 3 }).pipeline.nodes.get('fill')!.params).toEqual({ strategy: 'mean', precision: 3 });
  });

  it('still reports an unknown param, hidden or not', () => {
    const result = validatePipeline(doc({ strategy: 'mean', valeu: 1 }), registry);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((issue) => issue.code)).toEqual(['unknown-param']);
  });
});

describe('a hidden param does not change what runs', () => {
  const keyOf = (params: Record<string, unknown>) => {
    const node = resolved(params).pipeline.nodes.get('fill')!;
    return cacheKey(node.definition, node.params, { table: 'sha256:input' }, {});
  };

  it('leaves the cache key alone when only a hidden value changes', () => {
    const base = keyOf({ strategy: 'mean' });
    expect(keyOf({ strategy: 'mean', value: 1 })).toBe(base);
    expect(keyOf({ strategy: 'mean', value: 'other' })).toBe(base);
    expect(keyOf({ strategy: 'mean', value: [1, 2] })).toBe(base);
    // Once it applies, it counts.
    expect(keyOf({ strategy: 'constant', value: 1 })).not.toBe(keyOf({ strategy: 'constant', value: 2 }));
    expect(keyOf({ strategy: 'median' })).not.toBe(base);
  });

  it('leaves the pipeline hash alone, validated or hashed from the file', () => {
    const hashes = [{ strategy: 'mean' }, { strategy: 'mean', value: 7 }, { strategy: 'mean', value: 'x', precision: 2 }].map((params) => [
      resolved(params).pipeline.hash,
      pipelineHash(doc(params), registry),
    ]);
    expect(new Set(hashes.flat()).size).toBe(1);
    expect(pipelineHash(doc({ strategy: 'constant', value: 7 }), registry)).not.toBe(hashes[0]![0]);
  });
});

describe('the catalog carries the rule', () => {
  it('in the params JSON Schema, on the param it hides', () => {
    const entry = describeNode(imputeLike);
    const properties = (entry.params as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(properties.value).toMatchObject({ description: 'the fill value', showWhen: { strategy: ['constant'] } });
    expect(properties.precision).toMatchObject({ default: 2, showWhen: { strategy: ['mean', 'median'] } });
    expect(properties.strategy!.showWhen).toBeUndefined();
  });
});
