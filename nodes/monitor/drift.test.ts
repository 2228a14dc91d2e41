import { describe, expect, it } from 'vitest';
import { float64Column, seededRandom, stringColumn, tableFromColumns, type DataTable, type Json } from '../../core/sdk/index.js';
import { createTestContext, expectNodeError } from '../../core/sdk/testing.js';
import driftNode from './drift.js';

function normal(seed: number, count: number, mean = 0): number[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => mean + Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()));
}
function pick(seed: number, count: number, options: string[], weights: number[]): string[] {
  const next = seededRandom(seed);
  const total = weights.reduce((a, b) => a + b, 0);
  return Array.from({ length: count }, () => {
    let r = next() * total;
    for (let i = 0; i < options.length; i++) if ((r -= weights[i]!) < 0) return options[i]!;
    return options[options.length - 1]!;
  });
}

function table(columns: Record<string, number[] | (string | null)[]>): DataTable {
  const built = Object.fromEntries(Object.entries(columns).map(([name, values]) => [name, typeof values[0] === 'number' ? float64Column(values as number[]) : stringColumn(values as string[])]));
  return { table: tableFromColumns(built), recipe: [] };
}

/** Reference and current: `income` shifted, `city` re-weighted, `age` and `plan` unchanged, `label` the target. */
function pair(rows: number) {
  const reference = table({
    age: normal(1, rows, 40),
    income: normal(2, rows, 50),
    city: pick(3, rows, ['oslo', 'rome', 'lima'], [5, 3, 2]),
    plan: pick(14, rows, ['free', 'pro'], [7, 3]),
    label: pick(5, rows, ['yes', 'no'], [1, 1]),
  });
  const current = table({
    age: normal(11, rows, 40),
    income: normal(12, rows, 51.5),
    city: pick(13, rows, ['oslo', 'rome', 'lima'], [2, 3, 5]),
    plan: pick(21, rows, ['free', 'pro'], [7, 3]),
    label: pick(15, rows, ['yes', 'no'], [1, 3]),
  });
  return { reference, current };
}

type ColumnReport = { column: string; test: string; drifted: boolean; verdict: string; score: number; threshold: number; statistic: number | null; histogram: { type: string; reference: number[]; current: number[] } | null; note?: string };

async function drift(inputs: { reference: DataTable; current: DataTable }, params: Record<string, unknown>) {
  const ctx = createTestContext({ nodeId: 'drift', nodeType: 'monitor.drift' });
  const { report } = await driftNode.run({ inputs, params: driftNode.params.parse(params) }, ctx);
  return { report, columns: report.columns as unknown as ColumnReport[], ctx, metrics: Object.fromEntries(ctx.metrics.map((m: { name: string; value: number }) => [m.name, m.value])) as Record<string, number> };
}

