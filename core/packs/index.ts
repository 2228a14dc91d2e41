/** Node packs: finding, checking and loading them (see README.md). */
export { loadPacks, pluginsFromEnv, workspaceManifest } from './load.js';
export type { LoadedPack, LoadPacksOptions, PackSet, PackSource } from './load.js';
export { packContents, registerPackStepKinds, isNodeDefinition, PackError, isPackError, PACK_SHAPE_HINT } from './contents.js';
export type { AnyStepKind, PackContents, PackIdentity } from './contents.js';
export { PACK_KEYWORD, readManifest, packEntry, isPackManifest } from './manifest.js';
export type { PackManifest } from './manifest.js';
export { registerSdkResolver, sdkModuleUrl, SDK_SPECIFIER } from './sdk-resolver.js';
export { ensurePackModules } from './thread.js';
