/**
 * The step kinds a process can replay, the way node types are registered: the built-ins
 * by default, plus what node packs add with `registerStepKind`. The registry is per thread
 * (module state): the pack loader registers its kinds in the CLI/server process and again
 * in each worker thread, which imports its own copy of this module.
 */
import type { RecipeStep } from '../../base/table.js';
import { encodeStep } from './encode.js';
import { RecipeError, stepLabel } from './errors.js';
import { expressionStep } from './expression.js';
import { imputeStep } from './impute.js';
import { scaleStep } from './scale.js';
import { selectStep } from './select.js';
import type { StepKind } from './step.js';

// StepKind<F> is contravariant in F (parse returns it, apply takes it): any F fits here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyStepKind = StepKind<any>;

/** The step kinds of Tensorloom's own feature nodes. */
export const BUILT_IN_STEP_KINDS: readonly AnyStepKind[] = [scaleStep, encodeStep, imputeStep, selectStep, expressionStep];

/** Names of the built-in step kinds. */
export const RECIPE_STEP_KINDS: readonly string[] = BUILT_IN_STEP_KINDS.map((kind) => kind.kind);

const KIND_PATTERN = /^[a-z][a-z0-9]*(\.[a-z][a-zA-Z0-9]*)+$/;

/** A step with its kind and its fitted JSON, checked and parsed. */
export interface ResolvedStep {
  readonly kind: AnyStepKind;
  readonly fitted: unknown;
}

export interface RegisterOptions {
  /** The pack registering it, named in errors; defaults to the kind's own `pack`. */
  readonly pack?: string;
  /** The pack's version, recorded in the bundles of models whose recipe uses the kind. */
  readonly version?: string;
  /**
   * The URL of the module that provides the kind (a pack's entry): worker threads import it
   * before running a node, and exported images bundle it.
   */
  readonly module?: string;
}

/** A pack module whose step kinds a thread registered: what another thread imports to do the same. */
export interface PackModule {
  readonly pack: string;
  readonly version?: string;
  readonly module: string;
}

/** Where a registered step kind comes from: a node pack (named when known), or Tensorloom itself. */
export interface StepKindProvider {
  readonly builtIn: boolean;
  readonly pack?: string;
  readonly version?: string;
  readonly module?: string;
}

export class StepKindRegistry {
  private readonly byName = new Map<string, { readonly kind: AnyStepKind; readonly from: string; provider: StepKindProvider }>();
  /**
   * Parsed fitted JSON per step object: the model server replays the same step objects on
   * every request, so each is checked (and an expression parsed) once. Kinds are never
   * replaced, so an entry stays valid.
   */
  private readonly resolved = new WeakMap<RecipeStep, ResolvedStep>();

  constructor(kinds: Iterable<AnyStepKind> = BUILT_IN_STEP_KINDS) {
    for (const kind of kinds) this.register(kind);
  }

  /**
   * Adds a step kind. The same object again is a no-op (a pack loaded twice); another kind
   * of the same name is an Error naming both, as is a declaration that is not usable.
   */
  register(kind: AnyStepKind, options: RegisterOptions = {}): void {
    const from = describeProvider(options.pack ?? kind?.pack);
    checkDeclaration(kind, from);
    const existing = this.byName.get(kind.kind);
    if (existing?.kind === kind) {
      // A pack that registered its kinds itself, while the loader imported it: the loader now says which module that was.
      if (existing.provider.module === undefined && options.module !== undefined && !existing.provider.builtIn) {
        existing.provider = { ...existing.provider, ...(options.pack === undefined ? {} : { pack: options.pack }), ...(options.version === undefined ? {} : { version: options.version }), module: options.module };
      }
      return;
    }
    if (existing) {
      throw new Error(`step kind '${kind.kind}' from ${from} clashes with the step kind of that name from ${existing.from}; step kind names must be unique (prefix a pack's kinds with its name)`);
    }
    const builtIn = BUILT_IN_STEP_KINDS.includes(kind);
    const pack = options.pack ?? kind.pack;
    const provider: StepKindProvider = builtIn
      ? { builtIn }
      : { builtIn, ...(pack === undefined ? {} : { pack }), ...(options.version === undefined ? {} : { version: options.version }), ...(options.module === undefined ? {} : { module: options.module }) };
    this.byName.set(kind.kind, { kind, from: builtIn ? 'Tensorloom (built in)' : from, provider });
  }

