/** `exportMlflow` writes MLflow's file-store layout; read back here as MLflow reads it (PyYAML safe_load, the same field checks). */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { validatePipeline } from '../graph/index.js';
import { Harness, pipeline } from '../engine/test-support/harness.js';
import { exportMlflow, mlflowRunId } from './mlflow-export.js';

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});

const doc = pipeline(
  [
    { id: 'load', type: 'test.source', params: { file: 'n.txt' } },
    { id: 'sum', type: 'test.add', params: { plus: 2 } },
    { id: 'nap', type: 'test.sleep', params: { ms: 20, tag: 'x' } },
    { id: 'train', type: 'test.model', params: { seed: 3 } },
  ],
  [
    ['load.out', 'sum.a'],
    ['sum.out', 'nap.in'],
  ],
  'adder',
);

/** What MLflow's FileStore reads, parsed by PyYAML: every meta.yaml under `out`, by relative path. */
function readWithPython(out: string): Record<string, Record<string, unknown>> {
  const script = `
import json, os, sys, yaml
root = sys.argv[1]
found = {}
for folder, _, files in os.walk(root):
    if 'meta.yaml' in files:
        with open(os.path.join(folder, 'meta.yaml')) as f:
            found[os.path.relpath(folder, root)] = yaml.safe_load(f)
print(json.dumps(found))`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, out], { encoding: 'utf8' })) as Record<string, Record<string, unknown>>;
}

describe('export-mlflow', () => {
  it("writes experiments and runs in MLflow's file-store layout", async () => {
    const harness = new Harness();
    harnesses.push(harness);
    writeFileSync(join(harness.root, 'n.txt'), '40');
    const validated = validatePipeline(doc, harness.registry);
    if (!validated.ok) throw new Error('invalid');
    const result = await harness.engine.run({ pipeline: validated.pipeline, pipelinePath: join(harness.root, 'adder.pipeline.json'), pipelineDir: harness.root, trigger: 'cli' });
    harness.store.setRunTags(result.runId, { team: 'vision' });
    harness.store.setRunNote(result.runId, 'first try');
    const out = join(harness.root, 'mlruns');

    const report = exportMlflow({ store: harness.store, workspaceRoot: harness.root, out });
    const uuid = mlflowRunId(result.runId);
    expect(uuid).toMatch(/^[0-9a-f]{32}$/);
    expect(report.experiments).toEqual([{ name: 'adder', id: expect.stringMatching(/^\d+$/), runs: 1 }]);
    const experimentId = report.experiments[0]!.id;

    const metas = readWithPython(out);
    expect(metas['0']).toMatchObject({ experiment_id: '0', name: 'Default', lifecycle_stage: 'active' });
    expect(metas[experimentId]).toEqual({
      artifact_location: pathToFileURL(join(out, experimentId)).href,
      creation_time: expect.any(Number),
      experiment_id: experimentId, // a string, as MLflow compares it with the folder name
      last_update_time: expect.any(Number),
      lifecycle_stage: 'active',
      name: 'adder',
    });
    const run = harness.store.getRun(result.runId)!;
    expect(metas[`${experimentId}/${uuid}`]).toEqual({
      artifact_uri: pathToFileURL(join(out, experimentId, uuid, 'artifacts')).href,
      end_time: run.finishedAt,
      entry_point_name: '',
      experiment_id: experimentId,
      lifecycle_stage: 'active',
      run_id: uuid,
      run_name: result.runId,
      run_uuid: uuid,
      source_name: '',
      source_type: 4, // SourceType.LOCAL
      source_version: '',
      start_time: run.startedAt,
      status: 3, // RunStatus.FINISHED
      tags: [],
      user_id: expect.any(String),
    });
    expect(existsSync(join(out, '.trash'))).toBe(true);

    const runDir = join(out, experimentId, uuid);
    const read = (...path: string[]) => readFileSync(join(runDir, ...path), 'utf8');
    expect(readdirSync(join(runDir, 'params')).sort()).toEqual(['load.file', 'load.value', 'nap.ms', 'nap.tag', 'sum.plus', 'train.fail', 'train.seed']);
    expect(read('params', 'sum.plus')).toBe('2');
    expect(read('params', 'load.file')).toBe('n.txt');
    expect(read('params', 'train.fail')).toBe('false');
    // Metric files: `timestamp value step` per point, as FileStore._get_metric_from_line parses them.
    expect(read('metrics', 'sum.sum')).toMatch(/^\d{13} 43 0\n$/);
    const steps = read('metrics', 'nap.step').trim().split('\n').map((line) => line.split(' '));
    expect(steps).toHaveLength(10);
    expect(steps.map(([, value, step]) => [Number(value), Number(step)])).toEqual(Array.from({ length: 10 }, (_, i) => [i + 1, i + 1]));
    expect(read('tags', 'mlflow.runName')).toBe(result.runId);
    expect(read('tags', 'mlflow.source.type')).toBe('LOCAL');
    expect(read('tags', 'mlflow.source.name')).toBe('adder.pipeline.json');
    expect(read('tags', 'mlflow.note.content')).toBe('first try');
    expect(read('tags', 'team')).toBe('vision');
    expect(read('tags', 'tensorloom.runId')).toBe(result.runId);
    expect(JSON.parse(read('tags', 'tensorloom.environment'))).toMatchObject({ node: process.versions.node });
    // Artifacts: the snapshot, each output by node (a model as a folder).
    expect(JSON.parse(read('artifacts', 'pipeline.json'))).toMatchObject({ name: 'adder' });
    expect(JSON.parse(read('artifacts', 'sum', 'out.json'))).toEqual({ value: 43 });
    expect(read('artifacts', 'train', 'model', 'model.json')).toBe('{"seed":3}');

    // Exporting again replaces the same folders: same ids, nothing stale left behind.
    writeFileSync(join(runDir, 'params', 'stale'), 'x');
    const again = exportMlflow({ store: harness.store, workspaceRoot: harness.root, out, experiment: 'adder' });
    expect(again.runs).toEqual([{ runId: result.runId, mlflowRunId: uuid, experimentId }]);
    expect(existsSync(join(runDir, 'params', 'stale'))).toBe(false);
  });

  it('keeps the id of an experiment of the same name already in the store, and refuses an unknown experiment', async () => {
    const harness = new Harness();
    harnesses.push(harness);
    writeFileSync(join(harness.root, 'n.txt'), '1');
    const validated = validatePipeline(doc, harness.registry);
    if (!validated.ok) throw new Error('invalid');
    await harness.engine.run({ pipeline: validated.pipeline, pipelinePath: null, pipelineDir: harness.root, until: 'sum' });
    const out = join(harness.root, 'mlruns');
    mkdirSync(join(out, '123'), { recursive: true });
    writeFileSync(join(out, '123', 'meta.yaml'), 'artifact_location: file:///x\ncreation_time: 1\nexperiment_id: \'123\'\nlast_update_time: 1\nlifecycle_stage: active\nname: adder\n');
    expect(exportMlflow({ store: harness.store, workspaceRoot: harness.root, out }).experiments).toEqual([{ name: 'adder', id: '123', runs: 1 }]);
    expect(() => exportMlflow({ store: harness.store, workspaceRoot: harness.root, out, experiment: 'nope' })).toThrow("no experiment 'nope' in this workspace; experiments are: adder");
  });
});
