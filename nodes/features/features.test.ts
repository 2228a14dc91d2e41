import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { columnValues, readCsv, stringColumn, tableFromColumns, type DataTable } from '../../core/sdk/index.js';
import { createTestContext, expectNodeError } from '../../core/sdk/testing.js';
import readNode from './read.js';
import writeNode from './write.js';

const STOCKS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules', 'vega-datasets', 'data', 'stocks.csv');

async function stocks(): Promise<DataTable> {
  return { table: (await readCsv({ path: STOCKS })).table, recipe: [] };
}

describe('feature.store.write and feature.store.read', () => {
  it('write a view of real data and join it point-in-time onto label events', async () => {
    const root = createTestContext().workspace.root;
    const input = await stocks();
    const writeCtx = createTestContext({ root, nodeId: 'save', nodeType: 'feature.store.write' });
    const written = await writeNode.run({ inputs: { table: input }, params: writeNode.params.parse({ name: 'prices', entity: ['symbol'], timestamp: 'date', ttl: '40d' }) }, writeCtx);
    expect(written.table).toBe(input);
    expect(writeCtx.logs[0]!.message).toBe(`appended ${input.table.numRows} rows to feature view 'prices' (new); 5 entities updated online`);
    expect(writeNode.cacheable?.(writeNode.params.parse({ name: 'p', entity: ['s'], timestamp: 't' }))).toBe(false);

    const entities = tableFromColumns({
      symbol: stringColumn(['MSFT', 'MSFT', 'AAPL', 'IBM', 'NOPE', 'GOOG']),
      label_time: stringColumn(['2000-01-01', '2000-01-31', '2010-03-15', '1999-01-01', '2005-01-01', '2010-06-01']),
    });
    const readCtx = createTestContext({ root, nodeId: 'join', nodeType: 'feature.store.read' });
    const { table } = await readNode.run({ inputs: { entities: { table: entities, recipe: [] }, after: undefined as never }, params: readNode.params.parse({ views: ['prices'], timestamp: 'label_time' }) }, readCtx);
    // MSFT on Jan 1 2000 (local midnight) is at or after the first price only where the clock is at UTC or east of it,
    // so compare with the values at the dates Date.parse gives for the CSV's text.
    const prices = columnValues(table.table, 'price', 'price');
    expect(prices.slice(1)).toEqual([39.81, 223.02, null, null, null]);
    expect(columnValues(table.table, 'symbol', 'symbol')).toEqual(['MSFT', 'MSFT', 'AAPL', 'IBM', 'NOPE', 'GOOG']);
    expect(readCtx.metrics).toContainEqual({ name: 'features', value: 1, step: undefined });
    expect(readNode.cacheable?.(readNode.params.parse({ views: ['prices'], timestamp: 't' }))).toBe(false);
  });

  it('bad input is a NodeError naming the param: unknown view, entity table without the time column, a different schema', async () => {
    const root = createTestContext().workspace.root;
    const input = await stocks();
    const ctx = createTestContext({ root });
    await writeNode.run({ inputs: { table: input }, params: writeNode.params.parse({ name: 'prices', entity: ['symbol'], timestamp: 'date' }) }, ctx);
    const entities = { table: tableFromColumns({ symbol: stringColumn(['MSFT']), at: stringColumn(['2001-01-01']) }), recipe: [] };
    const unknown = await expectNodeError(readNode.run({ inputs: { entities, after: undefined as never }, params: readNode.params.parse({ views: ['price'], timestamp: 'at' }) }, ctx));
    expect([unknown.message, unknown.field]).toEqual(["feature view 'price' not found (did you mean 'prices'?); views are: prices", 'views']);
    const noTime = await expectNodeError(readNode.run({ inputs: { entities, after: undefined as never }, params: readNode.params.parse({ views: ['prices'], timestamp: 'date' }) }, ctx));
    expect([noTime.message, noTime.field]).toEqual(["the entity table has no timestamp column 'date' (did you mean 'at'?); its columns are: symbol, at", 'timestamp']);
    const other = { table: tableFromColumns({ symbol: stringColumn(['MSFT']), date: stringColumn(['2001-01-01']), price: stringColumn(['high']) }), recipe: [] };
    const schema = await expectNodeError(writeNode.run({ inputs: { table: other }, params: writeNode.params.parse({ name: 'prices', entity: ['symbol'], timestamp: 'date' }) }, ctx));
    expect(schema.message).toContain("feature column 'price' was number, now string");
    const column = await expectNodeError(writeNode.run({ inputs: { table: input }, params: writeNode.params.parse({ name: 'p2', entity: ['ticker'], timestamp: 'date' }) }, ctx));
    expect([column.message, column.field]).toEqual(["column 'ticker' not found; columns are: symbol, date, price", 'entity']);
    expect(writeNode.params.safeParse({ name: 'p', entity: ['s'], timestamp: 't', ttl: '30 days' }).success).toBe(false);
  });
});
