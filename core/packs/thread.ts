/**
 * Step kinds are registered per thread: a worker thread imports the pack modules whose kinds
 * the main thread registered (the engine sends the list with each job) before it runs a
 * node, so training and batch prediction in a worker replay a pack's steps too.
 */
import { stepKinds as defaultStepKinds, type PackModule, type StepKindRegistry } from '../ml/recipe/registry.js';
import { isPackError, packContents, registerPackStepKinds } from './contents.js';
import { registerSdkResolver } from './sdk-resolver.js';

const done = new Set<string>();

/** Imports each pack module not imported in this thread yet and registers its step kinds. */
export async function ensurePackModules(packs: readonly PackModule[], steps: StepKindRegistry = defaultStepKinds): Promise<void> {
  for (const pack of packs) {
    if (done.has(pack.module)) continue;
    registerSdkResolver();
    const before = new Set(steps.names());
    const namespace = (await import(pack.module)) as Record<string, unknown>;
    const selfRegistered = steps.names().filter((kind) => !before.has(kind)).map((kind) => steps.get(kind)!);
    let kinds = selfRegistered;
    try {
      kinds = [...new Set([...packContents(namespace).stepKinds, ...selfRegistered])];
    } catch (error) {
      if (!isPackError(error)) throw error;
    }
    registerPackStepKinds({ name: pack.pack, version: pack.version, module: pack.module }, kinds, steps);
    done.add(pack.module);
  }
}
