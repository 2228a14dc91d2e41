/**
 * A node pack's step kind seen by the trainer: the model's raw inputs traced back through
 * it, the label read back through a pack kind that scales it, and a bundle whose recipe
 * needs a kind this process lacks refused at load.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RecipeStep } from '../base/table.js';
import { columnValues } from '../data/table-ops.js';
import { isNodeError } from '../base/errors.js';
import { applyRecipe, registerStepKind, StepKindRegistry, BUILT_IN_STEP_KINDS, type StepKind } from '../sdk/index.js';
import { checkModelRecipe, type ModelBundle } from './bundle-format.js';
import { loadBundle } from './bundle.js';
import { planFeatures, resolveTarget, targetValues } from './features.js';
import { csvTable, PENGUINS, withSplit } from './recipe/test-support/data.js';
import { log1pStep } from './recipe/test-support/log1p-pack.js';
import { requiredInputs } from './trainer.js';

registerStepKind(log1pStep);

const impute: RecipeStep = { kind: 'feature.impute', nodeId: 'impute', version: 1, fitted: { strategy: 'auto', columns: [{ name: 'body_mass_g', value: 4201.75 }] } };
const logt: RecipeStep = { kind: 'test.log1p', nodeId: 'logt', version: 1, fitted: { column: 'body_mass_g', name: 'log_mass' } };
const select = (keep: string[]): RecipeStep => ({ kind: 'feature.select', nodeId: 'select', version: 1, fitted: { keep } });

async function featured(steps: RecipeStep[]) {
  const raw = withSplit(await csvTable(PENGUINS), 4, 1);
  const table = applyRecipe(raw, steps);
  const rows = Int32Array.from({ length: table.numRows }, (_, row) => row);
  return { raw, table, plan: planFeatures(table, new Set(['species']), rows, () => {}) };
}

describe('a pack step kind in training', () => {
  it('traces the model input it writes back to the raw column it reads, through built-in steps', async () => {
    const steps = [impute, logt, select(['species', 'island', 'bill_length_mm', 'log_mass'])];
    const { table, plan } = await featured(steps);
    expect(plan.columns.map((column) => column.name)).toEqual(['island', 'bill_length_mm', 'log_mass']);
    // log_mass is not a request field: body_mass_g is, as a number (impute keeps log1p's type).
    expect(requiredInputs(steps, plan, table, 'species')).toEqual([
      { name: 'island', type: 'string' },
      { name: 'bill_length_mm', type: 'number' },
      { name: 'body_mass_g', type: 'number' },
    ]);
    // Its input is not needed when nothing uses its output.
    const unused = [logt, select(['species', 'island', 'bill_length_mm'])];
    const without = await featured(unused);
    expect(requiredInputs(unused, without.plan, without.table, 'species').map((input) => input.name)).toEqual(['island', 'bill_length_mm']);
  });

  it('reads the label back through a pack kind that declares its effect on it', async () => {
    const halve: StepKind<{ column: string }> = {
      kind: 'test.halve',
      version: 1,
      parse: (fitted) => ({ column: String(fitted.column) }),
      apply: (columns) => [...columns],
      flows: ({ column }) => [{ reads: [{ name: column, type: 'number' }], writes: [column] }],
      target: ({ column }, target) => (column === target ? { effect: 'scaled', center: 0, scale: 0.5 } : undefined),
    };
    const registry = new StepKindRegistry([...BUILT_IN_STEP_KINDS, halve]);
    const { table } = await featured([]);
    const step: RecipeStep = { kind: 'test.halve', nodeId: 'halve', version: 1, fitted: { column: 'body_mass_g' } };
    const info = resolveTarget(table, 'body_mass_g', [step], () => {}, registry);
    expect(info).toEqual({ name: 'body_mass_g', source: { kind: 'column' }, scaled: [{ nodeId: 'halve', center: 0, scale: 0.5 }], valueType: 'number' });
    expect(targetValues(info, table)[0]).toBe((columnValues(table, 'body_mass_g', 'x')[0] as number) * 0.5);
    // A kind without `target` leaves the label as the table holds it.
    expect(resolveTarget(table, 'body_mass_g', [logt], () => {}).scaled).toEqual([]);
  });

  it('refuses a bundle whose recipe uses a kind no installed pack provides, when loading it', async () => {
    const bundle = { recipe: [impute, { ...logt, kind: 'mypack.log' }] } as unknown as ModelBundle;
    expect(() => checkModelRecipe(bundle)).toThrow(
      "the model's recipe uses step kind 'mypack.log' (node 'logt'), which no installed node pack provides; install the pack that made this model",
    );
    expect(() => checkModelRecipe({ recipe: [impute, logt] } as unknown as ModelBundle)).not.toThrow();
    expect(() => checkModelRecipe({ recipe: [logt] } as unknown as ModelBundle, new StepKindRegistry())).toThrow("uses step kind 'test.log1p' (node 'logt')");
    // The same through loadBundle: a NodeError on the model input, before TF.js loads anything.
    const dir = mkdtempSync(join(tmpdir(), 'tensorloom-steps-'));
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify({ format: 'tensorloom/model@1', recipe: [{ ...logt, kind: 'mypack.log' }] }));
    const error: unknown = await loadBundle(dir).catch((caught: unknown) => caught);
    expect(isNodeError(error)).toBe(true);
    expect(error).toMatchObject({ field: 'model', message: "the model's recipe uses step kind 'mypack.log' (node 'logt'), which no installed node pack provides; install the pack that made this model" });
  });
});
