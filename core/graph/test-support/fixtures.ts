/**
 * Small node definitions for the graph tests. Core never imports nodes/, so these stand in
 * for the real catalog: one of each shape the validator must handle (source, transform,
 * two typed inputs, optional inputs, required and defaulted params, nested params).
 * They never run: graph tests only read their declarations.
 */
import { defineNode } from '../../base/define-node.js';
import type { AnyNodeDefinition } from '../../base/define-node.js';
import { port } from '../../base/ports.js';
import { z } from 'zod';
import { composeRegistry } from '../compose.js';
import type { NodeRegistry } from '../registry.js';
import { PIPELINE_FORMAT } from '../types.js';
import type { PipelineDoc, PipelineEdge, PipelineNode } from '../types.js';

async function notRunnable(): Promise<never> {
  throw new Error('graph fixture nodes are declarations only');
}

export const dataSource = defineNode({
  type: 'data.source',
  version: 1,
  category: 'data',
  title: 'Source',
  description: 'Reads a table from a file.',
  inputs: {},
  outputs: { table: port('table') },
  params: z.object({ path: z.string().min(1).describe('the file to read') }),
  sourceFiles: (params) => [{ param: 'path', path: params.path }],
  run: notRunnable,
});

export const dataSplit = defineNode({
  type: 'data.split',
  version: 1,
  category: 'data',
  title: 'Split',
  description: 'Marks rows as train or test.',
  inputs: { table: port('table') },
  outputs: { table: port('table') },
  params: z.object({
    test: z.number().min(0.05).max(0.9).default(0.2),
    seed: z.number().int().default(1),
    stratifyBy: z.string().optional(),
  }),
  run: notRunnable,
});

export const featureScale = defineNode({
  type: 'feature.scale',
  version: 1,
  category: 'feature',
  title: 'Scale',
  description: 'Scales numeric columns.',
  inputs: { table: port('table') },
  outputs: { table: port('table') },
  params: z.object({
    columns: z.array(z.string()).default([]),
    method: z.enum(['standard', 'minmax']).default('standard'),
  }),
  run: notRunnable,
});

export const trainDense = defineNode({
  type: 'train.dense',
  version: 1,
  category: 'train',
  title: 'Dense network',
  description: 'Trains a small dense network.',
  inputs: { table: port('table') },
  outputs: { model: port('model') },
  params: z.object({
    target: z.string(),
    epochs: z.number().int().min(1).max(1000).default(10),
    layers: z.array(z.object({ units: z.number().int().positive() })).default([]),
    optimizer: z.object({ name: z.enum(['adam', 'sgd']).default('adam'), rate: z.number().positive().default(0.001) }).prefault({}),
  }),
  run: notRunnable,
});

export const evalModel = defineNode({
  type: 'eval.model',
  version: 1,
  category: 'eval',
  title: 'Evaluate',
  description: 'Scores a model on test rows.',
  inputs: { model: port('model'), table: port('table') },
  outputs: { metrics: port('metrics') },
  params: z.object({}),
  run: notRunnable,
});

/** One required and two optional table inputs: the building block of random DAGs. */
export const utilJoin = defineNode({
  type: 'util.join',
  version: 1,
  category: 'util',
  title: 'Join',
  description: 'Joins up to three tables.',
  inputs: { a: port('table'), b: port('table', { optional: true }), c: port('table', { optional: true }) },
  outputs: { table: port('table') },
  params: z.object({
    note: z.string().default(''),
    weight: z.number().default(1),
    options: z.object({ mode: z.string().default('inner'), limit: z.number().default(10) }).prefault({}),
  }),
  run: notRunnable,
});

export const fixtureNodes = [dataSource, dataSplit, featureScale, trainDense, evalModel, utilJoin];

export function fixtureRegistry(extra: AnyNodeDefinition[] = []): NodeRegistry {
  return composeRegistry({ builtins: fixtureNodes, extra });
}

/** A document from nodes and `[from, to]` pairs. */
export function pipelineDoc(nodes: PipelineNode[], edges: [string, string][] | PipelineEdge[] = [], name = 'test'): PipelineDoc {
  return {
    format: PIPELINE_FORMAT,
    name,
    nodes,
    edges: edges.map((edge) => (Array.isArray(edge) ? { from: edge[0], to: edge[1] } : edge)),
  };
}

/** load → split → train → eval (eval also reads split's table): a valid pipeline. */
export function samplePipeline(): PipelineDoc {
  return pipelineDoc(
    [
      { id: 'load', type: 'data.source', params: { path: 'data/bc.csv' }, position: { x: 0, y: 0 } },
      { id: 'split', type: 'data.split', params: { test: 0.25 }, position: { x: 200, y: 0 } },
      { id: 'train', type: 'train.dense', params: { target: 'diagnosis', epochs: 40 }, position: { x: 400, y: 0 } },
      { id: 'eval', type: 'eval.model', params: {}, position: { x: 600, y: 0 }, label: 'Evaluate' },
    ],
    [
      ['load.table', 'split.table'],
      ['split.table', 'train.table'],
      ['train.model', 'eval.model'],
      ['split.table', 'eval.table'],
    ],
    'breast-cancer',
  );
}

/** Issue codes and messages, compact for assertions. */
export function codes(issues: readonly { code: string }[]): string[] {
  return issues.map((issue) => issue.code);
}
