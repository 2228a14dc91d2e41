/**
 * The monitoring loop end to end, through real processes, real HTTP, real SQLite and real
 * TF.js training (issue 13, Tests): train and register a champion; serve `penguins@champion`
 * with the prediction log on; send traffic whose numeric columns are shifted; a monitoring
 * pipeline (the prediction log against the training data) flags drift; `tensorloom watch
 * --on-files` retrains on labeled batches dropped into a folder, and the gate `beats champion
 * on accuracy` refuses a worse model (a batch with scrambled labels) and promotes a better one
 * (a clean batch); the running server picks the new version up while a load generator runs
 * through the swap without a failed request.
 *
 * Deterministic: every seed is fixed (split, training), the champion is trained for 1 epoch
 * (accuracy ≈ 0.80), retrains for 4 (≈ 0.97 on clean labels, ≈ chance on scrambled ones).
 * No timing assertions: only generous deadlines while waiting for processes.
 */
import { once } from 'node:events';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { describe, expect, it } from 'vitest';
import { readPredictionLog } from '../core/monitor/prediction-log-read.js';
import { registryPipeline, registryWorkspace, runRegistry, type RunJson } from './test-support/registry-workspace.js';
import { startModelServer, startTensorloom, tensorloom } from './test-support/run-cli.js';

type Child = ReturnType<typeof startTensorloom>;

const GATE = { gate: 'beats champion on accuracy', alias: 'champion' };
const NUMERIC = ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'] as const;
/** Added to each numeric column of the traffic and the new labeled data: a plain covariate shift. */
const SHIFT: Record<(typeof NUMERIC)[number], number> = { bill_length_mm: 8, bill_depth_mm: 3, flipper_length_mm: 20, body_mass_g: 900 };
const SPECIES = ['Adelie', 'Chinstrap', 'Gentoo'];

interface Row {
  species: string;
  island: string;
  sex: string;
  year: string;
  bill_length_mm: number;
  bill_depth_mm: number;
  flipper_length_mm: number;
  body_mass_g: number;
}

/** penguins.csv's complete rows with the numeric columns shifted (the file has no quoted fields). */
function shiftedRows(csv: string): Row[] {
  const [header, ...lines] = csv.trim().split('\n');
  const names = header!.split(',');
  return lines
    .map((line) => Object.fromEntries(line.split(',').map((value, index) => [names[index]!, value])) as Record<string, string>)
    .filter((fields) => Object.values(fields).every((value) => value !== '' && value !== 'NA'))
    .map((fields) => ({
      species: fields.species!,
      island: fields.island!,
      sex: fields.sex!,
      year: fields.year!,
      ...(Object.fromEntries(NUMERIC.map((column) => [column, Number(fields[column]) + SHIFT[column]])) as Record<(typeof NUMERIC)[number], number>),
    }));
}

function toCsv(rows: Row[]): string {
  const columns = ['species', 'island', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'sex', 'year'] as const;
  return `${columns.join(',')}\n${rows.map((row) => columns.map((column) => row[column]).join(',')).join('\n')}\n`;
}

/** What a client sends: the features the model was trained on (no label, no year). */
function instance(row: Row) {
  return { island: row.island, sex: row.sex, bill_length_mm: row.bill_length_mm, bill_depth_mm: row.bill_depth_mm, flipper_length_mm: row.flipper_length_mm, body_mass_g: row.body_mass_g };
}

