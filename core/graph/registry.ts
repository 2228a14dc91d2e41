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
}

/** The node types known to one engine instance, built by the composition root. */
export class NodeRegistry {
  private readonly byType = new Map<string, AnyNodeDefinition>();

  constructor(definitions: Iterable<AnyNodeDefinition> = []) {
    for (const definition of definitions) this.add(definition);
  }

  add(definition: AnyNodeDefinition): void {
    if (this.byType.has(definition.type)) throw new Error(`node type '${definition.type}' is registered twice`);
    this.byType.set(definition.type, definition);
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
    return this.all().map(describeNode);
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
