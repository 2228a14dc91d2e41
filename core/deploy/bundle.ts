/**
 * Bundling with esbuild for container images: the model server (or the CLI) becomes one
 * ES module with its npm dependencies inside, and the metafile says exactly which
 * packages went in, so runtime-lock.json can pin them (version + integrity from
 * package-lock.json). esbuild loads on first use: it is only needed to export.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

/**
 * Optional native and GPU backends (core/ml/backend.ts imports them dynamically and falls
 * back to wasm when they fail to load): left out of the bundle, so the import fails and
 * the wasm backend runs.
 */
export const OPTIONAL_BACKENDS = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu', '@tensorflow/tfjs-backend-webgpu'] as const;

/** The Node major the bundles target (package.json engines: >=20.19). */
export const TARGET_NODE_MAJOR = 20;

/**
 * Lets CommonJS dependencies inside an ES module bundle use require, __filename and
 * __dirname, and refuses to start on a Node older than the target with one clear line.
 */
export const ESM_BANNER = [
  "import { createRequire as __tensorloomCreateRequire } from 'node:module';",
  "import { fileURLToPath as __tensorloomFileURLToPath } from 'node:url';",
  "import { dirname as __tensorloomDirname } from 'node:path';",
  'const require = __tensorloomCreateRequire(import.meta.url);',
  'const __filename = __tensorloomFileURLToPath(import.meta.url);',
  'const __dirname = __tensorloomDirname(__filename);',
  `if (Number(process.versions.node.split('.')[0]) < ${TARGET_NODE_MAJOR}) {`,
  `  process.stderr.write('tensorloom: this image needs Node.js ${TARGET_NODE_MAJOR} or newer, but the base image has ' + process.version + '; pass --base-image with node:${TARGET_NODE_MAJOR} or newer\\n');`,
  '  process.exit(1);',
  '}',
].join('\n');

/** The checkout (or installed package) this module belongs to: the folder of tensorloom's package.json. */
export function projectRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'tensorloom') return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find tensorloom's package.json above ${fileURLToPath(import.meta.url)}`);
  }
}

/** A source entry of the project: the TypeScript file, or its compiled form in dist/. */
export function projectEntry(root: string, sourcePath: string): string {
  const source = join(root, sourcePath);
  if (existsSync(source)) return source;
  const compiled = join(root, 'dist', sourcePath.replace(/\.ts$/, '.js'));
  if (existsSync(compiled)) return compiled;
  throw new Error(`cannot bundle ${sourcePath}: neither ${source} nor ${compiled} exists`);
}

export interface BundleResult {
  /** Packages whose code is inside the output, by their folder under node_modules. */
  readonly packageDirs: readonly string[];
  /**
   * Bare imports left to load at run time: the ones marked external, and optional
   * dependencies that are not installed (a guarded require, e.g. node-fetch's 'encoding').
   */
  readonly external: readonly string[];
  readonly esbuildVersion: string;
}

export interface BundleOptions {
  readonly root: string;
  readonly entryPoints: readonly string[];
  /** One output file (outfile) or a folder for several entry points (outdir + splitting). */
  readonly outfile?: string;
  readonly outdir?: string;
  /** With outdir: the folder whose layout the output mirrors (default: root). */
  readonly outbase?: string;
  readonly external: readonly string[];
  /** esbuild plugins (export-pipeline rewrites import.meta.url for its worker threads). */
  readonly plugins?: readonly Plugin[];
}

