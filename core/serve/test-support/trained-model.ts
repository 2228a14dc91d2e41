/**
 * Trains an example pipeline through the real CLI (a child process) with a predict.batch
 * node on the raw rows, so server tests can compare their answers with the app's.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Table } from 'apache-arrow';
import { decodeTable } from '../../data/arrow-io.js';
import { columnValues } from '../../data/table-ops.js';
import type { ModelBundle } from '../../ml/bundle-format.js';
import { ArtifactStore } from '../../store/index.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface TrainedExample {
  readonly workspace: string;
  readonly modelId: string;
  readonly modelDir: string;
  readonly bundle: ModelBundle;
  /** The raw rows predict.batch saw, restricted to the model's inputs (null where missing). */
  readonly records: Record<string, string | number | boolean | null>[];
  /** predict.batch's output table for those rows. */
  readonly predictions: Table;
}

/** Runs examples/<example>.pipeline.json plus `predict` (predict.batch on the loaded rows). */
export function trainExample(example: 'penguins' | 'cars-mpg'): TrainedExample {
  const workspace = mkdtempSync(join(tmpdir(), 'tensorloom-serve-'));
  cpSync(join(REPO, 'examples'), workspace, { recursive: true, filter: (path) => !path.includes('.tensorloom') && !path.includes('/out') });
  const file = join(workspace, `${example}.pipeline.json`);
  const pipeline = JSON.parse(readFileSync(file, 'utf8')) as { nodes: object[]; edges: object[] };
  pipeline.nodes.push({ id: 'predict', type: 'predict.batch', params: {}, position: { x: 0, y: 500 } });
  pipeline.edges.push({ from: 'train.model', to: 'predict.model' }, { from: 'load.table', to: 'predict.table' });
  writeFileSync(file, JSON.stringify(pipeline));
  const run = spawnSync(process.execPath, ['--import', TSX, join(REPO, 'cli', 'entry.ts'), 'run', file, '--json'], { cwd: workspace, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });
  if (run.status !== 0) throw new Error(`training ${example} failed (${run.status}): ${run.stderr}${run.stdout}`);
  const outputs = (JSON.parse(run.stdout) as { outputs: Record<string, Record<string, string>> }).outputs;
  const store = new ArtifactStore(join(workspace, '.tensorloom'));
  const modelId = outputs.train!.model!;
  const modelDir = store.pathOf(modelId);
  const bundle = JSON.parse(readFileSync(join(modelDir, 'bundle.json'), 'utf8')) as ModelBundle;
  const loaded = decodeTable(readFileSync(store.pathOf(outputs.load!.table!))).table;
  const predictions = decodeTable(readFileSync(store.pathOf(outputs.predict!.predictions!))).table;
  const columns = bundle.inputs.map((input) => columnValues(loaded, input.name, input.name));
  const records = Array.from({ length: loaded.numRows }, (_, row) =>
    Object.fromEntries(bundle.inputs.map((input, k) => [input.name, columns[k]![row] as string | number | boolean | null])),
  );
  return { workspace, modelId, modelDir, bundle, records, predictions };
}
