/**
 * The Docker build context of a batch image: `tensorloom run` on one pipeline. The CLI is
 * bundled with esbuild like the model server, with three differences forced by how the
 * engine works:
 * - Worker threads load `core/engine/worker-main.js` (and train.tune's `core/ml/tune/trial-worker.js`) and each node's own module by URL
 *   (`module: import.meta.url`), so those files are entry points of their own, laid out
 *   as in the sources, with shared code split into chunks (one copy per thread), and
 *   every `import.meta.url` in the project's sources is rewritten to the file's place in
 *   the image (under TENSORLOOM_APP_ROOT, which the launcher sets).
 * - better-sqlite3 is a native addon: it cannot be bundled, so the package (with its
 *   compiled .node file and its runtime dependencies bindings and file-uri-to-path) is
 *   copied into node_modules. It is built for this machine's Node ABI and C library, so the
 *   base image must run the same Node major; the launcher checks the ABI first.
 * - parquet-wasm reads its .wasm file beside its own module: copied as a package too.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, copyFile, mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { Plugin } from 'esbuild';
import { bundle, externalReason, lockedPackages, OPTIONAL_BACKENDS, projectEntry, projectRoot, readLock } from './bundle.js';
import { fileDigests, LOCK_FILE, LOCK_FORMAT, writeContextDir, writeText } from './context-dir.js';
import { APP_DIR, dockerfile, pipelineLabels, RUNTIME_USER } from './dockerfile.js';
import { WASM_FILES } from './model-context.js';
import { parseImageReference } from './names.js';

/** Copied into node_modules instead of bundled, each with the files it needs at run time. */
const COPIED_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  'better-sqlite3': ['package.json', 'LICENSE', 'lib', 'build/Release/better_sqlite3.node'],
  bindings: ['package.json', 'LICENSE.md', 'bindings.js'],
  'file-uri-to-path': ['package.json', 'LICENSE', 'index.js'],
  'parquet-wasm': ['package.json', 'LICENSE_MIT', 'LICENSE_APACHE', 'node'],
};
/** Export tools, never used by `tensorloom run`: left out of the image. */
const UNUSED_IN_IMAGE = ['esbuild', 'dockerode'];
export const WORKSPACE_DIR = '/workspace';

/** The Node major of this machine: the copied better-sqlite3 addon is built for it. */
export const HOST_NODE_MAJOR = Number(process.versions.node.split('.')[0]);
export const DEFAULT_PIPELINE_BASE_IMAGE = `node:${HOST_NODE_MAJOR}-bookworm-slim`;

export interface PipelineContextOptions {
  /** The pipeline file. */
  readonly pipelinePath: string;
  /** The pipeline's content hash (as runs record it), for the image's labels. */
  readonly pipelineHash: string;
  /** Files the pipeline reads (source nodes' files), absolute; those inside its folder are copied. */
  readonly dataFiles: readonly string[];
  readonly outDir: string;
  readonly tag: string;
  readonly baseImage?: string;
  readonly created?: Date;
}

export interface PipelineContext {
  readonly dir: string;
  readonly tag: string;
  readonly baseImage: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The pipeline's place in the image. */
  readonly pipelineInImage: string;
  /** Data files copied into the image, relative to the pipeline's folder. */
  readonly copiedData: readonly string[];
  /** Data files outside the pipeline's folder: to be mounted at run time. */
  readonly notCopied: readonly string[];
}

/**
 * Rewrites `import.meta.url` in the project's own sources to the URL the file has in the
 * image, because bundling moves code into chunks where import.meta.url would be the chunk's.
 */
