import { NodeRegistry } from '../core/graph/registry.js';
import { builtinNodes } from '../nodes/index.js';

/** The composition root's registry: every built-in node type. */
export function createRegistry(): NodeRegistry {
  return new NodeRegistry(builtinNodes);
}
