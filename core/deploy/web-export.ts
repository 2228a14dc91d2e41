/**
 * `tensorloom export-web`: a model as a static folder that predicts in the browser, or as an
 * ES module package for web and Node apps. TensorFlow.js (WebAssembly backend), the recipe
 * replay and the model server's input checks are bundled with esbuild from the project's own
 * sources (web-bundle/predictor.ts), the model and TF.js's wasm binaries are embedded, and
 * nothing is fetched from the network, so the page works from file://, from any static
 * server, and offline. See README.md (browser bundle).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'esbuild';
import { NodeError } from '../base/errors.js';
import { BUNDLE_FILE, MODEL_FILE, WEIGHTS_FILE, classValue, type InputColumn, type ModelBundle } from '../ml/bundle-format.js';
import { stepKinds } from '../ml/recipe/index.js';
import { lockedPackages, packageDirOf, projectEntry, projectRoot, readLock } from './bundle.js';
import { copyFolder, fileDigests, LOCK_FILE, LOCK_FORMAT, writeContextDir, writeText } from './context-dir.js';
import { readModelBundle } from './model-context.js';
import type { EmbeddedModel, EmbeddedWasm } from './web-bundle/predictor.js';

export type WebFormat = 'static' | 'esm';
export const WEB_FORMATS: readonly WebFormat[] = ['static', 'esm'];
/** The wasm binaries TF.js picks from: SIMD where the engine has it (every current browser and Node), else the plain one. */
export const WEB_WASM_FILES = ['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm.wasm'] as const;

export interface WebExportOptions {
  readonly modelDir: string;
  readonly outDir: string;
  readonly format: WebFormat;
  /** The model's name (page title, package name). */
  readonly name: string;
  /** The model folder's artifact id. */
  readonly digest: string;
  readonly version?: string;
}

export interface WebExport {
  readonly dir: string;
  readonly format: WebFormat;
  /** The file to open (static) or import (esm), relative to dir. */
  readonly entry: string;
  readonly files: readonly string[];
}

/** The browser bundle replays only built-in recipe steps: a node pack's step code is written for Node. */
function checkBuiltInSteps(bundle: ModelBundle): void {
  for (const step of bundle.recipe) {
    const provider = stepKinds.provider(step.kind);
    if (provider?.builtIn) continue;
    throw new NodeError(
      `model: its recipe uses step kind '${step.kind}' (node '${step.nodeId}')${provider?.pack ? ` from the node pack '${provider.pack}'` : ''}, and the browser bundle replays built-in steps only; serve this model with 'tensorloom serve' or an image ('tensorloom export')`,
      { field: 'model' },
    );
  }
}

/**
 * Node built-ins in the browser bundle: util (TF.js's Node platform) gets a small shim of
 * the same globals; the others are empty, since the code paths that call them (file
 * loading, Emscripten's Node branch, file helpers) never run when predicting.
 */
function browserShims(root: string): Plugin {
  return {
    name: 'tensorloom-browser-shims',
    setup(build) {
      build.onResolve({ filter: /^(node:)?util$/ }, () => ({ path: projectEntry(root, 'core/deploy/web-bundle/shims/util.ts') }));
      build.onResolve({ filter: /^(node:)?(fs|fs\/promises|path|os|crypto|buffer|worker_threads|perf_hooks|module|url|child_process|stream|node-fetch)$/ }, (args) => ({ path: args.path, namespace: 'tensorloom-unavailable' }));
      build.onLoad({ filter: /.*/, namespace: 'tensorloom-unavailable' }, () => ({ contents: 'module.exports = {};', loader: 'js' }));
    },
  };
}

interface Built {
  readonly packageDirs: readonly string[];
  readonly esbuildVersion: string;
}