  /** Who provides the kind `name`; undefined when it is not registered. */
  provider(name: string): StepKindProvider | undefined {
    return this.byName.get(name)?.provider;
  }

  /**
   * The packs whose kinds were registered with the module that provides them, one entry per
   * module in registration order: what a worker thread imports to replay the same kinds.
   */
  packModules(): PackModule[] {
    const seen = new Map<string, PackModule>();
    for (const { provider } of this.byName.values()) {
      if (provider.module === undefined || seen.has(provider.module)) continue;
      seen.set(provider.module, { pack: provider.pack ?? provider.module, ...(provider.version === undefined ? {} : { version: provider.version }), module: provider.module });
    }
    return [...seen.values()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): AnyStepKind | undefined {
    return this.byName.get(name)?.kind;
  }

  /** Registered kind names, in registration order (built-ins first). */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /**
   * The step's kind and parsed fitted JSON. An unknown kind, a version newer than the
   * kind's code or malformed fitted JSON is a RecipeError naming the node.
   */
  resolve(step: RecipeStep): ResolvedStep {
    const cached = this.resolved.get(step);
    if (cached) return cached;
    const kind = this.get(step.kind);
    if (!kind) {
      throw new RecipeError(`${stepLabel(step)}: unknown recipe step kind '${step.kind}'; known kinds are: ${this.names().join(', ')}; install the node pack that provides it`, step);
    }
    if (!Number.isInteger(step.version) || step.version < 1 || step.version > kind.version) {
      throw new RecipeError(`${stepLabel(step)} is version ${String(step.version)}, but this Tensorloom replays ${kind.kind} up to version ${kind.version}; update Tensorloom`, step);
    }
    let fitted: unknown;
    try {
      fitted = kind.parse(step.fitted);
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new RecipeError(`${stepLabel(step)} has malformed fitted values (${reason}); re-run the pipeline that made this recipe`, step);
    }
    const resolved = { kind, fitted };
    this.resolved.set(step, resolved);
    return resolved;
  }
}

function describeProvider(pack: string | undefined): string {
  return pack === undefined ? 'an unnamed pack' : `pack '${pack}'`;
}

/** Checks what TypeScript cannot promise for a pack written in JavaScript, at registration, not mid-run. */
function checkDeclaration(kind: AnyStepKind, from: string): void {
  if (typeof kind !== 'object' || kind === null) throw new Error(`registerStepKind (${from}): expected a step kind object, got ${kind === null ? 'null' : typeof kind}`);
  const where = `step kind '${String(kind.kind)}' from ${from}`;
  if (typeof kind.kind !== 'string' || !KIND_PATTERN.test(kind.kind)) throw new Error(`${where}: kind must look like 'pack.name' (lowercase, dot-separated)`);
  if (!Number.isInteger(kind.version) || kind.version < 1) throw new Error(`${where}: version must be a positive integer`);
  for (const method of ['parse', 'apply', 'flows'] as const) {
    if (typeof kind[method] !== 'function') throw new Error(`${where}: ${method} must be a function`);
  }
  if (kind.target !== undefined && typeof kind.target !== 'function') throw new Error(`${where}: target must be a function when given`);
  if (kind.rows !== undefined && typeof kind.rows !== 'function') throw new Error(`${where}: rows must be a function when given`);
}

/**
 * The process-wide (per thread) registry that replay, the trainer and the model server use
 * unless given another.
 */
export const stepKinds = new StepKindRegistry();

/**
 * Makes a step kind replayable in this thread: what a node pack's loader calls for each of
 * its kinds, in the CLI/server process and in every worker thread. Idempotent for the same
 * object; a different kind of a taken name is an Error naming both.
 */
export function registerStepKind(kind: AnyStepKind, options: RegisterOptions = {}): void {
  stepKinds.register(kind, options);
}
