import type { z } from 'zod';
import type { RunContext } from './context.js';
import type { PortSpec } from './ports.js';
import { checkParamRules } from './show-when.js';
import type { InputValues, OutputValues } from './values.js';

export const NODE_CATEGORIES = ['data', 'feature', 'train', 'eval', 'registry', 'deploy', 'monitor', 'util'] as const;
export type NodeCategory = (typeof NODE_CATEGORIES)[number];

export type ParamsSchema = z.ZodObject;

/** A file a source node reads: its content hash joins the node's cache key. */
export interface SourceFile {
  /** The param that names the file, for error messages. */
  readonly param: string;
  /** The path as written in the pipeline (relative to the pipeline's folder). */
  readonly path: string;
}

/** What a node reads from one input, for validation (see NodeDefinition.inputKeys). */
export interface InputKeys {
  readonly port: string;
  /** The param the names come from. */
  readonly field: string;
  readonly keys: readonly string[];
}

/** One step of a node type's params migration: params of version `from` → version `from + 1`. */
export interface NodeMigration {
  readonly from: number;
  migrate(params: Record<string, unknown>): Record<string, unknown>;
}

export interface NodeDefinition<
  P extends ParamsSchema = ParamsSchema,
  I extends Record<string, PortSpec> = Record<string, PortSpec>,
  O extends Record<string, PortSpec> = Record<string, PortSpec>,
> {
  /** Stable id used in pipeline files, e.g. `data.csv`. */
  readonly type: string;
  /** Bump when the node computes something different for the same inputs: it invalidates the cache. */
  readonly version: number;
  /**
   * Steps that bring params saved by older versions up to `version`, one per version whose
   * params changed. A version without a step kept its params: bumping `version` only because
   * results changed needs no migration.
   */
  readonly migrations?: readonly NodeMigration[];
  readonly category: NodeCategory;
  readonly title: string;
  readonly description: string;
  readonly inputs: I;
  readonly outputs: O;
  readonly params: P;
  /**
   * Run in a worker thread (CPU-heavy work: parsing large files, training), so the API and
   * UI stay responsive and cancel can always stop it. Needs `module`. With
   * `{ whenInputBytesOver: n }` only when its inputs and source files add up to more than n
   * bytes: small jobs skip the thread's start-up cost (a few hundred milliseconds).
   */
  readonly worker?: boolean | { readonly whenInputBytesOver: number };
  /** `import.meta.url` of the file that default-exports this definition (for worker threads). */
  readonly module?: string;
  /** Files this node reads; their contents are part of the cache key. */
  sourceFiles?(params: z.output<P>): SourceFile[];
  /**
   * Files or folders this node writes, as written in its params. Validation refuses one
   * outside the workspace or inside its store before anything runs; at run time resolve
   * them with `ctx.workspace.resolveOutput`.
   */
  outputPaths?(params: z.output<P>): SourceFile[];
  /**
   * False (for these params) when the outputs also depend on state an earlier run saved in
   * the workspace (e.g. a schema baseline): the engine then runs the node every time and
   * neither reuses nor stores a cached result. Leave it out for pure nodes.
   */
  cacheable?(params: z.output<P>): boolean;
  /**
   * Names this node reads from an input (a gate's metrics), so validation can check them
   * against the `keys` the connected output declares, naming `field`, and refuse them when
   * the input is not connected at all.
   */
  inputKeys?(params: z.output<P>): readonly InputKeys[];
  run(args: { inputs: InputValues<I>; params: z.output<P> }, ctx: RunContext): Promise<OutputValues<O>>;
}

/** Any node definition, as the registry and engine see it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyNodeDefinition = NodeDefinition<ParamsSchema, Record<string, PortSpec>, Record<string, PortSpec>> & { run: (...args: any[]) => Promise<any> };

const TYPE_PATTERN = /^[a-z][a-z0-9]*(\.[a-z][a-zA-Z0-9]*)+$/;
const PORT_PATTERN = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * Declares a node type. Checks the declaration itself at load time so a broken node
 * definition fails loudly at start-up, never in the middle of a user's run.
 */
export function defineNode<P extends ParamsSchema, I extends Record<string, PortSpec>, O extends Record<string, PortSpec>>(
  definition: NodeDefinition<P, I, O>,
): NodeDefinition<P, I, O> {
  const where = `node definition '${definition.type}'`;
  if (!TYPE_PATTERN.test(definition.type)) throw new Error(`${where}: type must look like 'category.name'`);
  if (!Number.isInteger(definition.version) || definition.version < 1) throw new Error(`${where}: version must be a positive integer`);
  for (const name of [...Object.keys(definition.inputs), ...Object.keys(definition.outputs)]) {
    if (!PORT_PATTERN.test(name)) throw new Error(`${where}: port name '${name}' is not a plain identifier`);
  }
  checkMigrations(where, definition.version, definition.migrations);
  checkParamRules(where, definition.params);
  if (definition.worker && !definition.module) throw new Error(`${where}: worker nodes must set module: import.meta.url`);
  return Object.freeze(definition);
}

/** Two steps from one version, or a step from outside 1…version-1, is a bug: refuse it at load time. */
function checkMigrations(where: string, version: number, migrations: readonly NodeMigration[] | undefined): void {
  if (migrations === undefined || migrations.length === 0) return;
  const froms = migrations.map((step) => step.from).sort((a, b) => a - b);
  for (const step of migrations) {
    if (!Number.isInteger(step.from) || step.from < 1 || step.from >= version) throw new Error(`${where}: a migration's 'from' must be a version from 1 to ${version - 1} (got ${String(step.from)})`);
    if (typeof step.migrate !== 'function') throw new Error(`${where}: the migration from version ${step.from} has no migrate function`);
  }
  froms.forEach((from, index) => {
    if (index > 0 && froms[index - 1] === from) throw new Error(`${where}: version ${from} has two migrations; give each version at most one`);
  });
}