async function bundleFor(format: WebFormat, root: string, outfile: string, define: Record<string, string>): Promise<Built> {
  const esbuild = await import('esbuild');
  const entry = projectEntry(root, format === 'static' ? 'core/deploy/web-bundle/page.ts' : 'core/deploy/web-bundle/esm-entry.ts');
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'browser',
    // A classic script for the page (file:// pages cannot load ES modules), an ES module for the package.
    format: format === 'static' ? 'iife' : 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15', 'node20'],
    mainFields: ['browser', 'module', 'main'],
    minify: true,
    legalComments: 'eof',
    sourcemap: false,
    metafile: true,
    logLevel: 'silent',
    inject: [projectEntry(root, 'core/deploy/web-bundle/shims/buffer.ts')],
    // Emscripten's Node branch (the ES module in Node) reads __dirname; the wasm comes from memory anyway.
    define: { __dirname: '"/"', 'process.env.NODE_ENV': '"production"', ...define },
    plugins: [browserShims(root)],
  });
  const packageDirs = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const dir = packageDirOf(input);
    if (dir !== undefined && !input.startsWith('../')) packageDirs.add(dir);
  }
  return { packageDirs: [...packageDirs].sort(), esbuildVersion: esbuild.version };
}

function embeddedModel(options: WebExportOptions, bundle: ModelBundle): EmbeddedModel {
  return {
    name: options.name,
    digest: options.digest,
    bundle,
    modelJson: JSON.parse(readFileSync(join(options.modelDir, MODEL_FILE), 'utf8')) as EmbeddedModel['modelJson'],
    weights: readFileSync(join(options.modelDir, WEIGHTS_FILE)).toString('base64'),
  };
}

