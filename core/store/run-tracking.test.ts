import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDirs } from './test-fixtures/temp-dirs.js';
import { WorkspaceStore } from './workspace-store.js';

const dirs = tempDirs();
const stores: WorkspaceStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  dirs.cleanup();
});

function open(): WorkspaceStore {
  const store = WorkspaceStore.open(join(dirs.make(), '.tensorloom'));
  stores.push(store);
  return store;
}

const input = { pipelineName: 'wine', pipelineHash: 'sha256:00', pipelinePath: null, pipelineJson: '{}', until: null, overrides: {} };

describe('run tags, notes and experiments', () => {
  it('sets, replaces and removes tags; keeps a note; both survive a reopen', () => {
    const store = open();
    const runId = store.createRun(input);
    expect(store.setRunTags(runId, { team: 'vision', 'model.kind': 'mlp' })).toEqual({ team: 'vision', 'model.kind': 'mlp' });
    expect(store.setRunTags(runId, { team: 'nlp', 'model.kind': null })).toEqual({ team: 'nlp' });
    expect(store.setRunNote(runId, 'baseline for the Q3 report')).toBe('baseline for the Q3 report');
    const dir = store.dir;
    store.close();
    const again = WorkspaceStore.open(dir);
    stores.push(again);
    expect(again.getRun(runId)).toMatchObject({ tags: { team: 'nlp' }, note: 'baseline for the Q3 report', experiment: 'wine' });
    expect(again.setRunNote(runId, '  ')).toBeNull();
    expect(again.getRun(runId)!.note).toBeNull();
  });

  it('refuses bad keys, reserved keys and unknown runs, naming the run and changing nothing', () => {
    const store = open();
    const runId = store.createRun(input);
    expect(() => store.setRunTags(runId, { ok: 'yes', 'bad key': 'x' })).toThrow(`tag 'bad key' on run ${runId}: a key is 1 to 250 letters`);
    expect(() => store.setRunTags(runId, { 'mlflow.runName': 'x' })).toThrow("keys starting with 'mlflow.' are MLflow's own");
    expect(() => store.setRunTags(runId, { long: 'x'.repeat(5001) })).toThrow('a value is at most 5000 characters');
    expect(store.getRun(runId)!.tags).toEqual({});
    expect(() => store.setRunTags('20990101-000000-zzzz', { a: 'b' })).toThrow("no run '20990101-000000-zzzz' in this workspace");
    expect(() => store.setRunNote('20990101-000000-zzzz', 'x')).toThrow("no run '20990101-000000-zzzz' in this workspace");
  });

  it('groups runs into experiments; a run linked to its first file follows the new name unless its experiment was chosen', () => {
    const store = open();
    const draft = store.createRun({ ...input, pipelineName: 'untitled' });
    const chosen = store.createRun({ ...input, pipelineName: 'untitled', experiment: 'sweep' });
    store.createRun({ ...input, parentRunId: chosen, parentNodeId: 'tune' });
    store.linkRunsToPipeline([draft, chosen], '/w/wine.pipeline.json', 'wine');
    expect(store.getRun(draft)!.experiment).toBe('wine');
    expect(store.getRun(chosen)!.experiment).toBe('sweep');
    expect(store.experiments().map((experiment) => [experiment.name, experiment.runs]).sort()).toEqual([
      ['sweep', 1],
      ['wine', 1],
    ]);
    expect(store.trackedRunIds({ experiment: 'wine' })).toEqual([draft]);
    expect(store.trackedRunIds({ experiment: 'wine', children: true })).toHaveLength(2);
  });
});
