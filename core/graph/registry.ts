import { z } from 'zod';
import type { AnyNodeDefinition, NodeCategory } from '../base/define-node.js';
import type { PortType } from '../base/ports.js';

/** What `tensorloom nodes --json` and `GET /api/nodes` show for one node type. */
export interface CatalogEntry {
  type: string;
  version: number;
  category: NodeCategory;
  title: string;
  description: string;
  inputs: Record<string, { type: PortType; optional: boolean; description?: string }>;
  outputs: Record<string, { type: PortType; description?: string }>;
  /** JSON Schema (draft 2020-12) of the params, with defaults, limits and descriptions. */
  params: Record<string, unknown>;
  worker: boolean;
  /** The node pack that provides the type; absent for Tensorloom's own. The palette groups by it. */
  pack?: string;
}

/** One node pack a registry was composed with (`tensorloom packs`, GET /api/packs). */
export interface PackSummary {
  readonly name: string;
  readonly version?: string;
  /** Where it was found: the workspace's package.json dependencies, or TENSORLOOM_PLUGINS. */
  readonly source: 'workspace' | 'TENSORLOOM_PLUGINS';
  /** The pack's folder, or the module file of a plain TENSORLOOM_PLUGINS module. */
  readonly path: string;
  /** The node types it declares (also when it failed to load, as far as they are known). */
  readonly nodeTypes: readonly string[];
  readonly stepKinds: readonly string[];
  /** Why it is not loaded; absent when it loaded. */
  readonly error?: string;
}

/** The node types known to one engine instance, built by the composition root. */
export class NodeRegistry {
  private readonly byType = new Map<string, AnyNodeDefinition>();
  private readonly packByType = new Map<string, string>();
  private packList: PackSummary[] = [];

  constructor(definitions: Iterable<AnyNodeDefinition> = []) {
    for (const definition of definitions) this.add(definition);
  }

  /** Adds a node type; `pack` names the node pack it comes from. */
  add(definition: AnyNodeDefinition, origin: { readonly pack?: string } = {}): void {
    if (this.byType.has(definition.type)) {
      const other = this.packByType.get(definition.type);
      throw new Error(`node type '${definition.type}' is registered twice${origin.pack || other ? ` (${[other ? `pack '${other}'` : 'built in', origin.pack ? `pack '${origin.pack}'` : 'built in'].join(' and ')})` : ''}`);
    }
    this.byType.set(definition.type, definition);
    if (origin.pack !== undefined) this.packByType.set(definition.type, origin.pack);
  }

  /** The node pack that provides `type`; undefined for a built-in or unknown type. */
  packOf(type: string): string | undefined {
    return this.packByType.get(type);
  }

  /** Records the node packs found while composing this registry, loaded or not. */
  setPacks(packs: readonly PackSummary[]): void {
    this.packList = [...packs];
  }

  /** Every node pack found for this registry, in discovery order, with load errors. */
  packs(): readonly PackSummary[] {
    return this.packList;
  }

  get(type: string): AnyNodeDefinition | undefined {
    return this.byType.get(type);
  }

  types(): string[] {
    return [...this.byType.keys()].sort();
  }

  all(): AnyNodeDefinition[] {
    return this.types().map((type) => this.byType.get(type)!);
  }

  catalog(): CatalogEntry[] {
    return this.all().map((definition) => {
      const entry = describeNode(definition);
      const pack = this.packByType.get(definition.type);
      return pack === undefined ? entry : { ...entry, pack };
    });
  }
}

export function describeNode(definition: AnyNodeDefinition): CatalogEntry {
  const inputs: CatalogEntry['inputs'] = {};
  for (const [name, spec] of Object.entries(definition.inputs)) {
    inputs[name] = { type: spec.type, optional: spec.optional === true, ...(spec.description ? { description: spec.description } : {}) };
  }
  const outputs: CatalogEntry['outputs'] = {};
  for (const [name, spec] of Object.entries(definition.outputs)) {
    outputs[name] = { type: spec.type, ...(spec.description ? { description: spec.description } : {}) };
  }
  // io: 'input' describes what a pipeline file may contain: fields with defaults are optional.
  const params = z.toJSONSchema(definition.params, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    type: definition.type,
    version: definition.version,
    category: definition.category,
    title: definition.title,
    description: definition.description,
    inputs,
    outputs,
    params,
    worker: definition.worker === true,
  };
}
