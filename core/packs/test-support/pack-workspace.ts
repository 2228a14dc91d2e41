/**
 * Workspaces with node packs installed the way users install them: `npm install` of the
 * example pack's folder or of its tarball (`npm pack`), offline (the pack has no
 * dependencies), plus hand-written broken packs put into node_modules.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodeTable } from '../../data/arrow-io.js';
import { columnValues } from '../../data/table-ops.js';
import type { ModelBundle } from '../../ml/bundle-format.js';
import { ArtifactStore } from '../../store/index.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const EXAMPLE_PACK = join(REPO, 'examples', 'packs', 'tensorloom-pack-skew');
export const EXAMPLE_PIPELINE = join(REPO, 'examples', 'packs', 'credit-workspace', 'credit.pipeline.json');
// tsx's loader by absolute URL, as the CLI tests run the CLI from its sources.
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

function npm(args: string[], cwd: string): string {
  // Offline: the example pack has no dependencies, so nothing needs a registry.
  const result = spawnSync('npm', [...args, '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', timeout: 180_000, env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${String(result.status)}): ${result.stderr || String(result.error)}`);
  return result.stdout;
}

/** A fresh folder with an empty package.json (and the example pipeline when `pipeline`). */
export function emptyWorkspace(options: { pipeline?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'tensorloom-packs-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'pack-test-workspace', version: '1.0.0', private: true }, null, 2) + '\n');
  if (options.pipeline !== false) cpSync(EXAMPLE_PIPELINE, join(dir, 'credit.pipeline.json'));
  return dir;
}

/**
 * A workspace where the example pack is installed with `npm install`: of its folder (npm
 * links it) or of the tarball `npm pack` makes (npm copies it into node_modules).
 */
export function workspaceWithExamplePack(how: 'folder' | 'tarball'): string {
  const dir = emptyWorkspace();
  let source = EXAMPLE_PACK;
  if (how === 'tarball') {
    const packed = join(dir, 'packed');
    mkdirSync(packed);
    npm(['pack', EXAMPLE_PACK, '--pack-destination', packed], dir);
    source = join(packed, 'tensorloom-pack-skew-1.0.0.tgz');
  }
  npm(['install', source], dir);
  return dir;
}

/**
 * Writes a pack into `<workspace>/node_modules/<name>` and lists it in the workspace's
 * dependencies. `linked`: into `<workspace>/packs/<name>`, linked from node_modules, as
 * `npm install <folder>` does (tests that import packs in-process need that: Vitest only
 * maps `tensorloom/sdk` for files outside node_modules).
 */
export function writePack(workspace: string, name: string, files: Record<string, string>, manifest: Record<string, unknown> = {}, options: { linked?: boolean } = {}): string {
  const dir = join(workspace, options.linked ? 'packs' : 'node_modules', name);
  mkdirSync(dir, { recursive: true });
  if (options.linked) {
    mkdirSync(join(workspace, 'node_modules'), { recursive: true });
    symlinkSync(dir, join(workspace, 'node_modules', name), 'dir');
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '0.1.0', type: 'module', keywords: ['tensorloom-pack'], ...manifest }, null, 2));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  const path = join(workspace, 'package.json');
  const json = JSON.parse(readFileSync(path, 'utf8')) as { dependencies?: Record<string, string> };
  json.dependencies = { ...json.dependencies, [name]: '0.1.0' };
  writeFileSync(path, JSON.stringify(json, null, 2) + '\n');
  return dir;
}

/** A source node definition module for hand-written packs. */
export function sourceNodeModule(type: string, title = type): string {
  return [
    "import { defineNode, float64Column, port, tableFromColumns, z } from 'tensorloom/sdk';",
    `export default defineNode({ type: ${JSON.stringify(type)}, version: 1, category: 'data', title: ${JSON.stringify(title)}, description: 'A test source.',`,
    "  inputs: {}, outputs: { table: port('table') }, params: z.object({}),",
    '  async run() { return { table: { table: tableFromColumns({ x: float64Column([1, 2, 3]) }), recipe: [] } }; } });',
    '',
  ].join('\n');
}

export interface TrainedCredit {
  readonly runId: string;
  readonly modelId: string;
  readonly modelDir: string;
  readonly bundle: ModelBundle;
  /** The new applicants predict.batch scored, as raw records of the model's inputs. */
  readonly records: Record<string, string | number | boolean | null>[];
  /** predict.batch's `prediction` column and per-class probabilities for those rows. */
  readonly predictions: (string | number | boolean | null)[];
  readonly probabilities: number[][];
}

/** Runs credit.pipeline.json in `workspace` through the real CLI and reads back the model and predict.batch's answers. */
export function runCredit(workspace: string, env: Record<string, string> = {}): TrainedCredit {
  const run = spawnSync(process.execPath, ['--import', TSX, join(REPO, 'cli', 'entry.ts'), 'run', 'credit.pipeline.json', '--json'], {
    cwd: workspace,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  if (run.status !== 0) throw new Error(`running credit.pipeline.json failed (${String(run.status)}): ${run.stderr}${run.stdout}`);
  const result = JSON.parse(run.stdout) as { runId: string; outputs: Record<string, Record<string, string>> };
  const store = new ArtifactStore(join(workspace, '.tensorloom'));
  const modelId = result.outputs.train!.model!;
  const modelDir = store.pathOf(modelId);
  const bundle = JSON.parse(readFileSync(join(modelDir, 'bundle.json'), 'utf8')) as ModelBundle;
  const fresh = decodeTable(readFileSync(store.pathOf(result.outputs.fresh!.table!))).table;
  const scored = decodeTable(readFileSync(store.pathOf(result.outputs.predict!.predictions!))).table;
  const columns = bundle.inputs.map((input) => columnValues(fresh, input.name, input.name));
  const records = Array.from({ length: fresh.numRows }, (_, row) => Object.fromEntries(bundle.inputs.map((input, k) => [input.name, columns[k]![row] as string | number | boolean | null])));
  const classColumns = (bundle.classes ?? []).map((label) => columnValues(scored, `probability_${label}`, label) as number[]);
  const predictions = columnValues(scored, 'prediction', 'prediction') as (string | number | boolean | null)[];
  return { runId: result.runId, modelId, modelDir, bundle, records, predictions, probabilities: predictions.map((_, row) => classColumns.map((column) => column[row]!)) };
}