describe('monitor.drift node', () => {
  it('declares described params with Evidently defaults', () => {
    expect(driftNode.params.parse({})).toEqual({ method: 'auto', driftShare: 0.5, onDrift: 'warn' });
    for (const field of Object.values(driftNode.params.shape)) expect(field.description).toBeTruthy();
  });

  it('flags shifted columns, not unshifted ones, drifted first, target left out (small reference: KS and chi-square)', async () => {
    const { report, columns, metrics, ctx } = await drift(pair(600), { target: 'label' });
    expect(columns.map((c) => c.column)).toEqual(['income', 'city', 'age', 'plan']);
    expect(Object.fromEntries(columns.map((c) => [c.column, [c.test, c.drifted]]))).toEqual({
      income: ['ks', true],
      city: ['chisquare', true],
      age: ['ks', false],
      plan: ['chisquare', false],
    });
    expect(report).toMatchObject({ kind: 'drift', datasetDrift: true, driftShare: 0.5, driftedColumns: 2, comparedColumns: 4 });
    expect(metrics).toMatchObject({ datasetDrift: 1, driftShare: 0.5, 'drifted.income': 1, 'drifted.age': 0, 'drifted.city': 1, 'drifted.plan': 0 });
    expect(metrics['score.income']).toBeLessThan(0.05);
    expect(metrics['score.age']).toBeGreaterThan(0.05);
    expect(metrics['drifted.label']).toBeUndefined();
    const income = columns[0]!;
    expect(income.histogram?.type).toBe('bins');
    expect(income.histogram!.reference.reduce((a, b) => a + b, 0)).toBe(600);
    expect(columns[1]!.histogram).toMatchObject({ type: 'categories' });
    expect(ctx.logs).toContainEqual({ level: 'warn', message: expect.stringMatching(/^dataset drift: 2 of 4 columns drifted \('income', 'city'\)/) as unknown as string });
  });

  it('uses Wasserstein and Jensen–Shannon above 1000 reference rows; a fixed method and threshold apply to all', async () => {
    const { columns } = await drift(pair(3000), { target: 'label' });
    expect(Object.fromEntries(columns.map((c) => [c.column, [c.test, c.drifted]]))).toEqual({
      income: ['wasserstein', true],
      city: ['jensenshannon', true],
      age: ['wasserstein', false],
      plan: ['jensenshannon', false],
    });
    const psi = await drift(pair(3000), { target: 'label', method: 'psi', threshold: 0.2 });
    expect(psi.columns.every((c) => c.test === 'psi' && c.threshold === 0.2)).toBe(true);
    expect(psi.columns.find((c) => c.column === 'city')!.drifted).toBe(true);
  });

  it('onDrift fail stops the node with a one-line message', async () => {
    const error = await expectNodeError(drift(pair(600), { target: 'label', onDrift: 'fail' }));
    expect(error.message).toMatch(/^dataset drift: 2 of 4 columns drifted \('income', 'city'\), share 0\.500 ≥ 0\.5$/);
  });

  it('names the columns the tables do not share, the empty window, and tests that do not fit', async () => {
    const { reference, current } = pair(100);
    const fewer = table({ age: normal(1, 50), income: normal(2, 50) });
    expect((await expectNodeError(drift({ reference, current: fewer }, { target: 'label' }))).message).toBe("the current table lacks reference columns 'city', 'plan'; set 'columns' to compare fewer");
    expect((await expectNodeError(drift({ reference, current }, { columns: ['age', 'height'] }))).message).toMatch(/^column 'height' not in the reference table; its columns are: 'age', 'income', 'city', 'plan', 'label'$/);
    const empty = { table: current.table.slice(0, 0), recipe: [] };
    expect((await expectNodeError(drift({ reference, current: empty }, {}))).message).toBe('the current table has no rows (an empty window?)');
    const ks = await expectNodeError(drift({ reference, current }, { method: 'ks', target: 'label' }));
    expect(ks.message).toBe("method 'ks' needs numeric columns, and 'city' is text; use chisquare, jensenshannon, psi or auto");
    expect(ks.field).toBe('method');
    expect((await expectNodeError(drift({ reference, current }, { target: 'y' }))).field).toBe('target');
    const texty = table({ age: normal(1, 50).map(String) });
    expect((await expectNodeError(drift({ reference: table({ age: normal(1, 50) }), current: texty }, {}))).message).toBe("column 'age' is Float64 in the reference but text in the current table");
  });

  it('gives documented verdicts for constant and all-missing columns, and counts missing values', async () => {
    const reference = table({ flat: Array(40).fill(1), gone: pick(1, 40, ['a', 'b'], [1, 1]), never: Array<string | null>(40).fill(null), x: [...normal(1, 39), NaN] });
    const current = table({ flat: Array(30).fill(1), gone: Array<string | null>(30).fill(null), never: Array<string | null>(30).fill(null), x: normal(2, 30) });
    const { columns, report, metrics } = await drift({ reference, current }, {});
    const by = Object.fromEntries(columns.map((c) => [c.column, c]));
    expect(by.flat).toMatchObject({ test: 'chisquare', drifted: false, score: 1 });
    expect(by.gone).toMatchObject({ verdict: 'drift', drifted: true, note: 'no values in the current table' });
    expect(by.never).toMatchObject({ verdict: 'skipped', drifted: false });
    expect((by.x as unknown as { reference: { missing: number; values: number } }).reference).toMatchObject({ missing: 1, values: 39 });
    expect(report).toMatchObject({ comparedColumns: 3, driftedColumns: 1 });
    expect(metrics['drifted.gone']).toBe(1);
    expect(JSON.parse(JSON.stringify(report as Json))).toEqual(report);
  });
});
