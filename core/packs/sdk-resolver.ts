/**
 * Packs import the SDK as `tensorloom/sdk`, a name no workspace installs: a module
 * resolution hook maps it to the facade of the Tensorloom that is running (core/sdk), so a
 * pack shares its registries, error classes and zod with the app (one module instance), and
 * never needs Tensorloom in its own node_modules. VS Code hands extensions the `vscode`
 * module the same way. Each thread registers the hook once (worker threads too).
 */
import { register } from 'node:module';

/** What packs write in their imports. */
export const SDK_SPECIFIER = 'tensorloom/sdk';

/** The facade's URL: its TypeScript source under tsx and in tests, the compiled file in dist/. */
export function sdkModuleUrl(): string {
  const here = import.meta.url;
  return new URL(here.endsWith('.ts') ? '../sdk/index.ts' : '../sdk/index.js', here).href;
}

// Resolves the SDK specifier through the rest of the chain (tsx, when running the sources,
// then Node), so the URL is the one the app itself imports and loads.
const HOOKS = `
let sdk;
export function initialize(data) { sdk = data.sdk; }
export async function resolve(specifier, context, next) {
  if (specifier === ${JSON.stringify(SDK_SPECIFIER)}) return next(sdk, context);
  return next(specifier, context);
}
`;

let registered = false;

/** Makes `import … from 'tensorloom/sdk'` work in this thread. Idempotent. */
export function registerSdkResolver(): void {
  if (registered) return;
  registered = true;
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data: { sdk: sdkModuleUrl() } });
}
