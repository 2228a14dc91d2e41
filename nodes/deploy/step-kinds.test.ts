/**
 * A node pack's step kind end to end: a pack node (test.log1p) fits a step, train.dense
 * traces the model's inputs through it, predict.batch replays it on raw rows, the model
 * server (real HTTP) answers exactly as predict.batch, and a model whose recipe needs a
 * kind this process lacks is refused: by predict.batch, and by the server before it listens.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { log1pNode, log1pStep } from '../../core/ml/recipe/test-support/log1p-pack.js';
import { startModelServer, type ModelServer } from '../../core/serve/model-server.js';
import { DEFAULT_LIMITS, type ServeSettings } from '../../core/serve/settings.js';
import { columnValues, probabilityColumn, registerStepKind, type DataTable, type ModelBundle, type ModelValue, type Table } from '../../core/sdk/index.js';
import { createTestContext, expectNodeError } from '../../core/sdk/testing.js';
import selectNode from '../feature/select.js';
import { load, PENGUINS, predict, split, train } from '../train/test-support/ml.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const CLASSES = ['Adelie', 'Chinstrap', 'Gentoo'];
// bundle.json names the pack (test.log1p's), so the message says which one to install.
const unavailable = (kind: string) =>
  `the model's recipe uses step kind '${kind}' (node 'logt') from the node pack 'tensorloom-test-pack', which is not installed here; install it in the workspace (npm install tensorloom-test-pack) or list it in TENSORLOOM_PLUGINS`;

// What the pack loader will do for each installed pack, in this process and each worker.
registerStepKind(log1pStep);

let raw: DataTable;
let model: ModelValue;
let bundle: ModelBundle;
let batch: Table; // predict.batch's answers on the raw rows

function settings(modelDir: string, overrides: Partial<ServeSettings> = {}): ServeSettings {
  return { modelDir, name: 'm', version: '1', host: '127.0.0.1', port: 0, limits: DEFAULT_LIMITS, shutdownGraceMs: 5000, ...overrides };
}

/** A copy of the model whose recipe names `kind` instead of test.log1p. */
function withKind(kind: string): ModelValue {
  const dir = mkdtempSync(join(tmpdir(), 'tensorloom-model-'));
  cpSync(model.dir, dir, { recursive: true });
  const file = join(dir, 'bundle.json');
  writeFileSync(file, readFileSync(file, 'utf8').replaceAll('"test.log1p"', JSON.stringify(kind)));
  return { dir };
}

beforeAll(async () => {
  raw = await split(await load(PENGUINS), createTestContext(), { stratifyBy: 'species', seed: 1 });
  const logged = (await log1pNode.run({ inputs: { table: raw }, params: { column: 'body_mass_g', name: 'log_mass' } }, createTestContext({ nodeId: 'logt', nodeType: 'test.log1p' }))).table;
  // Without the raw column, the model sees body mass only through the pack's step.
  const selected = (await selectNode.run({ inputs: { table: logged }, params: selectNode.params.parse({ drop: ['body_mass_g'] }) }, createTestContext({ nodeId: 'select', nodeType: 'feature.select' }))).table;
  model = (await train(selected, { target: 'species', hiddenLayers: [16], epochs: 30, seed: 1 }, createTestContext({ nodeId: 'train', nodeType: 'train.dense' }))).model;
  bundle = JSON.parse(readFileSync(join(model.dir, 'bundle.json'), 'utf8')) as ModelBundle;
  batch = (await predict(model, raw, createTestContext({ nodeId: 'predict', nodeType: 'predict.batch' }))).table;
});

