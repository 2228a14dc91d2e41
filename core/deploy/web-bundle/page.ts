/**
 * The browser bundle's page (app.js): a form generated from the model's inputs, a CSV drop
 * zone for batch scoring with a results table and a CSV download, all computed in the page
 * by predictor.ts. model.js and wasm.js (classic scripts, so file:// pages can load them)
 * put the model and TF.js's wasm binaries on globalThis first. Served over http(s), a
 * service worker (sw.js) keeps every file for offline use; from file:// none is needed.
 */
import { CsvError, rowsFromCsv, type Cell } from './csv-rows.js';
import { createPredictor, type EmbeddedModel, type EmbeddedWasm, type Predictor, type RowPrediction } from './predictor.js';

declare global {
  var TENSORLOOM_MODEL: EmbeddedModel | undefined;
  var TENSORLOOM_WASM: EmbeddedWasm | undefined;
}

function element<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

const byId = (id: string) => document.getElementById(id)!;

function showError(where: HTMLElement, message: string): void {
  where.replaceChildren(element('p', { class: 'error', role: 'alert', 'data-testid': 'error' }, message));
}

function formatProbability(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

function renderAnswer(answer: RowPrediction): HTMLElement {
  const box = element('div', { class: 'answer' }, element('p', { class: 'prediction', 'data-testid': 'form-prediction' }, String(answer.prediction)));
  if (answer.probabilities) {
    const list = element('ul', { class: 'probabilities', 'data-testid': 'form-probabilities' });
    for (const [label, value] of Object.entries(answer.probabilities)) {
      const bar = element('span', { class: 'bar' });
      bar.style.width = `${Math.round(value * 100)}%`;
      list.append(element('li', { 'data-class': label, 'data-value': String(value) }, element('span', { class: 'label' }, label), bar, element('span', { class: 'value' }, formatProbability(value))));
    }
    box.append(list);
  }
  return box;
}

/** One field per model input: numbers, true/false, text with the categories seen in training; blank = missing. */
function buildForm(predictor: Predictor): void {
  const form = byId('form') as HTMLFormElement;
  const fields = element('div', { class: 'fields' });
  for (const input of predictor.inputs) {
    const id = `input-${input.name}`;
    let control: HTMLInputElement | HTMLSelectElement;
    if (input.type === 'boolean') {
      control = element('select', { id, name: input.name }, element('option', { value: '' }, '(missing)'), element('option', { value: 'true' }, 'true'), element('option', { value: 'false' }, 'false'));
    } else {
      control = element('input', { id, name: input.name, type: input.type === 'number' ? 'number' : 'text', step: 'any', autocomplete: 'off' });
      const categories = predictor.categories[input.name];
      if (categories && categories.length > 0) {
        const list = element('datalist', { id: `${id}-options` }, ...categories.map((category) => element('option', { value: category })));
        control.setAttribute('list', list.id);
        fields.append(list);
      }
    }
    control.setAttribute('data-testid', `field-${input.name}`);
    fields.append(element('div', { class: 'field' }, element('label', { for: id }, element('span', {}, input.name), element('small', {}, input.type === 'any' ? 'number or text' : input.type)), control));
  }
  const result = element('div', { id: 'form-result', 'aria-live': 'polite', 'data-testid': 'form-result' });
  form.replaceChildren(fields, element('button', { type: 'submit', 'data-testid': 'predict-button' }, 'Predict'), result);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const row: Record<string, Cell> = {};
    for (const input of predictor.inputs) {
      const raw = (form.elements.namedItem(input.name) as HTMLInputElement | HTMLSelectElement).value;
      if (raw.trim() === '') row[input.name] = null;
      else if (input.type === 'number') row[input.name] = Number(raw);
      else if (input.type === 'boolean') row[input.name] = raw === 'true';
      else if (input.type === 'any' && raw.trim() !== '' && Number.isFinite(Number(raw))) row[input.name] = Number(raw);
      else row[input.name] = raw;
    }
    predictor.predict([row]).then(
      ([answer]) => result.replaceChildren(renderAnswer(answer!)),
      (error: unknown) => showError(result, (error as Error).message.replace(/^rows\[0\]\.?/, '').replace(/^: /, '')),
    );
  });
}

function toCsvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Scores a dropped or chosen CSV file: a table of the answers and a CSV to download. */
async function scoreFile(predictor: Predictor, file: File): Promise<void> {
  const out = byId('batch-result');
  out.replaceChildren(element('p', { class: 'muted' }, `scoring ${file.name}…`));
  let parsed;
  try {
    parsed = rowsFromCsv(await file.text(), predictor.inputs, predictor.target);
  } catch (error) {
    if (error instanceof CsvError) return showError(out, `${file.name}: ${error.message}`);
    throw error;
  }
  let answers: RowPrediction[];
  try {
    answers = await predictor.predict(parsed.rows);
  } catch (error) {
    // Rows are numbered from 0 in predict's messages; the file's lines from 1 with the header.
    return showError(out, `${file.name}: ${(error as Error).message.replace(/^rows\[(\d+)\]/, (_, row: string) => `line ${Number(row) + 2}`)}`);
  }
  const classes = predictor.classes ?? [];
  const head = ['row', 'prediction', ...classes.map((label) => `probability_${label}`)];
  const table = element('table', { 'data-testid': 'results' }, element('thead', {}, element('tr', {}, ...head.map((name) => element('th', { scope: 'col' }, name)))));
  const body = element('tbody');
  const lines = [[...predictor.inputs.map((input) => input.name), ...head.slice(1)].map(toCsvCell).join(',')];
  answers.forEach((answer, k) => {
    const probabilities = classes.map((label) => answer.probabilities![label]!);
    body.append(
      element(
        'tr',
        { 'data-prediction': String(answer.prediction), 'data-probabilities': JSON.stringify(probabilities) },
        element('td', {}, String(k + 1)),
        element('td', {}, String(answer.prediction)),
        ...probabilities.map((value) => element('td', {}, formatProbability(value))),
      ),
    );
    lines.push([...predictor.inputs.map((input) => parsed.rows[k]![input.name]), answer.prediction, ...probabilities].map(toCsvCell).join(','));
  });
  table.append(body);
  const download = element('a', { href: URL.createObjectURL(new Blob([lines.join('\n') + '\n'], { type: 'text/csv' })), download: file.name.replace(/(\.csv)?$/i, '.predictions.csv'), 'data-testid': 'download' }, 'Download the predictions (CSV)');
  const note = parsed.ignored.length > 0 ? ` (column ${parsed.ignored.map((name) => `'${name}'`).join(', ')} set aside: it is what the model predicts)` : '';
  out.replaceChildren(element('p', { 'data-testid': 'batch-summary' }, `${answers.length} row${answers.length === 1 ? '' : 's'} scored${note}. `, download), element('div', { class: 'table-scroll' }, table));
}

function setUpDropZone(predictor: Predictor): void {
  const zone = byId('drop-zone');
  const picker = byId('csv-input') as HTMLInputElement;
  const take = (files: FileList | null | undefined) => {
    const file = files?.[0];
    if (file) void scoreFile(predictor, file).catch((error: unknown) => showError(byId('batch-result'), (error as Error).message));
  };
  picker.addEventListener('change', () => take(picker.files));
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    take(event.dataTransfer?.files);
  });
}

/** Offline use when served: a service worker keeps every file (file:// pages need none, and cannot register one). */
function registerServiceWorker(): void {
  const status = byId('offline');
  if (location.protocol !== 'http:' && location.protocol !== 'https:') {
    status.textContent = 'opened from a file: works offline as it is';
    status.dataset.state = 'file';
    return;
  }
  if (!('serviceWorker' in navigator)) {
    status.textContent = 'this browser has no service workers: needs the server to reload';
    status.dataset.state = 'unsupported';
    return;
  }
  navigator.serviceWorker.register('./sw.js').then(
    (registration) =>
      void navigator.serviceWorker.ready.then(() => {
        status.textContent = 'saved for offline use';
        status.dataset.state = registration.active ? 'ready' : 'installing';
        if (registration.active) status.dataset.state = 'ready';
      }),
    (error: unknown) => {
      status.textContent = `not saved for offline use: ${(error as Error).message}`;
      status.dataset.state = 'failed';
    },
  );
}

async function start(): Promise<void> {
  const model = globalThis.TENSORLOOM_MODEL;
  const wasm = globalThis.TENSORLOOM_WASM;
  const status = byId('status');
  if (!model || !wasm) {
    status.textContent = 'model.js or wasm.js did not load: keep the folder\'s files together';
    status.dataset.state = 'failed';
    return;
  }
  registerServiceWorker();
  try {
    const predictor = await createPredictor(model, wasm);
    buildForm(predictor);
    setUpDropZone(predictor);
    status.textContent = 'ready';
    status.dataset.state = 'ready';
    Object.assign(globalThis, { tensorloom: { predict: (rows: Record<string, unknown>[]) => predictor.predict(rows) } });
  } catch (error) {
    status.textContent = `the model did not load: ${(error as Error).message}`;
    status.dataset.state = 'failed';
  }
}

void start();
