/**
 * The CLI compiled once per test run: the JavaScript of cli/, core/ and nodes/ in a dist/
 * folder, as `npm run build` writes it and bin/tensorloom.mjs runs it. The CLI tests start
 * `node <build>/dist/cli/entry.js`.
 *
 * Why: under tsx every module a start loads (about 400 for `tensorloom run`) goes through
 * Node 20's loader hooks on their own thread, which is most of a start's CPU time; compiled, a
 * start takes about half. One folder per test run, so runs side by side never read each other's
 * half-written files, built from the sources as they are when the run starts.
 *
 * Where: under the checkout's node_modules/.cache (ignored by git, wiped by npm ci), so that
 * packages resolve from the checkout's node_modules and the app finds the checkout as its
 * project root (the folder of tensorloom's package.json above it): the export commands bundle
 * the checkout's sources and lock file exactly as when the CLI runs from them. The build's own
 * package.json only makes its files ES modules; having no name, it leaves the app's version
 * unknown (`--version`, the environment of a run).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { build } from 'esbuild';
import { REPO } from './run-cli.js';

const BUILDS = join(REPO, 'node_modules', '.cache', 'tensorloom-test-cli');
const FOLDERS = ['cli', 'core', 'nodes'];
/** A build left behind by a run that was killed is removed by a later run once its process is gone, or after a day. */
const STALE_MS = 24 * 3600_000;

function left(name: string): boolean {
  if (Date.now() - statSync(join(BUILDS, name)).mtimeMs > STALE_MS) return true;
  try {
    process.kill(Number(name.split('-')[0]), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** What tsconfig.build.json compiles: not the tests, their helpers or the browser page. */
const compiled = (path: string) =>
  path.endsWith('.ts') && !/\.(test|d)\.ts$/.test(path) && !path.split('/').includes('test-support') && path !== 'core/deploy/web-bundle/page.ts';

function sources(): string[] {
  return FOLDERS.flatMap((folder) =>
    readdirSync(join(REPO, folder), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(REPO, join(entry.parentPath, entry.name)).split(sep).join('/'))
      .filter(compiled),
  );
}

/** Compiles the CLI into a new folder and returns it with its entry file. */
export async function compileCli(): Promise<{ root: string; entry: string }> {
  mkdirSync(BUILDS, { recursive: true });
  for (const name of readdirSync(BUILDS)) if (left(name)) rmSync(join(BUILDS, name), { recursive: true, force: true });
  const root = join(BUILDS, `${process.pid}-${Date.now().toString(36)}`);
  mkdirSync(root);
  writeFileSync(join(root, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  try {
    await build({
      entryPoints: sources().map((path) => join(REPO, path)),
      outdir: join(root, 'dist'),
      outbase: REPO,
      format: 'esm',
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      tsconfig: join(REPO, 'tsconfig.json'),
      logLevel: 'error',
    });
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  // What the app finds beside itself: the examples (the UI's Examples menu) and the built UI.
  symlinkSync(join(REPO, 'examples'), join(root, 'examples'), 'dir');
  if (existsSync(join(REPO, 'dist', 'renderer'))) symlinkSync(join(REPO, 'dist', 'renderer'), join(root, 'dist', 'renderer'), 'dir');
  return { root, entry: join(root, 'dist', 'cli', 'entry.js') };
}