/** Collects a child's output; `waitFor` resolves once stdout matches (60 s by default). */
function watchOutput(child: Child) {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const waitFor = async (pattern: RegExp, ms = 120_000) => {
    const deadline = Date.now() + ms;
    while (!pattern.test(stdout)) {
      if (Date.now() > deadline) throw new Error(`no ${pattern} in watch's stdout:\n${stdout}\nstderr:\n${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  return { waitFor, text: () => stdout, errors: () => stderr };
}

const serve = (args: string[], cwd: string) => startModelServer(args, { cwd });

/** Writes a file in one step (a hidden temp name, then a rename), as an upload tool would. */
function drop(dir: string, name: string, text: string): void {
  writeFileSync(join(dir, `.${name}.partial`), text);
  renameSync(join(dir, `.${name}.partial`), join(dir, name));
}

function models(cwd: string): { version: number; aliases: string[]; metrics: Record<string, number> }[] {
  const shown = tensorloom(['models', 'show', 'penguins', '--json'], { cwd });
  if (shown.status !== 0) throw new Error(shown.stderr);
  const parsed = JSON.parse(shown.stdout) as { versions: { version: number; aliases: string[]; metrics: Record<string, number> }[] };
  return parsed.versions.sort((a, b) => a.version - b.version);
}

describe('the monitoring loop', () => {
  it('serve the champion → shifted traffic → drift flagged → watch retrains → the gate refuses a worse model and promotes a better one → the server swaps under load with zero failed requests', async () => {
    // (1) A workspace whose training pipeline ends in registry.register behind the gate; trained once → champion v1.
    const workspace = registryWorkspace(GATE, 1);
    const first = runRegistry(workspace);
    expect(first.status, first.stderr).toBe(0);
    expect(first.json!.metrics.register).toMatchObject({ registered: 1, version: 1 });
    const championAccuracy = first.json!.metrics.evaluate!.accuracy!;

    // (2) Serve the champion, with the prediction log on (default folder .tensorloom/predictions/penguins).
    const server = await serve(['penguins@champion', '--log-sample', '1'], workspace);
    try {
      // (3) Traffic with shifted numeric columns.
      const rows = shiftedRows(readFileSync(join(workspace, 'data', 'penguins.csv'), 'utf8'));
      for (let start = 0; start < rows.length; start += 25) {
        const answer = await fetch(`${server.url}/v1/models/penguins:predict`, { method: 'POST', body: JSON.stringify({ instances: rows.slice(start, start + 25).map(instance) }) });
        expect(answer.status).toBe(200);
        expect(answer.headers.get('x-model-version')).toBe('1');
      }
      // Past one flush interval (1 s): every answered request is in the log.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect((await readPredictionLog(join(workspace, '.tensorloom', 'predictions', 'penguins'))).records.length).toBe(Math.ceil(rows.length / 25));

      // (4) A monitoring pipeline: what the model saw (the prediction log) against the training data → monitor.drift, onDrift warn.
      writeFileSync(
        join(workspace, 'monitor.pipeline.json'),
        JSON.stringify({
          format: 'tensorloom/pipeline@1',
          name: 'monitor',
          nodes: [
            { id: 'reference', type: 'data.csv', params: { path: 'data/penguins.csv' } },
            { id: 'current', type: 'data.predictionLog', params: { path: '.tensorloom/predictions/penguins' } },
            { id: 'drift', type: 'monitor.drift', params: { columns: [...NUMERIC, 'island', 'sex'], onDrift: 'warn' } },
          ],
          edges: [
            { from: 'reference.table', to: 'drift.reference' },
            { from: 'current.table', to: 'drift.current' },
          ],
        }),
      );
      const monitored = tensorloom(['run', 'monitor.pipeline.json', '--json'], { cwd: workspace });
      expect(monitored.status, monitored.stderr).toBe(0);
      const drift = (JSON.parse(monitored.stdout) as RunJson).metrics.drift!;
      expect(drift.datasetDrift).toBe(1);
      for (const column of NUMERIC) expect(drift[`drifted.${column}`], column).toBe(1);
      // The categorical columns were not shifted: the same rows, so the same distribution.
      expect(drift['drifted.island']).toBe(0);
      expect(drift['drifted.sex']).toBe(0);

      // (5) + (6) A retraining pipeline on new labeled data in incoming/, watched; a load generator runs throughout.
      mkdirSync(join(workspace, 'incoming'));
      const retrain = registryPipeline(GATE, 4) as { name: string; nodes: { id: string; params: Record<string, unknown> }[] };
      retrain.name = 'retrain';
      retrain.nodes.find((node) => node.id === 'load')!.params.path = 'incoming/labeled.csv';
      writeFileSync(join(workspace, 'retrain.pipeline.json'), JSON.stringify(retrain, null, 2));

      const versions: string[] = [];
      const statuses = new Map<number, number>();
      const load = autocannon({
        url: server.url,
        connections: 2,
        duration: 900,
        requests: [
          {
            method: 'POST',
            path: '/v1/models/penguins:predict',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ instances: rows.slice(0, 2).map(instance) }),
            onResponse: (status, _body, _context, headers) => {
              statuses.set(status, (statuses.get(status) ?? 0) + 1);
              const version = headers?.['x-model-version'];
              if (typeof version === 'string' && versions.at(-1) !== version) versions.push(version);
            },
          },
        ],
      }) as unknown as autocannon.Instance;
      const loadDone = new Promise<autocannon.Result>((resolve) => load.on('done', resolve));

      const watch = startTensorloom(['watch', 'retrain.pipeline.json', '--on-files', 'incoming'], { cwd: workspace });
      const out = watchOutput(watch);
      try {
        await out.waitFor(/watching .*new files in incoming/);

        // A labeled batch whose labels are scrambled (species by row index, unrelated to the features): a worse model, refused.
        drop(join(workspace, 'incoming'), 'labeled.csv', toCsv(rows.map((row, index) => ({ ...row, species: SPECIES[(index * 7) % 3]! }))));
        await out.waitFor(/run \S+ succeeded \(trigger files\)/, 240_000);
        let listed = models(workspace);
        expect(listed.map((version) => [version.version, version.aliases])).toEqual([[1, ['champion']]]);
        expect(versions.at(-1)).toBe('1');

        // The clean batch (the shifted rows with their true labels): a better model, registered as v2 and promoted.
        drop(join(workspace, 'incoming'), 'labeled.csv', toCsv(rows));
        await out.waitFor(/run \S+ succeeded \(trigger files\)[\s\S]*run \S+ succeeded \(trigger files\)/, 240_000);
        listed = models(workspace);
        expect(listed.map((version) => [version.version, version.aliases])).toEqual([
          [1, []],
          [2, ['champion']],
        ]);
        expect(listed[1]!.metrics.accuracy).toBeGreaterThan(championAccuracy);
        expect(out.text()).not.toMatch(/run \S+ (failed|cancelled)/);

        // The running server follows the alias; the load keeps going through the swap.
        const deadline = Date.now() + 60_000;
        while (versions.at(-1) !== '2' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
        await new Promise((resolve) => setTimeout(resolve, 1000));
      } finally {
        load.stop();
        watch.kill('SIGTERM');
        await once(watch, 'exit');
      }
      const result = await loadDone;
      expect(versions).toEqual(['1', '2']);
      expect(result.errors).toBe(0);
      expect(result.non2xx).toBe(0);
      expect([...statuses.keys()]).toEqual([200]);
      expect(result.requests.total).toBeGreaterThan(100);
      const metadata = (await (await fetch(`${server.url}/v1/models/penguins`)).json()) as { model_version_status: { version: string }[] };
      expect(metadata.model_version_status[0]!.version).toBe('2');
      expect(server.stderr()).toContain('reload: penguins@champion moved to version 2');
      // Both retrains are recorded with their trigger, oldest first: the gate refused the first (nothing registered), passed the second.
      const runs = JSON.parse(tensorloom(['runs', '--json'], { cwd: workspace }).stdout) as { trigger: string; status: string; startedAt: number; metrics: Record<string, Record<string, number>> }[];
      const retrains = runs.filter((run) => run.trigger === 'files').sort((a, b) => a.startedAt - b.startedAt);
      expect(retrains.map((run) => [run.status, run.metrics.register])).toEqual([
        ['succeeded', { registered: 0 }],
        ['succeeded', { registered: 1, version: 2 }],
      ]);
      expect(retrains[0]!.metrics.evaluate!.accuracy!).toBeLessThan(championAccuracy);
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
  }, 600_000);
});