function embeddedWasm(root: string): EmbeddedWasm {
  return Object.fromEntries(WEB_WASM_FILES.map((file) => [file, readFileSync(join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist', file)).toString('base64')]));
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/**
 * Scripts from the folder itself, WebAssembly compiled from memory, no connections: a
 * strict policy that also proves nothing is fetched.
 */
export const PAGE_CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; worker-src 'self'; connect-src 'none'; base-uri 'none'; form-action 'none'";

function indexHtml(options: WebExportOptions, bundle: ModelBundle): string {
  const name = escapeHtml(options.name);
  const what = bundle.task === 'classification' ? `a classifier: predicts <b>${escapeHtml(bundle.target.name)}</b> (${(bundle.classes ?? []).map(escapeHtml).join(', ')})` : `a regression: predicts <b>${escapeHtml(bundle.target.name)}</b>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${PAGE_CSP}">
<title>${name} · Tensorloom</title>
<link rel="stylesheet" href="style.css">
</head>
<body>
<header>
<h1>${name}</h1>
<p class="muted">${what}, from ${bundle.inputs.length} input${bundle.inputs.length === 1 ? '' : 's'}. It runs in this page (TensorFlow.js on WebAssembly): nothing is sent anywhere.</p>
<p class="status"><span id="status" data-testid="status" data-state="loading">loading the model…</span> · <span id="offline" data-testid="offline"></span></p>
</header>
<main>
<section aria-labelledby="one-row">
<h2 id="one-row">One row</h2>
<p class="muted">Leave a field empty for a missing value.</p>
<form id="form" data-testid="form"></form>
</section>
<section aria-labelledby="many-rows">
<h2 id="many-rows">Many rows</h2>
<div id="drop-zone" class="drop-zone" data-testid="drop-zone">
<p>Drop a CSV file here, or <label class="pick">choose one<input type="file" id="csv-input" accept=".csv,text/csv" data-testid="csv-input"></label></p>
<p class="muted">Columns: ${bundle.inputs.map((input) => escapeHtml(input.name)).join(', ')}${bundle.target.name ? ` (a '${escapeHtml(bundle.target.name)}' column is set aside)` : ''}.</p>
</div>
<div id="batch-result" aria-live="polite"></div>
</section>
</main>
<footer class="muted">Model ${escapeHtml(options.digest.slice(0, 19))}… exported by Tensorloom.</footer>
<script src="wasm.js"></script>
<script src="model.js"></script>
<script src="app.js"></script>
</body>
</html>
`;
}

const STYLE = `:root { color-scheme: light dark; font-family: system-ui, sans-serif; --accent: #2f6fdf; }
body { max-width: 64rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.muted { opacity: 0.75; } .status { font-size: 0.9rem; }
[data-state="failed"], .error { color: #c62828; font-weight: 600; }
.fields { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: 0.75rem 1rem; margin-bottom: 1rem; }
label { display: flex; flex-direction: column; gap: 0.2rem; font-weight: 600; }
label small { font-weight: 400; opacity: 0.7; }
.field { display: flex; flex-direction: column; gap: 0.25rem; }
input, select, button { font: inherit; padding: 0.35rem 0.5rem; }
button { background: var(--accent); color: white; border: 0; border-radius: 4px; padding: 0.45rem 1.2rem; cursor: pointer; }
.answer .prediction { font-size: 1.6rem; font-weight: 700; margin: 0.5rem 0; }
.probabilities { list-style: none; padding: 0; max-width: 32rem; }
.probabilities li { display: grid; grid-template-columns: 8rem 1fr 4rem; align-items: center; gap: 0.5rem; }
.probabilities .bar { display: block; height: 0.7rem; background: var(--accent); border-radius: 2px; min-width: 1px; }
.drop-zone { border: 2px dashed currentColor; border-radius: 8px; padding: 1.2rem; opacity: 0.9; }
.drop-zone.over { border-color: var(--accent); background: color-mix(in srgb, var(--accent) 10%, transparent); }
.pick { display: inline; font-weight: 600; text-decoration: underline; cursor: pointer; }
.pick input { margin-left: 0.5rem; font-weight: 400; }
.table-scroll { max-height: 28rem; overflow: auto; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 0.2rem 0.6rem; border-bottom: 1px solid color-mix(in srgb, currentColor 20%, transparent); text-align: right; }
footer { margin-top: 3rem; font-size: 0.85rem; }
`;

function serviceWorker(cacheName: string, files: readonly string[]): string {
  return `// Keeps the bundle's files for offline use (registered by app.js when the page is served over http or https).
const CACHE = ${JSON.stringify(cacheName)};
const FILES = ${JSON.stringify(['./', ...files.map((file) => `./${file}`)])};
self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(FILES)).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith('tensorloom-') && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});
self.addEventListener('fetch', (event) => {
  if (event.request.method !== 'GET') return;
  event.respondWith(caches.match(event.request, { ignoreSearch: true }).then((hit) => hit || fetch(event.request)));
});
`;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const key = (name: string) => (IDENTIFIER.test(name) ? name : JSON.stringify(name));
const TS_TYPES: Record<InputColumn['type'], string> = { number: 'number', string: 'string', boolean: 'boolean', any: 'string | number | boolean' };

/** index.d.ts: the model's inputs and outputs as types, so apps are checked against this model. */
export function typeDeclarations(options: Pick<WebExportOptions, 'name' | 'digest'>, bundle: ModelBundle): string {
  const labels = bundle.task === 'classification' ? (bundle.classes ?? []).map((_, k) => classValue(bundle, k)) : [];
  const prediction = bundle.task === 'classification' ? labels.map((label) => JSON.stringify(label)).join(' | ') || 'string' : 'number';
  const lines = [
    `// Types of the model '${options.name}' (${options.digest}), written by tensorloom export-web.`,
    '',
    '/** One row the model takes: every input column, null for a missing value. */',
    'export interface ModelInput {',
    ...bundle.inputs.map((input) => `  ${key(input.name)}: ${TS_TYPES[input.type]} | null;`),
    '}',
    '',
    `/** The answer for one row: ${bundle.task === 'classification' ? `the predicted ${bundle.target.name} and each class's probability` : `the predicted ${bundle.target.name}`}. */`,
    'export interface ModelOutput {',
    `  prediction: ${prediction};`,
    ...(bundle.task === 'classification' ? [`  probabilities: { ${(bundle.classes ?? []).map((label) => `${key(label)}: number`).join('; ')} };`] : []),
    '}',
    '',
    '/** One answer per row, in order. Rejects with a PredictError naming the row and column of a missing, unknown or mistyped value. */',
    'export declare function predict(rows: readonly ModelInput[]): Promise<ModelOutput[]>;',
    '',
    'export declare class PredictError extends Error {',
    "  readonly name: 'PredictError';",
    '}',
    '',
    'export declare const name: string;',
    'export declare const digest: string;',
    `export declare const task: ${JSON.stringify(bundle.task)};`,
    `export declare const target: ${JSON.stringify(bundle.target.name)};`,
    "export declare const inputs: readonly { readonly name: keyof ModelInput & string; readonly type: 'number' | 'string' | 'boolean' | 'any' }[];",
    `export declare const classes: ${bundle.task === 'classification' ? 'readonly string[]' : 'null'};`,
    '',
  ];
  return lines.join('\n');
}

/** The ES module package's npm name: the model's name, lowercased, with '-model'. */
export function packageName(name: string): string {
  const base = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[._-]+/, '') || 'model';
  return `${base}-model`;
}

/** Writes the static folder or the ES module package (replacing an earlier export there; never someone's own folder). */
export async function writeWebBundle(options: WebExportOptions): Promise<WebExport> {
  const bundle = readModelBundle(options.modelDir);
  checkBuiltInSteps(bundle);
  const root = projectRoot();
  const model = embeddedModel(options, bundle);
  const wasm = embeddedWasm(root);
  let files: string[] = [];
  const dir = await writeContextDir(options.outDir, 'outDir', async (dir) => {
    await copyFolder(options.modelDir, join(dir, 'model'));
    let built: Built;
    if (options.format === 'static') {
      built = await bundleFor('static', root, join(dir, 'app.js'), {});
      await writeText(dir, 'model.js', `// The model '${options.name}' (${options.digest}): bundle.json, model.json and weights.bin (base64). Written by tensorloom export-web.\nglobalThis.TENSORLOOM_MODEL = ${JSON.stringify(model)};\n`);
      await writeText(dir, 'wasm.js', `// TensorFlow.js's WebAssembly binaries (@tensorflow/tfjs-backend-wasm), base64, so the page needs no fetch.\nglobalThis.TENSORLOOM_WASM = ${JSON.stringify(wasm)};\n`);
      await writeText(dir, 'index.html', indexHtml(options, bundle));
      await writeText(dir, 'style.css', STYLE);
      const cached = ['index.html', 'style.css', 'wasm.js', 'model.js', 'app.js'];
      const hash = createHash('sha256');
      for (const file of cached) hash.update(readFileSync(join(dir, file)));
      await writeText(dir, 'sw.js', serviceWorker(`tensorloom-${hash.digest('hex').slice(0, 16)}`, cached));
    } else {
      built = await bundleFor('esm', root, join(dir, 'index.js'), { __TENSORLOOM_MODEL__: JSON.stringify(model), __TENSORLOOM_WASM__: JSON.stringify(wasm) });
      await writeText(dir, 'index.d.ts', typeDeclarations(options, bundle));
      const manifest = {
        name: packageName(options.name),
        version: /^\d+$/.test(options.version ?? '') ? `${options.version}.0.0` : '1.0.0',
        description: `The model '${options.name}' (${bundle.task}, predicts ${bundle.target.name}) with TensorFlow.js, in one ES module. Written by tensorloom export-web.`,
        private: true,
        type: 'module',
        main: './index.js',
        types: './index.d.ts',
        exports: { '.': { types: './index.d.ts', default: './index.js' } },
        sideEffects: false,
      };
      await writeText(dir, 'package.json', JSON.stringify(manifest, null, 2) + '\n');
    }
    const lock = readLock(root);
    await writeText(
      dir,
      LOCK_FILE,
      JSON.stringify(
        {
          format: LOCK_FORMAT,
          kind: options.format === 'static' ? 'web-static' : 'web-esm',
          model: { name: options.name, digest: options.digest, files: [BUNDLE_FILE, MODEL_FILE, WEIGHTS_FILE].map((file) => `model/${file}`) },
          backend: { name: 'wasm', files: [...WEB_WASM_FILES] },
          bundler: { name: 'esbuild', version: built.esbuildVersion },
          bundled: lockedPackages(root, built.packageDirs, lock),
        },
        null,
        2,
      ) + '\n',
    );
    files = Object.keys(await fileDigests(dir, ['.'])).map((file) => file.replace(/^\.\//, '')).sort();
  });
  return { dir, format: options.format, entry: options.format === 'static' ? 'index.html' : 'index.js', files };
}
