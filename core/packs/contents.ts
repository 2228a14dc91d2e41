/**
 * What a node pack's module exports, checked: node definitions and recipe step kinds. Kept
 * free of file-system and discovery code, because worker threads and the model server
 * inside an exported image use it too (to register a pack's step kinds there).
 */
import type { AnyNodeDefinition } from '../base/define-node.js';
import { StepKindRegistry, stepKinds as defaultStepKinds } from '../ml/recipe/registry.js';
import type { StepKind } from '../ml/recipe/step.js';

// StepKind<F> is contravariant in F: any F fits here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyStepKind = StepKind<any>;

export interface PackContents {
  readonly nodes: readonly AnyNodeDefinition[];
  readonly stepKinds: readonly AnyStepKind[];
}

/** A pack that cannot be used as it is; the message says what to change. */
export class PackError extends Error {
  override readonly name = 'PackError';
}

export function isPackError(error: unknown): error is PackError {
  return error instanceof Error && error.name === 'PackError';
}

export const PACK_SHAPE_HINT = 'export default { nodes: [...], stepKinds: [...] } (or export const nodes / stepKinds, or default-export one defineNode definition or an array of them)';

export function isNodeDefinition(value: unknown): value is AnyNodeDefinition {
  const candidate = value as Partial<AnyNodeDefinition> | undefined;
  return typeof candidate === 'object' && candidate !== null && typeof candidate.type === 'string' && typeof candidate.run === 'function' && typeof candidate.params?.safeParse === 'function';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object with keys ${Object.keys(value).slice(0, 6).join(', ') || '(none)'}`;
  return typeof value;
}

function nodeList(value: unknown, where: string): AnyNodeDefinition[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((item: unknown, index) => {
    if (!isNodeDefinition(item)) {
      throw new PackError(`${where}${Array.isArray(value) ? `[${index}]` : ''} is not a node definition made with defineNode (got ${describe(item)})`);
    }
    return item;
  });
}

function stepKindList(value: unknown, where: string): AnyStepKind[] {
  if (!Array.isArray(value)) throw new PackError(`${where} must be an array of step kinds (got ${describe(value)})`);
  return value.map((item: unknown, index) => {
    if (typeof item !== 'object' || item === null || typeof (item as { kind?: unknown }).kind !== 'string') {
      throw new PackError(`${where}[${index}] is not a step kind (an object with kind, version, parse, apply and flows; got ${describe(item)})`);
    }
    return item as AnyStepKind;
  });
}

/**
 * The node definitions and step kinds of a pack module's namespace. Accepted forms: a
 * default export that is one definition, an array of them (the TENSORLOOM_PLUGINS module
 * form), or `{ nodes, stepKinds }`; and named `nodes` / `stepKinds` exports. A module
 * exporting none of these, or something else under those names, is a PackError.
 */
export function packContents(namespace: Readonly<Record<string, unknown>>): PackContents {
  const nodes: AnyNodeDefinition[] = [];
  const kinds: AnyStepKind[] = [];
  const fallback = namespace.default;
  if (fallback !== undefined) {
    if (isNodeDefinition(fallback) || Array.isArray(fallback)) nodes.push(...nodeList(fallback, 'the default export'));
    else if (typeof fallback === 'object' && fallback !== null && ('nodes' in fallback || 'stepKinds' in fallback)) {
      const { nodes: listed, stepKinds: steps } = fallback as { nodes?: unknown; stepKinds?: unknown };
      if (listed !== undefined) nodes.push(...nodeList(listed, 'the default export\'s nodes'));
      if (steps !== undefined) kinds.push(...stepKindList(steps, 'the default export\'s stepKinds'));
    } else if (namespace.nodes === undefined && namespace.stepKinds === undefined) {
      throw new PackError(`the default export is ${describe(fallback)}, not node definitions or step kinds; ${PACK_SHAPE_HINT}`);
    }
  }
  if (namespace.nodes !== undefined) nodes.push(...nodeList(namespace.nodes, "the export 'nodes'"));
  if (namespace.stepKinds !== undefined) kinds.push(...stepKindList(namespace.stepKinds, "the export 'stepKinds'"));
  const uniqueNodes = [...new Set(nodes)];
  const uniqueKinds = [...new Set(kinds)];
  if (uniqueNodes.length === 0 && uniqueKinds.length === 0) throw new PackError(`it exports no node definitions or step kinds; ${PACK_SHAPE_HINT}`);
  return { nodes: uniqueNodes, stepKinds: uniqueKinds };
}

export interface PackIdentity {
  /** The pack's name (its package name), recorded with each kind and in model bundles. */
  readonly name: string;
  readonly version?: string | undefined;
  /** The URL of the pack's entry module, so worker threads can import it. */
  readonly module?: string | undefined;
}

/**
 * Registers a pack's step kinds in `registry` (this thread's, by default), all or none: the
 * declarations are checked first, so a bad one leaves no half-registered pack behind.
 */
export function registerPackStepKinds(pack: PackIdentity, kinds: readonly AnyStepKind[], registry: StepKindRegistry = defaultStepKinds): void {
  const options = { pack: pack.name, ...(pack.version === undefined ? {} : { version: pack.version }), ...(pack.module === undefined ? {} : { module: pack.module }) };
  const clash = kinds.find((kind) => registry.has(kind.kind) && registry.get(kind.kind) !== kind);
  if (clash) registry.register(clash, options); // throws, naming both providers
  const scratch = new StepKindRegistry([]);
  for (const kind of kinds) scratch.register(kind, options);
  for (const kind of kinds) registry.register(kind, options);
}

/** A pack module bundled into a model image, with what the image's entry knows of it. */
export interface ImagePack {
  readonly name: string;
  readonly version?: string;
  readonly namespace: Readonly<Record<string, unknown>>;
}

/**
 * What an exported image runs before the model server starts: registers the step kinds of
 * the packs bundled into it, so the model's recipe replays there as it did in training.
 */
export function registerImagePacks(packs: readonly ImagePack[], registry: StepKindRegistry = defaultStepKinds): void {
  for (const pack of packs) {
    let kinds: readonly AnyStepKind[] = [];
    try {
      kinds = packContents(pack.namespace).stepKinds;
    } catch (error) {
      // A pack that registers its kinds itself, on import, exports none.
      if (!isPackError(error)) throw error;
    }
    registerPackStepKinds({ name: pack.name, version: pack.version }, kinds, registry);
  }
}
