import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NodeRegistry } from '../core/graph/registry.js';
import type { AnyNodeDefinition } from '../core/sdk/index.js';
import { builtinNodes } from '../nodes/index.js';
import { UsageError } from './output.js';

/**
 * The composition root's registry: every built-in node type, plus custom node types from
 * the ES modules listed in TENSORLOOM_PLUGINS (separated by the path delimiter, ':' or ';').
 * A plugin module default-exports one definition made with defineNode, or an array of them.
 */
export async function createRegistry(env: NodeJS.ProcessEnv = process.env): Promise<NodeRegistry> {
  const registry = new NodeRegistry(builtinNodes);
  const list = env.TENSORLOOM_PLUGINS?.split(process.platform === 'win32' ? ';' : ':').filter(Boolean) ?? [];
  for (const entry of list) {
    const path = isAbsolute(entry) ? entry : resolve(entry);
    let loaded: { default?: unknown };
    try {
      loaded = (await import(pathToFileURL(path).href)) as { default?: unknown };
    } catch (error) {
      throw new UsageError(`TENSORLOOM_PLUGINS: cannot load ${entry}: ${(error as Error).message.split('\n')[0]}`);
    }
    const definitions = Array.isArray(loaded.default) ? loaded.default : [loaded.default];
    for (const definition of definitions) {
      if (!isDefinition(definition)) throw new UsageError(`TENSORLOOM_PLUGINS: ${entry} must default-export a node definition (defineNode) or an array of them`);
      try {
        registry.add(definition);
      } catch (error) {
        throw new UsageError(`TENSORLOOM_PLUGINS: ${entry}: ${(error as Error).message}`);
      }
    }
  }
  return registry;
}

function isDefinition(value: unknown): value is AnyNodeDefinition {
  const candidate = value as Partial<AnyNodeDefinition> | undefined;
  return typeof candidate?.type === 'string' && typeof candidate.run === 'function' && typeof candidate.params?.safeParse === 'function';
}
