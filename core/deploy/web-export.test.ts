/**
 * `tensorloom export-web`: the ES module package, imported by a real Node process (no
 * node_modules near it), predicts exactly what predict.batch and the model server predict on
 * the same rows, refuses missing and extra columns by name, and its types check an app's
 * code. The static folder's layout; its page runs in Chromium in e2e/web-bundle.spec.ts.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnValues } from '../data/table-ops.js';
import { startModelServer } from '../serve/model-server.js';
import { DEFAULT_LIMITS } from '../serve/settings.js';
import { trainExample, type TrainedExample } from '../serve/test-support/trained-model.js';
import { tensorloom } from './test-support/cli.js';
import { PAGE_CSP, writeWebBundle } from './web-export.js';

let example: TrainedExample;
const tmp = mkdtempSync(join(tmpdir(), 'tensorloom-web-'));
/** The package, copied where no node_modules can help it: it must carry everything. */
const esm = join(tmp, 'penguins-model');
const staticDir = join(tmp, 'penguins-web');

beforeAll(() => {
  // What the browser runs (TF.js on WebAssembly), so predict.batch's numbers are the bundle's to
  // match: predictions otherwise run on the fused kernel (within 1e-5 of TF.js, not bit for bit).
  process.env.TENSORLOOM_BACKEND = 'wasm';
  process.env.TENSORLOOM_PREDICT_PATH = 'tfjs';
  example = trainExample('penguins');
  const out = join(example.workspace, 'exported');
  const esmResult = tensorloom(['export-web', example.modelId, '--format', 'esm', '--out', out, '--name', 'penguins', '--workspace', example.workspace, '--json'], { cwd: example.workspace });
  if (esmResult.status !== 0) throw new Error(`export-web --format esm failed: ${esmResult.stderr}`);
  cpSync(out, esm, { recursive: true });
  const staticResult = tensorloom(['export-web', example.modelId, '--out', staticDir, '--workspace', example.workspace, '--json'], { cwd: example.workspace });
  if (staticResult.status !== 0) throw new Error(`export-web failed: ${staticResult.stderr}`);
}, 240_000);

afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  if (example) rmSync(example.workspace, { recursive: true, force: true });
});

/** Runs `script` as an ES module in a fresh Node process (cwd: the temp folder) and returns its JSON output. */
function inNode<T>(script: string): T {
  const file = join(tmp, `run-${Math.random().toString(16).slice(2)}.mjs`);
  writeFileSync(file, script);
  const result = spawnSync(process.execPath, [file], { cwd: tmp, encoding: 'utf8', timeout: 120_000, env: { PATH: process.env.PATH ?? '' } });
  if (result.status !== 0) throw new Error(`node failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

const packageUrl = () => pathToFileURL(join(esm, 'index.js')).href;

describe('export-web --format esm', () => {
  it('writes an ES module package: index.js with everything inside, index.d.ts, package.json, the model files', () => {
    for (const file of ['index.js', 'index.d.ts', 'package.json', 'runtime-lock.json', 'model/bundle.json', 'model/model.json', 'model/weights.bin']) expect(existsSync(join(esm, file)), file).toBe(true);
    expect(JSON.parse(readFileSync(join(esm, 'package.json'), 'utf8'))).toMatchObject({ name: 'penguins-model', type: 'module', main: './index.js', types: './index.d.ts' });
    const lock = JSON.parse(readFileSync(join(esm, 'runtime-lock.json'), 'utf8')) as { kind: string; bundled: { name: string }[]; backend: { name: string } };
    expect(lock).toMatchObject({ kind: 'web-esm', backend: { name: 'wasm' } });
    expect(lock.bundled.map((entry) => entry.name)).toEqual(expect.arrayContaining(['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-layers', 'apache-arrow']));
    // No import of anything outside the file: it runs without node_modules.
    expect(readFileSync(join(esm, 'index.js'), 'utf8')).not.toMatch(/^import .* from ["'](?!\.)/m);
  });

  it('imported by Node, predicts every row exactly as predict.batch and the model server do', async () => {
    const answers = inNode<{ prediction: string; probabilities: Record<string, number> }[]>(`
      import { predict } from ${JSON.stringify(packageUrl())};
      const rows = ${JSON.stringify(example.records)};
      process.stdout.write(JSON.stringify(await predict(rows)));
    `);
    const classes = example.bundle.classes!;
    const prediction = columnValues(example.predictions, 'prediction', 'prediction');
    const probabilities = classes.map((label) => columnValues(example.predictions, `probability_${label}`, label) as number[]);
    expect(answers).toHaveLength(example.records.length);
    expect(answers.map((answer) => answer.prediction)).toEqual(prediction);
    expect(answers.map((answer) => classes.map((label) => answer.probabilities[label]))).toEqual(prediction.map((_, row) => probabilities.map((column) => column[row])));
    expect(new Set(prediction)).toEqual(new Set(['Adelie', 'Chinstrap', 'Gentoo']));

    const server = await startModelServer({ modelDir: example.modelDir, name: 'penguins', version: '1', host: '127.0.0.1', port: 0, limits: DEFAULT_LIMITS, shutdownGraceMs: 1000, lineage: { digest: example.modelId } });
    try {
      const response = await fetch(`${server.url}/v1/models/penguins:predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instances: example.records }) });
      const served = ((await response.json()) as { predictions: { prediction: string; probabilities: number[] }[] }).predictions;
      expect(answers.map((answer) => [answer.prediction, classes.map((label) => answer.probabilities[label])])).toEqual(served.map((row) => [row.prediction, row.probabilities]));
    } finally {
      await server.close();
    }
  });

  it('names the column of a row that lacks one, has one too many, or has a value of the wrong type', () => {
    const [first] = example.records;
    const { bill_length_mm: _dropped, ...missing } = first!;
    const outcomes = inNode<string[]>(`
      import { predict, PredictError } from ${JSON.stringify(packageUrl())};
      const tries = ${JSON.stringify([[first, missing], [{ ...first, colour: 'blue' }], [{ ...first, species: 'Adelie' }], [{ ...first, bill_length_mm: 'long' }], []])};
      const out = [];
      for (const rows of tries) {
        try { await predict(rows); out.push('ok'); } catch (error) { out.push((error instanceof PredictError ? 'PredictError: ' : 'other: ') + error.message); }
      }
      process.stdout.write(JSON.stringify(out));
    `);
    expect(outcomes).toEqual([
      "PredictError: rows[1]: missing feature 'bill_length_mm' (send null for a value that is missing)",
      "PredictError: rows[0]: unknown field 'colour'; the model's inputs are bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, year, island, sex",
      "PredictError: rows[0]: 'species' is what the model predicts (its target); leave it out of the request",
      'PredictError: rows[0].bill_length_mm: expected a number for \'bill_length_mm\', got text "long"',
      'PredictError: rows: no rows; send at least one',
    ]);
  });

  it('types the model\'s inputs and outputs for TypeScript apps', () => {
    const row = "{ island: 'Biscoe', bill_length_mm: 40, bill_depth_mm: 18, flipper_length_mm: 190, body_mass_g: 3800, sex: null, year: 2008 }";
    const apps = {
      good: `const rows: ModelInput[] = [${row}];\nexport const answer: Promise<'Adelie' | 'Chinstrap' | 'Gentoo'> = predict(rows).then(([first]) => first!.prediction);\nexport const p: Promise<number> = predict(rows).then(([first]) => first!.probabilities.Gentoo);`,
      missing: `predict([{ island: 'Biscoe' }]);`,
      mistyped: `predict([{ ...${row}, bill_length_mm: 'long' }]);`,
      unknownClass: `export const x = predict([${row}]).then(([first]) => first!.probabilities.Emperor);`,
    };
    const files = Object.fromEntries(Object.keys(apps).map((name) => [name, join(esm, `app-${name}.ts`)]));
    for (const [name, body] of Object.entries(apps)) writeFileSync(files[name]!, `import { predict, type ModelInput } from './index.js';\n${body}\n`);
    // One program for all four apps: TypeScript checks each file against the package's index.d.ts.
    const program = ts.createProgram(Object.values(files), { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, types: [] });
    const errors = (name: string) =>
      ts
        .getPreEmitDiagnostics(program, program.getSourceFile(files[name]!))
        .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
        .join('\n');
    expect(errors('good')).toBe('');
    expect(errors('missing')).toMatch(/missing the following properties from type 'ModelInput': bill_length_mm/);
    expect(errors('mistyped')).toMatch(/Type 'string' is not assignable to type 'number'/);
    expect(errors('unknownClass')).toMatch(/Property 'Emperor' does not exist/);
  });
});

