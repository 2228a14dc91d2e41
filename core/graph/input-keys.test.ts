/** NodeDefinition.inputKeys against an output's declared `keys` (a gate's metric names), and an unconnected optional input. */
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { defineNode } from '../base/define-node.js';
import { port } from '../base/ports.js';
import { fixtureRegistry, pipelineDoc } from './test-support/fixtures.js';
import { validatePipeline } from './validate.js';

const notRunnable = async (): Promise<never> => {
  throw new Error('declaration only');
};

const scorer = defineNode({
  type: 'eval.scorer',
  version: 1,
  category: 'eval',
  title: 'Scorer',
  description: 'Reports numbers.',
  inputs: {},
  outputs: { metrics: port('metrics', { keys: ['accuracy', 'rocAuc'] }), loose: port('metrics') },
  params: z.object({}),
  run: notRunnable,
});

const reader = defineNode({
  type: 'registry.reader',
  version: 1,
  category: 'registry',
  title: 'Reader',
  description: 'Reads named numbers.',
  inputs: { metrics: port('metrics', { optional: true }) },
  outputs: {},
  params: z.object({ names: z.array(z.string()).default([]) }),
  inputKeys: (params) => [{ port: 'metrics', field: 'names', keys: params.names }],
  run: notRunnable,
});

const registry = fixtureRegistry([scorer, reader]);
const check = (names: string[], from?: string) =>
  validatePipeline(pipelineDoc([{ id: 'score', type: 'eval.scorer' }, { id: 'read', type: 'registry.reader', params: { names } }], from ? [[from, 'read.metrics']] : []), registry);

describe('inputKeys', () => {
  it('accepts names the connected output declares', () => {
    expect(check(['accuracy', 'rocAuc'], 'score.metrics').ok).toBe(true);
  });

  it('refuses a name the output never has, naming the field and suggesting the closest', () => {
    const result = check(['accuracy', 'acuracy '], 'score.metrics');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues).toEqual([
      {
        code: 'invalid-param',
        message: "node 'read': 'names' reads 'acuracy ', which 'score.metrics' never has (did you mean 'accuracy'?); it has 'accuracy', 'rocAuc'",
        nodeId: 'read',
        field: 'names',
        path: 'nodes[1].params.names',
      },
    ]);
  });

  it('says nothing when the output declares no keys, and refuses names read from an unconnected input', () => {
    expect(check(['anything'], 'score.loose').ok).toBe(true);
    expect(check([]).ok).toBe(true);
    const unconnected = check(['accuracy']);
    expect(!unconnected.ok && unconnected.issues.map((issue) => issue.message)).toEqual([
      "node 'read': 'names' reads 'accuracy' from input 'metrics', which is not connected; connect it (or leave 'names' out)",
    ]);
  });
});
