/** A small catalog in the server's shape, for store and model tests. */
import type { CatalogEntry } from '../api/protocol';

const entry = (type: string, category: CatalogEntry['category'], inputs: CatalogEntry['inputs'], outputs: CatalogEntry['outputs'], params: Record<string, unknown> = { type: 'object', properties: {} }): CatalogEntry => ({
  type,
  version: 1,
  category,
  title: type,
  description: `${type} for tests`,
  inputs,
  outputs,
  params,
  worker: false,
});

export const testCatalog: Record<string, CatalogEntry> = Object.fromEntries(
  [
    entry('data.csv', 'data', {}, { table: { type: 'table' } }, { type: 'object', properties: { path: { type: 'string', minLength: 1 } }, required: ['path'] }),
    entry('data.split', 'data', { table: { type: 'table', optional: false } }, { table: { type: 'table' } }, {
      type: 'object',
      properties: { test: { type: 'number', minimum: 0, maximum: 0.9, default: 0.2 }, stratifyBy: { type: 'string' } },
    }),
    entry('train.dense', 'train', { table: { type: 'table', optional: false } }, { model: { type: 'model' } }),
    entry('eval.model', 'eval', { model: { type: 'model', optional: false }, table: { type: 'table', optional: false } }, { metrics: { type: 'metrics' } }),
  ].map((item) => [item.type, item]),
);
