/** Experiment tracking end to end through the real CLI: run, runs, compare, tag, note, show, reproduce, export-mlflow. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { copyExamples, tensorloom } from './test-support/run-cli.js';

const PIPELINE = {
  format: 'tensorloom/pipeline@1',
  name: 'penguins-small',
  nodes: [
    { id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } },
    { id: 'split', type: 'data.split', params: { test: 0.2, stratifyBy: 'species', seed: 1 } },
    { id: 'impute', type: 'feature.impute', params: { target: 'species' } },
    { id: 'encode', type: 'feature.encode', params: { target: 'species' } },
    { id: 'scale', type: 'feature.scale', params: { target: 'species' } },
    { id: 'train', type: 'train.dense', params: { target: 'species', hiddenLayers: [8], epochs: 5, seed: 1 } },
    { id: 'evaluate', type: 'eval.model', params: {} },
  ],
  edges: [
    { from: 'load.table', to: 'split.table' },
    { from: 'split.table', to: 'impute.table' },
    { from: 'impute.table', to: 'encode.table' },
    { from: 'encode.table', to: 'scale.table' },
    { from: 'scale.table', to: 'train.table' },
    { from: 'train.model', to: 'evaluate.model' },
    { from: 'scale.table', to: 'evaluate.table' },
  ],
};

interface RunJson {
  id: string;
  experiment: string;
  trigger: string | null;
  status: string;
  params: Record<string, Record<string, unknown>>;
  metrics: Record<string, Record<string, number>>;
  tags: Record<string, string>;
  nodeCounts: Record<string, number>;
}

describe('tracking commands', () => {
  let dir: string;
  let first: string;
  let second: string;
  const json = <T>(args: string[]): T => {
    const result = tensorloom(args, { cwd: dir });
    expect(result.status, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as T;
  };

  beforeAll(() => {
    dir = copyExamples();
    writeFileSync(join(dir, 'penguins-small.pipeline.json'), JSON.stringify(PIPELINE, null, 2));
    first = json<{ runId: string }>(['run', 'penguins-small.pipeline.json', '--json']).runId;
    second = json<{ runId: string }>(['run', 'penguins-small.pipeline.json', '--set', 'train.epochs=8', '--json']).runId;
  }, 180_000);

  it('lists runs with their experiment, params and metrics; filters and sorts them', () => {
    const runs = json<RunJson[]>(['runs', '--json']);
    expect(runs.map((run) => run.id)).toEqual([second, first]);
    expect(runs[1]).toMatchObject({ experiment: 'penguins-small', trigger: 'cli', status: 'succeeded', params: { train: { epochs: 5, seed: 1, batchSize: 32 } } });
    expect(runs[1]!.metrics.evaluate!.accuracy).toBeGreaterThan(0);

    expect(json<RunJson[]>(['runs', '--where', 'params.train.epochs = 8 and metrics.accuracy >= 0', '--json']).map((run) => run.id)).toEqual([second]);
    const byAccuracy = json<RunJson[]>(['runs', '--sort', '-metrics.accuracy', '--json']);
    expect(byAccuracy[0]!.metrics.evaluate!.accuracy).toBeGreaterThanOrEqual(byAccuracy[1]!.metrics.evaluate!.accuracy!);
    expect(json<RunJson[]>(['runs', '--experiment', 'penguins-small', '--limit', '1', '--json']).map((run) => run.id)).toEqual([second]);

    const table = tensorloom(['runs', '--experiment', 'penguins-small'], { cwd: dir });
    expect(table.status).toBe(0);
    const [header, ...lines] = table.stdout.trim().split('\n');
    // The evaluation's metrics, and the one param that differs between the listed runs.
    expect(header).toMatch(/^run\s+status\s+started\s+took\s+accuracy\s+.*train\.epochs$/);
    expect(lines[0]).toMatch(new RegExp(`^${second}\\s+succeeded .* 8$`));
    expect(lines[1]).toMatch(new RegExp(`^${first}\\s+succeeded .* 5$`));
  });

  it('says where a filter breaks, in one message with a caret, and names unknown experiments', () => {
    const bad = tensorloom(['runs', '--where', 'metrics.accuracy > and x'], { cwd: dir });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe(
      "tensorloom: --where: expected a value (a number, a quoted string, true or false) after '>', found 'and' (column 20)\n  metrics.accuracy > and x\n                     ^\n",
    );
    const unknownField = tensorloom(['runs', '--sort', '-accuracy'], { cwd: dir });
    expect(unknownField).toMatchObject({ status: 2, stderr: expect.stringContaining("--sort: unknown field 'accuracy'") });
    expect(tensorloom(['runs', '--experiment', 'nope'], { cwd: dir })).toMatchObject({ status: 2, stderr: "tensorloom: no experiment 'nope' in this workspace; experiments are: penguins-small\n" });
  });

  it('compares two runs that differ in one param to exactly that difference', () => {
    const comparison = json<{ runs: { id: string }[]; params: unknown; metrics: Record<string, Record<string, number[]>>; best: Record<string, Record<string, string[]>> }>([
      'compare', first, second, '--json',
    ]);
    expect(comparison.runs.map((run) => run.id)).toEqual([first, second]);
    expect(comparison.params).toEqual({ train: { epochs: [5, 8] } });
    expect(comparison.metrics.evaluate!.accuracy).toHaveLength(2);
    expect(comparison.metrics.train!.epochs).toEqual([5, 8]);

    const text = tensorloom(['compare', first, second], { cwd: dir });
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/params that differ\n\s+param\s+\S+\s+\S+\n\s+train\.epochs\s+5\s+8\n/);
    expect(text.stdout).toMatch(/train\.epochs\s+5\s+8 \*/);

    expect(tensorloom(['compare', first, 'nope'], { cwd: dir })).toMatchObject({ status: 2, stderr: "tensorloom: no run 'nope' in this workspace; list them with: tensorloom runs\n" });
    expect(tensorloom(['compare', first], { cwd: dir })).toMatchObject({ status: 2, stderr: expect.stringContaining('two or more run ids') });
  });

  it('tags and notes runs, shows them, and filters by tag', () => {
    expect(json<{ tags: Record<string, string> }>(['tag', first, 'team=vision', 'stage=baseline', '--json']).tags).toEqual({ stage: 'baseline', team: 'vision' });
    expect(tensorloom(['tag', first, 'stage='], { cwd: dir }).stdout).toBe(`run ${first}: team=vision\n`);
    expect(tensorloom(['note', first, 'five epochs: the baseline'], { cwd: dir }).status).toBe(0);
    expect(tensorloom(['note', first], { cwd: dir }).stdout).toBe('five epochs: the baseline\n');
    const shown = tensorloom(['show', first], { cwd: dir }).stdout;
    expect(shown).toContain('experiment penguins-small · started from cli');
    expect(shown).toContain('tags: team=vision');
    expect(shown).toContain('note: five epochs: the baseline');
    expect(shown).toMatch(/source files\n\s+load\s+data\/penguins\.csv\s+sha256:/);
    expect(json<RunJson[]>(['runs', '--where', 'tags.team = vision', '--json']).map((run) => run.id)).toEqual([first]);

    expect(tensorloom(['tag', first, 'bad key=1'], { cwd: dir })).toMatchObject({ status: 2, stderr: expect.stringMatching(new RegExp(`^tensorloom: tag 'bad key' on run ${first}: a key is`)) });
    expect(tensorloom(['tag', 'nope', 'a=b'], { cwd: dir })).toMatchObject({ status: 2, stderr: "tensorloom: no run 'nope' in this workspace\n" });
    expect(tensorloom(['tag', first, 'novalue'], { cwd: dir })).toMatchObject({ status: 2, stderr: expect.stringContaining("'novalue': write key=value") });
  });

  it('reproduces a seeded run with identical metrics and model bytes', () => {
    const result = tensorloom(['reproduce', first, '--json'], { cwd: dir });
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as {
      identical: boolean;
      reproducedRunId: string;
      backend: { same: boolean };
      outputs: { node: string; port: string; identical: boolean; timingOnly?: boolean }[];
      metrics: { node: string; metric: string; maxAbsDiff: number; timing: boolean }[];
      changedSources: unknown[];
    };
    expect(report).toMatchObject({ identical: true, backend: { same: true }, changedSources: [] });
    expect(report.outputs.find((output) => output.node === 'train' && output.port === 'model')).toMatchObject({ identical: true });
    expect(report.metrics.filter((metric) => !metric.timing).every((metric) => metric.maxAbsDiff === 0)).toBe(true);
    expect(report.metrics.find((metric) => metric.metric === 'secondsPerEpoch')).toMatchObject({ timing: true });
    // The new run computed every node, and says what it reproduces.
    const shown = JSON.parse(tensorloom(['show', report.reproducedRunId, '--json'], { cwd: dir }).stdout) as { nodes: Record<string, { cached: boolean }>; tags: Record<string, string>; experiment: string };
    expect(Object.values(shown.nodes).some((node) => node.cached)).toBe(false);
    expect(shown).toMatchObject({ tags: { 'reproduce.of': first }, experiment: 'penguins-small' });

    // A changed data file is reported, and the results then differ.
    writeFileSync(join(dir, 'data', 'penguins.csv'), readFileSync(join(dir, 'data', 'penguins.csv'), 'utf8').split('\n').slice(0, 200).join('\n') + '\n');
    const changed = tensorloom(['reproduce', first], { cwd: dir });
    expect(changed.status).toBe(1);
    expect(changed.stdout).toContain('source file changed since the run: load data/penguins.csv');
    expect(changed.stdout).toMatch(/: differs\n/);
    expect(tensorloom(['reproduce', 'nope'], { cwd: dir })).toMatchObject({ status: 2, stderr: expect.stringContaining("no run 'nope' in this workspace") });
  }, 120_000);

  it('records a run under --experiment, and exports runs for MLflow', () => {
    const sweep = json<{ runId: string }>(['run', 'penguins-small.pipeline.json', '--until', 'load', '--experiment', 'sweep', '--json']).runId;
    expect(json<RunJson[]>(['runs', '--experiment', 'sweep', '--json']).map((run) => run.id)).toEqual([sweep]);

    const exported = tensorloom(['export-mlflow', '--out', 'mlruns', '--experiment', 'penguins-small'], { cwd: dir });
    expect(exported.status, exported.stderr).toBe(0);
    expect(exported.stdout).toMatch(/^exported 4 runs to mlruns: penguins-small \(4 runs, id \d+\)\n/);
    const experimentId = /id (\d+)/.exec(exported.stdout)![1]!;
    expect(readFileSync(join(dir, 'mlruns', experimentId, 'meta.yaml'), 'utf8')).toContain('name: penguins-small');
    expect(existsSync(join(dir, 'mlruns', experimentId))).toBe(true);
    expect(tensorloom(['export-mlflow'], { cwd: dir })).toMatchObject({ status: 2, stderr: expect.stringContaining('needs --out DIR') });
  });
});
