import { describe, expect, it } from 'vitest';
import { SPLIT_COLUMN, type RecipeStep } from '../../base/table.js';
import { columnValues, previewRows } from '../../data/table-ops.js';
import { applyRecipe, applyStep, registerStepKind, stepKinds, StepKindRegistry, type StepKind } from '../../sdk/index.js';
import { BUILT_IN_STEP_KINDS } from './registry.js';
import { csvTable, PENGUINS, rawRecord, recordsTable, withSplit } from './test-support/data.js';
import { log1pStep } from './test-support/log1p-pack.js';

const BUILT_IN_NAMES = ['feature.scale', 'feature.encode', 'feature.impute', 'feature.select', 'feature.expression'];
const logStep: RecipeStep = { kind: 'test.log1p', nodeId: 'logt', version: 1, fitted: { column: 'body_mass_g', name: 'log_mass' } };

describe('StepKindRegistry', () => {
  it('holds the built-in kinds by default; registering the same object again changes nothing', () => {
    expect(new StepKindRegistry().names()).toEqual(BUILT_IN_NAMES);
    expect(stepKinds.names().slice(0, 5)).toEqual(BUILT_IN_NAMES);
    registerStepKind(log1pStep);
    registerStepKind(log1pStep);
    expect(stepKinds.get('test.log1p')).toBe(log1pStep);
    expect(stepKinds.names().filter((name) => name === 'test.log1p')).toEqual(['test.log1p']);
  });

  it('refuses a second kind of a taken name, naming both providers', () => {
    const registry = new StepKindRegistry();
    registry.register(log1pStep);
    expect(() => registry.register({ ...log1pStep }, { pack: 'otherpack' })).toThrow(
      "step kind 'test.log1p' from pack 'otherpack' clashes with the step kind of that name from pack 'tensorloom-test-pack'; step kind names must be unique (prefix a pack's kinds with its name)",
    );
    expect(() => registry.register({ ...log1pStep, kind: 'feature.scale', pack: 'mypack' })).toThrow(
      "step kind 'feature.scale' from pack 'mypack' clashes with the step kind of that name from Tensorloom (built in)",
    );
    expect(registry.get('feature.scale')).toBe(BUILT_IN_STEP_KINDS[0]);
  });

  it('refuses a declaration it could not use, when registered rather than mid-run', () => {
    const registry = new StepKindRegistry();
    expect(() => registry.register({ ...log1pStep, kind: 'Log1p' })).toThrow("step kind 'Log1p' from pack 'tensorloom-test-pack': kind must look like 'pack.name'");
    expect(() => registry.register({ ...log1pStep, version: 0 })).toThrow("step kind 'test.log1p' from pack 'tensorloom-test-pack': version must be a positive integer");
    const { flows: _flows, ...noFlows } = log1pStep;
    expect(() => registry.register(noFlows as StepKind)).toThrow("step kind 'test.log1p' from pack 'tensorloom-test-pack': flows must be a function");
    expect(registry.has('test.log1p')).toBe(false);
  });

  it('replays a registered pack kind like a built-in: every row, one raw record, the label absent', async () => {
    registerStepKind(log1pStep);
    const raw = withSplit(await csvTable(PENGUINS), 4, 1);
    const impute: RecipeStep = { kind: 'feature.impute', nodeId: 'impute', version: 1, fitted: { strategy: 'mean', columns: [{ name: 'body_mass_g', value: 4200 }] } };
    const out = applyRecipe(raw, [logStep]);
    const mass = columnValues(raw, 'body_mass_g', 'x') as (number | null)[];
    expect(columnValues(out, 'log_mass', 'x')).toEqual(mass.map((value) => (value === null ? null : Math.log1p(value))));
    expect(out.schema.fields.map((field) => field.name).slice(-2)).toEqual([SPLIT_COLUMN, 'log_mass']);

    const both = applyRecipe(raw, [impute, logStep]);
    const { species: _label, ...record } = rawRecord(raw, 3);
    expect(record.body_mass_g).toBeNull();
    const expected = { ...previewRows(both, 4)[3]! };
    delete expected.species;
    delete expected[SPLIT_COLUMN];
    expect(previewRows(applyRecipe(recordsTable([record]), [impute, logStep]))[0]).toEqual({ ...expected, log_mass: Math.log1p(4200) });

    // A kind reading the label at prediction time leaves its output out.
    const fromLabel: RecipeStep = { ...logStep, fitted: { column: 'species_code', name: 'log_code' } };
    const unlabelled = applyRecipe(recordsTable([{ x: 1 }]), [fromLabel], { absentOk: new Set(['species_code']) });
    expect(unlabelled.schema.fields.map((field) => field.name)).toEqual(['x']);
    expect(() => applyStep(recordsTable([{ body_mass_g: 'heavy' }]), logStep)).toThrow("column 'body_mass_g' is text, but node 'logt' (test.log1p) takes log1p of numbers");
  });

  it('names the installed kinds and the fix for a kind that is not registered', () => {
    const registry = new StepKindRegistry();
    expect(() => applyStep(recordsTable([{ body_mass_g: 1 }]), logStep, { steps: registry })).toThrow(
      "node 'logt' (test.log1p): unknown recipe step kind 'test.log1p'; known kinds are: feature.scale, feature.encode, feature.impute, feature.select, feature.expression; install the node pack that provides it",
    );
    registry.register(log1pStep);
    expect(previewRows(applyStep(recordsTable([{ body_mass_g: 1 }]), logStep, { steps: registry }))).toEqual([{ body_mass_g: 1, log_mass: Math.log(2) }]);
    expect(() => registry.resolve({ ...logStep, fitted: { column: 'body_mass_g' } })).toThrow(/^node 'logt' \(test.log1p\) has malformed fitted values/);
  });
});
