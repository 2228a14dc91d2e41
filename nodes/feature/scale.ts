import { defineNode, fitScale, port, SCALE_METHODS, z } from '../../core/sdk/index.js';
import { chooseColumns, columnListParam, fittingMask, short, targetParam, withStep } from './shared.js';

/** feature.scale's own type version: bump it when the node computes differently; add a migration when its params change. */
const SCALE_VERSION = 1;

export default defineNode({
  type: 'feature.scale',
  version: SCALE_VERSION,
  category: 'feature',
  title: 'Scale',
  description: 'Centers and scales numeric columns with statistics of the train rows (standard, min-max or robust).',
  inputs: { table: port('table') },
  outputs: { table: port('table', { description: 'All rows scaled (Float64), the fitted scaling added to the recipe.' }) },
  params: z.object({
    columns: columnListParam('Columns to scale (default: every numeric column but the target)'),
    method: z
      .enum(SCALE_METHODS)
      .default('standard')
      .describe('standard: (x - mean) / std; minmax: (x - min) / (max - min); robust: (x - median) / IQR'),
    target: targetParam,
  }),
  async run({ inputs, params }, ctx) {
    const input = inputs.table;
    const columns = chooseColumns(input.table, params, (column) => column.kind === 'int' || column.kind === 'float');
    if (columns.length === 0) ctx.log('no numeric columns to scale; the table passes through unchanged', 'warn');
    const mask = fittingMask(input.table, ctx);
    ctx.progress(0.3);
    const fitted = fitScale(input.table, columns, params.method, mask);
    for (const { name, center, scale } of fitted.columns) ctx.log(`${name}: center ${short(center)}, scale ${short(scale)}`);
    ctx.metric('columns_scaled', columns.length);
    ctx.signal.throwIfAborted();
    return { table: withStep(input, 'feature.scale', { ...fitted }, ctx) };
  },
});