describe('export-web (static folder)', () => {
  it('writes the page, the scripts with the model and TF.js wasm inside, a service worker and the model files; nothing points at the network', () => {
    for (const file of ['index.html', 'app.js', 'model.js', 'wasm.js', 'style.css', 'sw.js', 'runtime-lock.json', 'model/bundle.json', 'model/model.json', 'model/weights.bin']) expect(existsSync(join(staticDir, file)), file).toBe(true);
    const html = readFileSync(join(staticDir, 'index.html'), 'utf8');
    expect(html).toContain(`content="${PAGE_CSP}"`);
    expect([...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1])).toEqual(['style.css', 'wasm.js', 'model.js', 'app.js']);
    expect(readFileSync(join(staticDir, 'wasm.js'), 'utf8')).toMatch(/^\/\/ .*\nglobalThis\.TENSORLOOM_WASM = \{"tfjs-backend-wasm-simd\.wasm":"AGFzbQ/);
    const worker = readFileSync(join(staticDir, 'sw.js'), 'utf8');
    expect(worker).toContain('const FILES = ["./","./index.html","./style.css","./wasm.js","./model.js","./app.js"]');
    expect(worker).toMatch(/const CACHE = "tensorloom-[0-9a-f]{16}"/);
  });

  it('refuses a folder of someone else\'s files, and a model whose recipe needs a node pack', async () => {
    const own = mkdtempSync(join(tmpdir(), 'tensorloom-own-'));
    try {
      writeFileSync(join(own, 'notes.txt'), 'mine');
      await expect(writeWebBundle({ modelDir: example.modelDir, outDir: own, format: 'static', name: 'p', digest: example.modelId })).rejects.toThrow(/already holds files that are not a Tensorloom build context/);
      const model = join(own, 'model');
      cpSync(example.modelDir, model, { recursive: true });
      const bundle = JSON.parse(readFileSync(join(model, 'bundle.json'), 'utf8')) as { recipe: { kind: string; nodeId: string }[] };
      bundle.recipe.push({ ...bundle.recipe[0]!, kind: 'skew.log', nodeId: 'logt' });
      writeFileSync(join(model, 'bundle.json'), JSON.stringify(bundle));
      await expect(writeWebBundle({ modelDir: model, outDir: join(own, 'out'), format: 'esm', name: 'p', digest: example.modelId })).rejects.toThrow(
        "model: its recipe uses step kind 'skew.log' (node 'logt'), and the browser bundle replays built-in steps only; serve this model with 'tensorloom serve' or an image ('tensorloom export')",
      );
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });
});