/** Bundles for Node 20 as ES modules, with `module` before `main` so ESM builds of packages win. */
export async function bundle(options: BundleOptions): Promise<BundleResult> {
  const esbuild = await import('esbuild');
  const splitting = options.outdir !== undefined;
  const result = await esbuild.build({
    absWorkingDir: options.root,
    entryPoints: [...options.entryPoints],
    bundle: true,
    platform: 'node',
    target: `node${TARGET_NODE_MAJOR}`,
    format: 'esm',
    mainFields: ['module', 'main'],
    banner: { js: ESM_BANNER },
    external: [...options.external],
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
    // Determinism: the same sources give the same bytes (no absolute paths or times in the output).
    sourcemap: false,
    ...(splitting ? { outdir: options.outdir!, splitting: true, outbase: options.outbase ?? options.root, chunkNames: 'chunks/[name]-[hash]', entryNames: '[dir]/[name]', outExtension: { '.js': '.js' } } : { outfile: options.outfile! }),
    ...(options.plugins ? { plugins: [...options.plugins] } : {}),
  });
  const packageDirs = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    // Outside the project (a node pack and its dependencies in a workspace): not in its lock file.
    if (input.startsWith('../')) continue;
    const dir = packageDirOf(input);
    if (dir !== undefined) packageDirs.add(dir);
  }
  const external = new Set<string>();
  for (const output of Object.values(result.metafile.outputs)) {
    for (const imported of output.imports) if (imported.external && !isBuiltin(imported.path)) external.add(imported.path);
  }
  return { packageDirs: [...packageDirs].sort(), external: [...external].sort(), esbuildVersion: esbuild.version };
}

/** `node_modules/@scope/name/lib/x.js` → `node_modules/@scope/name` (the innermost package, as package-lock.json keys it). */
export function packageDirOf(input: string): string | undefined {
  const path = input.split(sep).join('/').replace(/^(?:\.\.\/)+/, '');
  const at = path.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const rest = path.slice(at + 'node_modules/'.length).split('/');
  const name = rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  return `${path.slice(0, at)}node_modules/${name}`;
}

/** Why a package is not inside the bundle, for runtime-lock.json. */
export function externalReason(name: string, copied: readonly string[] = []): string {
  if ((OPTIONAL_BACKENDS as readonly string[]).includes(name)) return 'optional TF.js backend, not in the image: backend loading skips it and runs on wasm';
  if (copied.includes(name)) return 'copied into node_modules (cannot be bundled)';
  return 'optional dependency that is not installed: its require is guarded and it is not used';
}

export interface LockedPackage {
  readonly name: string;
  readonly version: string;
  readonly integrity: string | null;
  readonly resolved: string | null;
  readonly license: string | null;
}

interface LockEntry {
  name?: string;
  version?: string;
  integrity?: string;
  resolved?: string;
  license?: string;
  dependencies?: Record<string, string>;
}

/** package-lock.json's `packages` map (lockfile v2/v3); empty when there is none. */
export function readLock(root: string): Record<string, LockEntry> {
  const path = join(root, 'package-lock.json');
  if (!existsSync(path)) return {};
  return ((JSON.parse(readFileSync(path, 'utf8')) as { packages?: Record<string, LockEntry> }).packages ?? {});
}

/** Each package folder with its pinned version and integrity (falling back to its package.json when the lock lacks it). */
export function lockedPackages(root: string, packageDirs: readonly string[], lock = readLock(root)): LockedPackage[] {
  return packageDirs
    .map((dir) => {
      const entry = lock[dir];
      const manifestPath = join(root, dir, 'package.json');
      const manifest = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as LockEntry) : {};
      const name = dir.slice(dir.lastIndexOf('node_modules/') + 'node_modules/'.length);
      return {
        name,
        version: entry?.version ?? manifest.version ?? 'unknown',
        integrity: entry?.integrity ?? null,
        resolved: entry?.resolved ?? null,
        license: entry?.license ?? manifest.license ?? null,
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : 1));
}

/** Where a package folder is, relative to the project root, for copying it into a context. */
export function packagePath(root: string, name: string): string {
  const dir = resolve(root, 'node_modules', name);
  if (!existsSync(join(dir, 'package.json'))) throw new Error(`cannot copy the package '${name}': it is not installed in ${relative(process.cwd(), root) || '.'}/node_modules`);
  return dir;
}
