/**
 * The model bundle's format and what reading it needs, without TensorFlow.js: nodes, the
 * CLI and the server load this module at start-up; bundle.ts (TF.js) loads only to train
 * or predict.
 */
import type { Table } from 'apache-arrow';
import type { DataTable, RecipeStep } from '../base/table.js';
import { canonicalJson } from '../graph/canonical.js';
import { NodeError } from '../base/errors.js';
import { labelValue, type FeaturePlan, type TargetInfo } from './features.js';
import type { MlpSpec } from './mlp.js';
import { applyRecipe, RecipeError, stepKinds, type InputType, type StepKindRegistry } from './recipe/index.js';

export const BUNDLE_FORMAT = 'tensorloom/model@1';
export const BUNDLE_FILE = 'bundle.json';
export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

export type Task = 'classification' | 'regression';

/** A raw column a prediction request must (or may) carry. */
export interface InputColumn {
  readonly name: string;
  readonly type: InputType;
}

/**
 * bundle.json: everything besides the weights that serving needs to reproduce training's
 * predictions exactly, plus lineage. Deterministic: no clock or run id, so retraining with
 * the same data, params and backend yields the same bytes (and a cache hit downstream).
 */
export interface ModelBundle {
  readonly format: typeof BUNDLE_FORMAT;
  readonly task: Task;
  readonly target: TargetInfo;
  /** Class labels in output order (classification), as text. */
  readonly classes: readonly string[] | null;
  /** The steps the training table went through; raw input rows get them applied. */
  readonly recipe: readonly RecipeStep[];
  /**
   * The node packs whose step kinds the recipe uses (absent when it uses only built-in
   * kinds), so a server without one can name the pack to install, and an export knows which
   * pack code to bundle into the image.
   */
  readonly packs?: readonly ModelPack[];
  /** The model's own input encoding, applied after the recipe. */
  readonly features: FeaturePlan;
  /** Raw columns a request provides. */
  readonly inputs: readonly InputColumn[];
  /** Regression: the network predicts (y - mean) / std. */
  readonly targetScaling: { readonly mean: number; readonly std: number } | null;
  readonly network: MlpSpec;
  readonly training: Readonly<Record<string, unknown>>;
  readonly lineage: Readonly<Record<string, unknown>>;
}

/** A node pack a model's recipe needs: its name, version when known, and the step kinds it provides. */
export interface ModelPack {
  readonly name: string;
  readonly version?: string;
  readonly stepKinds: readonly string[];
}

/**
 * The packs that provide the recipe's step kinds in this thread, for bundle.json: sorted by
 * name, kinds in recipe order. Built-in kinds and kinds registered without a pack name are
 * left out. Deterministic, so retraining gives the same bundle bytes.
 */
export function recipePacks(recipe: readonly RecipeStep[], steps: StepKindRegistry = stepKinds): ModelPack[] {
  const byName = new Map<string, { version?: string; stepKinds: string[] }>();
  for (const step of recipe) {
    const provider = steps.provider(step.kind);
    if (!provider || provider.builtIn || provider.pack === undefined) continue;
    let entry = byName.get(provider.pack);
    if (!entry) byName.set(provider.pack, (entry = { ...(provider.version === undefined ? {} : { version: provider.version }), stepKinds: [] }));
    if (!entry.stepKinds.includes(step.kind)) entry.stepKinds.push(step.kind);
  }
  return [...byName.keys()].sort().map((name) => ({ name, ...byName.get(name)! }));
}

/** The pack bundle.json says provides `kind`, if any. */
export function packOfStepKind(bundle: Pick<ModelBundle, 'packs'>, kind: string): ModelPack | undefined {
  return Array.isArray(bundle.packs) ? bundle.packs.find((pack) => Array.isArray(pack?.stepKinds) && pack.stepKinds.includes(kind)) : undefined;
}

/**
 * Every step of the bundle's recipe can be replayed in this thread: its kind is installed
 * (built in or from a node pack), its version known, its fitted values readable. Loading
 * checks it, so a model server refuses to start rather than fail every request. Parsing
 * here also fills the per-step cache that replay uses.
 */
export function checkModelRecipe(bundle: ModelBundle, steps: StepKindRegistry = stepKinds): void {
  for (const step of bundle.recipe) {
    if (!steps.has(step.kind)) {
      const pack = packOfStepKind(bundle, step.kind);
      if (pack) {
        const at = pack.version === undefined ? pack.name : `${pack.name}@${pack.version}`;
        throw new RecipeError(
          `the model's recipe uses step kind '${step.kind}' (node '${step.nodeId}') from the node pack '${pack.name}'${pack.version === undefined ? '' : ` (version ${pack.version})`}, which is not installed here; install it in the workspace (npm install ${at}) or list it in TENSORLOOM_PLUGINS`,
          step,
        );
      }
      throw new RecipeError(`the model's recipe uses step kind '${step.kind}' (node '${step.nodeId}'), which no installed node pack provides; install the pack that made this model`, step);
    }
    steps.resolve(step);
  }
}

function sameRecipe(a: readonly RecipeStep[], b: readonly RecipeStep[]): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * Columns raw rows may lack at replay: the label, and every column the recipe reads that
 * the model does not need (a step fitted on a column a later select dropped). A request
 * carries only `bundle.inputs`, so replay must skip, not fail on, the rest.
 */
export function replayAbsentOk(bundle: ModelBundle, steps: StepKindRegistry = stepKinds): Set<string> {
  const required = new Set(bundle.inputs.map((input) => input.name));
  const absentOk = new Set([bundle.target.name]);
  for (const step of bundle.recipe) {
    const { kind, fitted } = steps.resolve(step);
    for (const flow of kind.flows(fitted)) for (const { name } of flow.reads) if (!required.has(name)) absentOk.add(name);
  }
  return absentOk;
}

/**
 * The table the model reads, from either a table that went through the same feature
 * nodes (used as is) or raw rows (the bundle's recipe is applied). Anything else is a
 * NodeError that names the difference (ARCHITECTURE.md section 4).
 */
export function modelInputTable(bundle: ModelBundle, input: DataTable): Table {
  if (input.recipe.length > 0 && sameRecipe(input.recipe, bundle.recipe)) return input.table;
  if (input.recipe.length === 0) {
    try {
      return applyRecipe(input.table, bundle.recipe, { absentOk: replayAbsentOk(bundle) });
    } catch (error) {
      if (error instanceof RecipeError) throw new NodeError(error.message, { field: 'table' });
      throw error;
    }
  }
  const theirs = input.recipe.map((step) => `${step.nodeId} (${step.kind})`).join(' → ');
  const ours = bundle.recipe.map((step) => `${step.nodeId} (${step.kind})`).join(' → ') || 'no feature steps';
  throw new NodeError(
    `the table went through feature steps ${theirs}, but the model was trained after ${ours}; connect raw rows (the model applies its own recipe) or the output of the same feature nodes`,
    { field: 'table' },
  );
}

export interface Predictions {
  /** Classification: rows × classes probabilities. */
  readonly probabilities: Float32Array | null;
  /** Classification: index of the most probable class per row. */
  readonly classIndex: Int32Array | null;
  /** Regression: predicted values in the target's units. */
  readonly values: Float64Array | null;
}

/** A class label in the target's original type (number, boolean or text). */
export function classValue(bundle: ModelBundle, index: number): string | number | boolean {
  return labelValue(bundle.target, bundle.classes?.[index] ?? '');
}
