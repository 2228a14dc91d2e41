/**
 * The browser bundle (`tensorloom export-web`) in Chromium: opened from file:// with every
 * non-file request aborted, it scores a dropped CSV and a filled form exactly as predict.batch
 * does (same rows, same backend); bad files and rows are refused by column name. Served over
 * http, its service worker keeps it working offline.
 */
import { createServer, type Server } from 'node:http';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { columnValues } from '../core/data/table-ops.js';
import { tensorloom } from '../core/deploy/test-support/cli.js';
import { trainExample, type TrainedExample } from '../core/serve/test-support/trained-model.js';
import { expect, SCREENSHOT_DIR, test } from './fixtures.js';

let example: TrainedExample;
let bundle: string;
/** predict.batch's answers for the file's rows: class and per-class probabilities. */
let expected: { prediction: string; probabilities: number[] }[];

test.beforeAll(() => {
  // What the page runs (TF.js on WebAssembly), so predict.batch's numbers are the ones to match:
  // on the CLI, predictions otherwise run on the fused kernel (within 1e-5, not bit for bit).
  process.env.TENSORLOOM_BACKEND = 'wasm';
  process.env.TENSORLOOM_PREDICT_PATH = 'tfjs';
  example = trainExample('penguins');
  bundle = join(example.workspace, 'penguins-web');
  const exported = tensorloom(['export-web', example.modelId, '--out', bundle, '--name', 'penguins', '--workspace', example.workspace], { cwd: example.workspace });
  if (exported.status !== 0) throw new Error(`export-web failed: ${exported.stderr}`);
  const classes = example.bundle.classes!;
  const prediction = columnValues(example.predictions, 'prediction', 'prediction') as string[];
  const columns = classes.map((label) => columnValues(example.predictions, `probability_${label}`, label) as number[]);
  expected = prediction.map((value, row) => ({ prediction: value, probabilities: columns.map((column) => column[row]!) }));
});

test.afterAll(() => {
  if (example) rmSync(example.workspace, { recursive: true, force: true });
});

test('from file:// with the network blocked, a dropped CSV and the form predict exactly what predict.batch predicts', async ({ page, context }) => {
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await context.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
  await page.goto(pathToFileURL(join(bundle, 'index.html')).href);
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await expect(page.getByTestId('offline')).toHaveAttribute('data-state', 'file');

  // The file predict.batch read (its label column is set aside).
  await page.getByTestId('csv-input').setInputFiles(join(example.workspace, 'data', 'penguins.csv'));
  const rows = page.getByTestId('results').locator('tbody tr');
  await expect(rows).toHaveCount(expected.length);
  await expect(page.getByTestId('batch-summary')).toContainText(`${expected.length} rows scored (column 'species' set aside`);
  const answers = await rows.evaluateAll((trs) => trs.map((tr) => ({ prediction: tr.getAttribute('data-prediction')!, probabilities: JSON.parse(tr.getAttribute('data-probabilities')!) as number[] })));
  expect(answers).toEqual(expected);

  // One row through the form: the first row of the file (missing values left empty).
  const first = example.records[0]!;
  for (const input of example.bundle.inputs) {
    const value = first[input.name];
    await page.getByTestId(`field-${input.name}`).fill(value === null || value === undefined ? '' : String(value));
  }
  await page.getByTestId('predict-button').click();
  await expect(page.getByTestId('form-prediction')).toHaveText(expected[0]!.prediction);
  const formProbabilities = await page.getByTestId('form-probabilities').locator('li').evaluateAll((items) => items.map((item) => Number(item.getAttribute('data-value'))));
  expect(formProbabilities).toEqual(expected[0]!.probabilities);
  await page.screenshot({ path: `${SCREENSHOT_DIR}/web-bundle-file.png`, fullPage: true });

  // Nothing but the folder's own files was asked for.
  expect(requests.filter((url) => !url.startsWith('file:') && !url.startsWith('blob:') && !url.startsWith('data:'))).toEqual([]);
});

test('a file or rows with a missing or an unknown column are refused by name', async ({ page }) => {
  await page.goto(pathToFileURL(join(bundle, 'index.html')).href);
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  const text = readFileSync(join(example.workspace, 'data', 'penguins.csv'), 'utf8').split('\n').slice(0, 4);
  const extra = join(example.workspace, 'extra.csv');
  writeFileSync(extra, text.map((line, k) => `${line},${k === 0 ? 'colour' : 'blue'}`).join('\n'));
  await page.getByTestId('csv-input').setInputFiles(extra);
  await expect(page.getByTestId('error')).toHaveText("extra.csv: unknown column 'colour'; the model's inputs are bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, year, island, sex (remove the other columns)");
  const missing = join(example.workspace, 'missing.csv');
  writeFileSync(missing, text.map((line) => line.split(',').filter((_, k) => k !== 2).join(',')).join('\n'));
  await page.getByTestId('csv-input').setInputFiles(missing);
  await expect(page.getByTestId('error')).toHaveText(/^missing\.csv: missing column 'bill_length_mm'; the model's inputs are /);

  const refusals = await page.evaluate(async (row) => {
    const api = (globalThis as unknown as { tensorloom: { predict(rows: unknown[]): Promise<unknown> } }).tensorloom;
    const out: string[] = [];
    for (const rows of [[{ ...row, colour: 'blue' }], [{ island: 'Dream' }]]) out.push(await api.predict(rows).then(() => 'ok', (error: Error) => error.message));
    return out;
  }, example.records[0]!);
  expect(refusals[0]).toBe("rows[0]: unknown field 'colour'; the model's inputs are bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, year, island, sex");
  expect(refusals[1]).toMatch(/^rows\[0\]: missing features 'bill_length_mm', /);
});

test('served over http, the service worker keeps the bundle working offline', async ({ page, context }) => {
  const server: Server = createServer((request, response) => {
    const path = join(bundle, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname).replace(/\/$/, '/index.html'));
    try {
      const body = readFileSync(path);
      const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
      response.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  try {
    await page.goto(`http://127.0.0.1:${port}/`);
    await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
    await expect(page.getByTestId('offline')).toHaveAttribute('data-state', 'ready', { timeout: 30_000 });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  // The server is gone and the browser offline: the page still loads and predicts.
  await context.setOffline(true);
  await page.reload();
  await expect(page.getByTestId('status')).toHaveAttribute('data-state', 'ready', { timeout: 60_000 });
  await page.getByTestId('csv-input').setInputFiles(join(example.workspace, 'data', 'penguins.csv'));
  await expect(page.getByTestId('results').locator('tbody tr')).toHaveCount(expected.length);
  const first = await page.getByTestId('results').locator('tbody tr').first().getAttribute('data-prediction');
  expect(first).toBe(expected[0]!.prediction);
});
