import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sampleRun, tempDirs } from './test-fixtures/temp-dirs.js';
import { WorkspaceStore } from './workspace-store.js';

const dirs = tempDirs();
let store: WorkspaceStore;
beforeEach(() => {
  store = WorkspaceStore.open(join(dirs.make(), '.tensorloom'));
});
afterEach(() => {
  store.close();
  dirs.cleanup();
});

/** Two sources feed the model through a join; a third source and a writer hang off elsewhere. */
const pipeline = {
  format: 'tensorloom/pipeline@1',
  name: 'lineage',
  nodes: [
    { id: 'a', type: 'data.csv', params: {} },
    { id: 'b', type: 'data.jsonl', params: {} },
    { id: 'unrelated', type: 'data.parquet', params: {} },
    { id: 'split', type: 'data.split', params: {} },
    { id: 'train', type: 'train.dense', params: {} },
  ],
  edges: [
    { from: 'a.table', to: 'split.table' },
    { from: 'b.table', to: 'train.extra' },
    { from: 'split.table', to: 'train.table' },
  ],
};

async function record(runId: string, nodeId: string, port: string, text: string, cached = false) {
  const ref = await store.artifacts.putBytes(text);
  store.upsertNodeExecution(runId, nodeId, { status: cached ? 'cached' : 'succeeded', cached });
  store.recordOutputs(runId, nodeId, { [port]: { hash: ref.hash, type: port === 'model' ? 'model' : 'table', size: ref.size } });
  return ref.hash;
}

describe('artifactLineage', () => {
  it('finds the run and node that output a hash, with its pipeline hash and the hashes of the data sources behind it', async () => {
    const runId = store.createRun({ ...sampleRun, pipelineHash: 'sha256:' + 'a'.repeat(64), pipelineJson: JSON.stringify(pipeline) });
    const a = await record(runId, 'a', 'table', 'table a');
    const b = await record(runId, 'b', 'table', 'table b');
    await record(runId, 'unrelated', 'table', 'table c');
    await record(runId, 'split', 'table', 'split');
    const model = await record(runId, 'train', 'model', 'model bytes');
    expect(store.artifactLineage(model)).toEqual({
      runId,
      nodeId: 'train',
      port: 'model',
      pipelineName: 'sample',
      pipelineHash: 'sha256:' + 'a'.repeat(64),
      dataHashes: [a, b].sort(),
    });
    // A source node's own output is its own data.
    expect(store.artifactLineage(a)?.dataHashes).toEqual([a]);
  });

  it('prefers the run that computed the artifact over later runs that reused it from the cache', async () => {
    const first = store.createRun({ ...sampleRun, pipelineJson: JSON.stringify(pipeline) });
    const model = await record(first, 'train', 'model', 'model bytes');
    const second = store.createRun({ ...sampleRun, pipelineJson: JSON.stringify(pipeline) });
    await record(second, 'train', 'model', 'model bytes', true);
    expect(store.artifactLineage(model)?.runId).toBe(first);
  });

  it('is undefined for a hash no run output', () => {
    expect(store.artifactLineage('sha256:' + 'f'.repeat(64))).toBeUndefined();
  });
});
