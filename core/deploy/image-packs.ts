/**
 * Node packs inside a model image. A model whose recipe uses a pack's step kinds needs the
 * pack's code where it is served: the export bundles each such pack's module (found through
 * this process's step-kind registry, where the pack loader registered it with its module)
 * into server.mjs, ahead of the model server, which registers their step kinds on start.
 */
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { NodeError } from '../base/errors.js';
import { packOfStepKind, type ModelBundle } from '../ml/bundle-format.js';
import { stepKinds as defaultStepKinds, type StepKindRegistry } from '../ml/recipe/registry.js';
import { projectEntry } from './bundle.js';

/** A pack whose code goes into the image. */
export interface BundledPack {
  readonly name: string;
  readonly version?: string;
  /** The entry module's file. */
  readonly file: string;
  /** The step kinds of the model's recipe it provides. */
  readonly stepKinds: readonly string[];
}

/**
 * The packs the model's recipe needs, each with the module this process loaded it from. A
 * kind no loaded pack provides is a NodeError naming the pack (from bundle.json) to install.
 */
export function imagePacks(bundle: ModelBundle, steps: StepKindRegistry = defaultStepKinds): BundledPack[] {
  const byFile = new Map<string, { name: string; version?: string; stepKinds: string[] }>();
  for (const step of bundle.recipe) {
    const provider = steps.provider(step.kind);
    if (provider?.builtIn) continue;
    if (provider?.module === undefined) {
      const pack = packOfStepKind(bundle, step.kind);
      const named = pack ? `the node pack '${pack.name}'${pack.version ? ` (version ${pack.version})` : ''}` : 'a node pack';
      const reason = provider === undefined ? 'which is not installed here' : 'which was registered without its module, so its code cannot be bundled';
      throw new NodeError(
        `the model's recipe uses step kind '${step.kind}' (node '${step.nodeId}') from ${named}, ${reason}; install it in the workspace (npm install ${pack?.name ?? '<pack>'}) or list it in TENSORLOOM_PLUGINS, so the image can bundle its code`,
        { field: 'model' },
      );
    }
    const file = fileURLToPath(provider.module);
    let entry = byFile.get(file);
    if (!entry) byFile.set(file, (entry = { name: provider.pack ?? file, ...(provider.version === undefined ? {} : { version: provider.version }), stepKinds: [] }));
    if (!entry.stepKinds.includes(step.kind)) entry.stepKinds.push(step.kind);
  }
  return [...byFile].map(([file, entry]) => ({ ...entry, file })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Packages the SDK can reach but a model image never runs: export and the database (native
 * addons esbuild cannot bundle). Marked external while bundling packs; a pack whose step code
 * does use one is refused (`packProblem`).
 */
export const NOT_IN_IMAGE = ['dockerode', 'esbuild', 'better-sqlite3'] as const;

/** The image's entry when it carries packs: a virtual module, so no temp path ends up in server.mjs. */
export const IMAGE_ENTRY = 'tensorloom:image-entry';
const PACKS_MODULE = 'tensorloom:image-packs';

/**
 * An esbuild plugin providing the image's entry (register the packs' step kinds, then start
 * the model server) and resolving the packs' `tensorloom/sdk` imports to the facade, marked
 * free of side effects so only what the packs use goes into the bundle.
 */
export function imagePacksPlugin(root: string, packs: readonly BundledPack[]): Plugin {
  const entry = `import ${JSON.stringify(PACKS_MODULE)};\nimport ${JSON.stringify(projectEntry(root, 'core/serve/main.ts'))};\n`;
  const register = [
    `import { registerImagePacks } from ${JSON.stringify(projectEntry(root, 'core/packs/contents.ts'))};`,
    ...packs.map((pack, index) => `import * as pack${index} from ${JSON.stringify(pack.file)};`),
    `registerImagePacks([${packs.map((pack, index) => `{ name: ${JSON.stringify(pack.name)}, ${pack.version === undefined ? '' : `version: ${JSON.stringify(pack.version)}, `}namespace: pack${index} }`).join(', ')}]);`,
    '',
  ].join('\n');
  return {
    name: 'tensorloom-image-packs',
    setup(build) {
      build.onResolve({ filter: /^tensorloom:image-(entry|packs)$/ }, (args) => ({ path: args.path, namespace: 'tensorloom-image' }));
      build.onLoad({ filter: /.*/, namespace: 'tensorloom-image' }, (args) => ({ contents: args.path === IMAGE_ENTRY ? entry : register, resolveDir: root, loader: 'js' }));
      build.onResolve({ filter: /^tensorloom\/sdk$/ }, () => ({ path: projectEntry(root, 'core/sdk/index.ts'), sideEffects: false }));
      // Importing one of these has no effect the image needs: a module whose only effect is that import drops out with it.
      build.onResolve({ filter: new RegExp(`^(${NOT_IN_IMAGE.join('|')})$`) }, (args) => ({ path: args.path, external: true, sideEffects: false }));
    },
  };
}