function moduleUrlPlugin(sources: string): Plugin {
  return {
    name: 'tensorloom-module-url',
    setup(build) {
      build.onLoad({ filter: /\.[cm]?[jt]s$/ }, async (args) => {
        const rel = relative(sources, args.path).split(sep).join('/');
        if (rel.startsWith('..') || rel.split('/').includes('node_modules')) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const inImage = rel.replace(/\.ts$/, '.js');
        const url = `new URL(${JSON.stringify(inImage)}, process.env.TENSORLOOM_APP_ROOT ?? ${JSON.stringify(`file://${APP_DIR}/`)}).href`;
        return { contents: source.replaceAll('import.meta.url', url), loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
      });
    },
  };
}

/** The folder whose layout the image mirrors: the TypeScript sources, or their compiled form in dist/. */
function sourcesOf(root: string): string {
  return existsSync(join(root, 'cli', 'entry.ts')) ? root : join(root, 'dist');
}

/** Node modules that worker threads load by URL: every node file that names its own module. */
function workerEntries(sources: string): string[] {
  return readdirSync(join(sources, 'nodes'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.[jt]s$/.test(entry.name) && !/\.(test|d)\.[jt]s$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !path.split(sep).includes('test-support') && readFileSync(path, 'utf8').includes('import.meta.url'))
    .sort();
}

const launcher = (abi: string, nodeVersion: string, major: number) => `// Entry of the batch image: checks the Node ABI the copied better-sqlite3 addon needs, then runs the CLI.
const expected = ${JSON.stringify(abi)};
if (process.versions.modules !== expected) {
  process.stderr.write(
    \`tensorloom: this image's better-sqlite3 addon was built for Node ${nodeVersion} (ABI \${expected}), but the base image runs Node \${process.version} (ABI \${process.versions.modules}); export again with --base-image node:${major}-bookworm-slim\\n\`,
  );
  process.exit(1);
}
// Bundled modules find their own place (worker threads, node modules) under this root.
process.env.TENSORLOOM_APP_ROOT = new URL('./', import.meta.url).href;
await import('./cli/entry.js');
`;

/** Writes the build context of a batch image that runs `tensorloom run` on the pipeline. */
export async function writePipelineContext(options: PipelineContextOptions): Promise<PipelineContext> {
  parseImageReference(options.tag, 'tag', { allowDigest: false });
  const baseImage = options.baseImage ?? DEFAULT_PIPELINE_BASE_IMAGE;
  parseImageReference(baseImage, 'baseImage');
  const pipelinePath = resolve(options.pipelinePath);
  const pipelineDir = dirname(pipelinePath);
  const pipelineName = basename(pipelinePath);
  const inside = (file: string) => {
    const rel = relative(pipelineDir, file);
    return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) && !rel.split(sep).includes('.tensorloom');
  };
  const copiedData = [...new Set(options.dataFiles.filter((file) => inside(file) && existsSync(file)).map((file) => relative(pipelineDir, file).split(sep).join('/')))].sort();
  const notCopied = [...new Set(options.dataFiles.filter((file) => !inside(file) || !existsSync(file)))].sort();
  const doc = JSON.parse(readFileSync(pipelinePath, 'utf8')) as { name?: string };
  const root = projectRoot();
  const lock = readLock(root);
  const version = lock['']?.version ?? 'unknown';
  const labels = pipelineLabels({ pipelineName: doc.name ?? pipelineName, pipelineHash: options.pipelineHash, tensorloomVersion: version, created: options.created ?? new Date() });
  const pipelineInImage = `${WORKSPACE_DIR}/${pipelineName}`;
  const dir = await writeContextDir(options.outDir, 'outDir', async (dir) => {
    const app = join(dir, 'app');
    const sources = sourcesOf(root);
    const built = await bundle({
      root,
      // train.tune's parallel folds run in threads of their own, loaded by URL like the engine's.
      entryPoints: [projectEntry(root, 'cli/entry.ts'), projectEntry(root, 'core/engine/worker-main.ts'), projectEntry(root, 'core/ml/tune/trial-worker.ts'), ...workerEntries(sources)],
      outdir: app,
      outbase: sources,
      external: [...OPTIONAL_BACKENDS, ...UNUSED_IN_IMAGE, ...Object.keys(COPIED_PACKAGES)],
      plugins: [moduleUrlPlugin(sources)],
    });
    for (const [name, files] of Object.entries(COPIED_PACKAGES)) {
      for (const file of files) {
        const from = join(root, 'node_modules', name, file);
        if (!existsSync(from)) throw new Error(`cannot copy ${name}/${file} into the image: ${from} is missing (reinstall dependencies)`);
        await cp(from, join(app, 'node_modules', name, file), { recursive: true, dereference: true });
      }
    }
    await mkdir(join(app, 'wasm'));
    for (const file of WASM_FILES) await copyFile(join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist', file), join(app, 'wasm', file));
    await writeText(app, 'package.json', JSON.stringify({ name: 'tensorloom', version, private: true, type: 'module' }, null, 2) + '\n');
    await writeText(app, 'tensorloom.mjs', launcher(process.versions.modules, process.version, HOST_NODE_MAJOR));
    const workspace = join(dir, 'workspace');
    await mkdir(workspace);
    await copyFile(pipelinePath, join(workspace, pipelineName));
    for (const file of copiedData) await cp(join(pipelineDir, file), join(workspace, file), { dereference: true });
    // Folders the run writes to, owned by the runtime user (COPY --chown) so the image works without mounts.
    for (const folder of ['.tensorloom', 'out']) await writeText(dir, `writable/${folder}/.keep`, '');
    await writeText(dir, '.dockerignore', '# Sent to the Docker engine: only what the Dockerfile copies.\n*.tar\n*.tar.gz\n.git/\n');
    const packages = lockedPackages(root, built.packageDirs, lock);
    const copied = lockedPackages(root, Object.keys(COPIED_PACKAGES).map((name) => `node_modules/${name}`), lock);
    await writeText(
      dir,
      LOCK_FILE,
      JSON.stringify(
        {
          format: LOCK_FORMAT,
          kind: 'pipeline-batch',
          node: { major: HOST_NODE_MAJOR, version: process.version, abi: process.versions.modules, note: 'better-sqlite3 is compiled for this Node ABI and glibc: the base image must run the same Node major on a glibc system (Debian bookworm here)' },
          baseImage,
          bundler: { name: 'esbuild', version: built.esbuildVersion },
          pipeline: { file: pipelineName, data: copiedData },
          files: await fileDigests(dir, ['app']),
          bundled: packages,
          copied,
          external: built.external.map((name) => ({ name, why: UNUSED_IN_IMAGE.includes(name) ? 'not used by tensorloom run (export tools): left out of the image' : externalReason(name, Object.keys(COPIED_PACKAGES)) })),
        },
        null,
        2,
      ) + '\n',
    );
    await writeText(
      dir,
      'Dockerfile',
      dockerfile({
        comment: [
          `Batch image for the pipeline '${pipelineName}' (written by tensorloom export-pipeline; see core/deploy/README.md).`,
          `Run: docker run --rm -v "$PWD/runs:${WORKSPACE_DIR}/.tensorloom" -v "$PWD/data:${WORKSPACE_DIR}/input:ro" ${options.tag} --set load.path=input/x.csv --json`,
        ].join('\n'),
        baseImage,
        labels,
        env: { TENSORLOOM_WASM_DIR: `${APP_DIR}/wasm`, TENSORLOOM_BACKEND: 'wasm', NODE_ENV: 'production', NO_COLOR: '1' },
        copy: [{ folder: 'app', to: APP_DIR }, { folder: 'writable', to: WORKSPACE_DIR, chown: RUNTIME_USER }, { folder: 'workspace', to: WORKSPACE_DIR }, { files: [LOCK_FILE], to: APP_DIR }],
        workdir: WORKSPACE_DIR,
        entrypoint: ['node', `${APP_DIR}/tensorloom.mjs`, 'run', pipelineInImage, '--workspace', WORKSPACE_DIR],
      }),
    );
  });
  return { dir, tag: options.tag, baseImage, labels, pipelineInImage, copiedData, notCopied };
}

/** Outside the pipeline's folder, or missing: these are mounted when the image runs. */
export function notCopiedNote(context: PipelineContext): string | undefined {
  if (context.notCopied.length === 0) return undefined;
  return `not copied into the image (outside the pipeline's folder or missing): ${context.notCopied.join(', ')}; mount them under ${WORKSPACE_DIR} and point the params at them with --set`;
}
