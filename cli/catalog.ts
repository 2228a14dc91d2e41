import { composeRegistry, type NodeRegistry } from '../core/graph/index.js';
import { loadPacks, pluginsFromEnv } from '../core/packs/index.js';
import { builtinNodes } from '../nodes/index.js';
import { yellow } from './output.js';

export interface RegistryOptions {
  /** The workspace folder whose package.json dependencies are searched for node packs; none: no workspace packs. */
  readonly workspace?: string | undefined;
  readonly env?: NodeJS.ProcessEnv;
  /** Print one warning line on stderr per pack that did not load (default true). */
  readonly warn?: boolean;
}

/**
 * The composition root's registry: every built-in node type, plus the node packs of the
 * workspace (package.json dependencies with the `tensorloom-pack` keyword) and those listed
 * in TENSORLOOM_PLUGINS (module files or pack folders, separated by ':' or ';'). A pack that
 * fails to load is reported and left out; everything else works.
 */
export async function createRegistry(options: RegistryOptions = {}): Promise<NodeRegistry> {
  const packs = await loadPacks({
    ...(options.workspace === undefined ? {} : { workspace: options.workspace }),
    plugins: pluginsFromEnv(options.env ?? process.env),
    builtins: builtinNodes,
  });
  if (options.warn !== false) {
    for (const pack of packs.packs) {
      if (pack.error !== undefined) process.stderr.write(yellow(`tensorloom: warning: node pack '${pack.name}' not loaded: ${pack.error}`, process.stderr) + '\n');
    }
  }
  return composeRegistry({ builtins: builtinNodes, packs });
}