describe('a pack step kind in a model', () => {
  it('train.dense keeps it in the recipe and asks requests for the raw column it reads', () => {
    expect(bundle.recipe.map((step) => step.kind)).toEqual(['test.log1p', 'feature.select']);
    // bundle.json names the pack behind a non-built-in kind (built-in kinds are not listed).
    expect(bundle.packs).toEqual([{ name: 'tensorloom-test-pack', stepKinds: ['test.log1p'] }]);
    expect(bundle.features.columns.map((column) => column.name)).toEqual(['island', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'sex', 'year', 'log_mass']);
    expect(bundle.inputs).toEqual([
      { name: 'island', type: 'string' },
      { name: 'bill_length_mm', type: 'number' },
      { name: 'bill_depth_mm', type: 'number' },
      { name: 'flipper_length_mm', type: 'number' },
      { name: 'sex', type: 'string' },
      { name: 'year', type: 'number' },
      // Not a column of the trained table, so it sorts last.
      { name: 'body_mass_g', type: 'number' },
    ]);
  });

  it('predict.batch replays it on raw rows: the same answers as on the table the model was trained from', async () => {
    const logged = (await log1pNode.run({ inputs: { table: raw }, params: { column: 'body_mass_g', name: 'log_mass' } }, createTestContext({ nodeId: 'logt', nodeType: 'test.log1p' }))).table;
    const selected = (await selectNode.run({ inputs: { table: logged }, params: selectNode.params.parse({ drop: ['body_mass_g'] }) }, createTestContext({ nodeId: 'select', nodeType: 'feature.select' }))).table;
    const featured = (await predict(model, selected, createTestContext({ nodeId: 'predict', nodeType: 'predict.batch' }))).table;
    expect(columnValues(batch, 'prediction', 'x')).toEqual(columnValues(featured, 'prediction', 'x'));
    for (const label of CLASSES) expect(columnValues(batch, probabilityColumn(label), 'x')).toEqual(columnValues(featured, probabilityColumn(label), 'x'));
    expect(new Set(columnValues(batch, 'prediction', 'x'))).toEqual(new Set(CLASSES));
  });

  describe('the model server', () => {
    let server: ModelServer;
    beforeAll(async () => {
      server = await startModelServer(settings(model.dir));
    });
    afterAll(async () => {
      await server?.close();
    });

    it('answers over HTTP exactly as predict.batch, rows and tensors', async () => {
      const inputs = bundle.inputs.map((input) => columnValues(raw.table, input.name, input.name));
      const instances = Array.from({ length: raw.table.numRows }, (_, row) => Object.fromEntries(bundle.inputs.map((input, k) => [input.name, inputs[k]![row] ?? null])));
      const prediction = columnValues(batch, 'prediction', 'x');
      const probabilities = CLASSES.map((label) => columnValues(batch, probabilityColumn(label), 'x') as number[]);
      const probabilityRows = prediction.map((_, row) => probabilities.map((column) => column[row]!));

      const v1 = await fetch(`${server.url}/v1/models/m:predict`, { method: 'POST', body: JSON.stringify({ instances }) });
      expect(v1.status).toBe(200);
      const rows = ((await v1.json()) as { predictions: { prediction: string; probabilities: number[] }[] }).predictions;
      expect(rows.map((row) => row.prediction)).toEqual(prediction);
      expect(rows.map((row) => row.probabilities)).toEqual(probabilityRows);

      const tensors = bundle.inputs.map((input, k) => ({ name: input.name, shape: [instances.length], datatype: input.type === 'number' ? 'FP64' : 'BYTES', data: inputs[k]!.map((value) => value ?? null) }));
      const v2 = await fetch(`${server.url}/v2/models/m/infer`, { method: 'POST', body: JSON.stringify({ inputs: tensors }) });
      expect(v2.status).toBe(200);
      const outputs = ((await v2.json()) as { outputs: { name: string; data: unknown[] }[] }).outputs;
      expect(outputs[0]!.data).toEqual(prediction);
      expect(outputs[1]!.data).toEqual(probabilityRows.flat());
    });
  });
});

describe('a model whose recipe needs a step kind no installed pack provides', () => {
  it('is a NodeError of predict.batch naming the kind, the node and the fix', async () => {
    const error = await expectNodeError(predict(withKind('mypack.log'), raw, createTestContext({ nodeId: 'predict', nodeType: 'predict.batch' })));
    expect(error.message).toBe(unavailable('mypack.log'));
    expect(error.field).toBe('model');
  });

  it('stops the model server from starting: nothing listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createNetServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    await expect(startModelServer(settings(withKind('mypack.log').dir, { port }))).rejects.toThrow(unavailable('mypack.log'));
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    });
    expect(refused).toBe('ECONNREFUSED');
  });

  it('makes the server image entry exit 1 with that one line (a fresh process has no packs)', () => {
    const run = spawnSync(process.execPath, ['--import', TSX, join(REPO, 'core', 'serve', 'main.ts')], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, MODEL_DIR: model.dir, PORT: '0', HOST: '127.0.0.1' },
    });
    expect(run.stderr).toBe(`tensorloom-serve: ${unavailable('test.log1p')}\n`);
    expect(run.status).toBe(1);
  });
});
