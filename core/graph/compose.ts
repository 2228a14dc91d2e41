/**
 * The one way a process builds its node registry: the built-in catalog, then the node packs
 * that loaded (core/packs finds and checks them, and has already refused clashes), then any
 * extra definitions (test fixtures). The CLI, the UI server, the browser tests' server and
 * the test fixtures all call this; only the callers know nodes/, so core never imports it.
 */
import type { AnyNodeDefinition } from '../base/define-node.js';
import { NodeRegistry, type PackSummary } from './registry.js';

/** A loaded pack's nodes, as core/packs hands them over. */
export interface PackNodes {
  readonly name: string;
  readonly nodes: readonly AnyNodeDefinition[];
}

export interface ComposeOptions {
  /** Tensorloom's own node types (nodes/index.ts builtinNodes), or a test's fixture nodes. */
  readonly builtins: readonly AnyNodeDefinition[];
  /** What core/packs' loadPacks found: the loaded packs' nodes and every pack's summary. */
  readonly packs?: { readonly loaded: readonly PackNodes[]; readonly packs: readonly PackSummary[] };
  /** Definitions added after the packs (test-only nodes). */
  readonly extra?: readonly AnyNodeDefinition[];
}

/** Builds the registry; a type registered twice here is a programming error (packs' clashes were refused before). */
export function composeRegistry(options: ComposeOptions): NodeRegistry {
  const registry = new NodeRegistry(options.builtins);
  for (const pack of options.packs?.loaded ?? []) {
    for (const definition of pack.nodes) registry.add(definition, { pack: pack.name });
  }
  for (const definition of options.extra ?? []) registry.add(definition);
  registry.setPacks(options.packs?.packs ?? []);
  return registry;
}
