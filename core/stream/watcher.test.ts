import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validatePipeline } from '../graph/index.js';
import type { PipelineDoc } from '../graph/types.js';
import { defineNode, port, z } from '../sdk/index.js';
import { fixtureNodes } from '../engine/test-support/fixture-nodes.js';
import { Harness, pipeline } from '../engine/test-support/harness.js';
import { parseCron } from './cron.js';
import { FolderTrigger } from './folder-trigger.js';
import { TRIGGER_STATE_TYPE, Watcher, type WatcherOptions } from './watcher.js';

/** A drift check whose verdict is the number in a file ("1" drifted, "0" not). */
const driftCheck = defineNode({
  type: 'test.driftCheck', version: 1, category: 'monitor', title: 'Drift check', description: 'datasetDrift from a file.',
  inputs: {},
  outputs: { out: port('metrics') },
  params: z.object({ file: z.string() }),
  sourceFiles: (params) => [{ param: 'file', path: params.file }],
  async run({ params }, ctx) {
    const drift = Number(readFileSync(ctx.workspace.resolve(params.file, 'file'), 'utf8').trim());
    ctx.metric('datasetDrift', drift);
    return { out: { value: drift } };
  },
});

let harness: Harness;
let watcher: Watcher | undefined;
afterEach(async () => {
  await watcher?.stop();
  watcher = undefined;
  await harness.close();
});

function makeWatcher(doc: PipelineDoc, options: Partial<WatcherOptions> = {}): { watcher: Watcher; lines: string[] } {
  const validated = validatePipeline(doc, harness.registry);
  if (!validated.ok) throw new Error(validated.issues.map((issue) => issue.message).join('; '));
  const pipelinePath = join(harness.root, 'watched.pipeline.json');
  writeFileSync(pipelinePath, JSON.stringify(doc));
  const lines: string[] = [];
  watcher = new Watcher({
    engine: harness.engine,
    store: harness.store,
    workspaceRoot: harness.root,
    pipeline: validated.pipeline,
    pipelinePath,
    pipelineDir: harness.root,
    onLine: (line) => lines.push(line),
    ...options,
  });
  return { watcher, lines };
}

const triggers = () => harness.store.listRuns().map((run) => run.trigger).reverse();

describe('FolderTrigger', () => {
  it('counts a new file once, after it stopped growing; ignores hidden files and what was there before', () => {
    harness = new Harness();
    const dir = join(harness.root, 'incoming');
    mkdirSync(dir);
    writeFileSync(join(dir, 'old.csv'), 'a\n1\n');
    const fired: string[][] = [];
    const folder = new FolderTrigger({ dir, settleMs: 1000, onFiles: (names) => fired.push(names) });
    expect(folder.poll(0)).toEqual([]);

    writeFileSync(join(dir, 'new.csv'), 'a\n');
    writeFileSync(join(dir, '.new.csv.part'), 'a\n');
    expect(folder.poll(1000)).toEqual([]); // first seen
    appendFileSync(join(dir, 'new.csv'), '1\n2\n'); // still being written
    expect(folder.poll(2500)).toEqual([]);
    expect(folder.poll(3000)).toEqual([]); // unchanged for 500 ms only
    expect(folder.poll(3500)).toEqual(['new.csv']);
    expect(folder.poll(9000)).toEqual([]);
    expect(fired).toEqual([['new.csv']]);
  });

  it('reports a folder that disappears and counts new files when it comes back', () => {
    harness = new Harness();
    const dir = join(harness.root, 'incoming');
    mkdirSync(dir);
    const events: string[] = [];
    const folder = new FolderTrigger({
      dir, settleMs: 0,
      onFiles: (names) => events.push(`files ${names.join(',')}`),
      onMissing: () => events.push('missing'),
      onBack: () => events.push('back'),
    });
    rmSync(dir, { recursive: true });
    folder.poll(0);
    folder.poll(1);
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.csv'), 'x');
    folder.poll(2);
    folder.poll(3);
    expect(events).toEqual(['missing', 'back', 'files a.csv']);
  });
});

describe('Watcher', () => {
  it('a trigger while a run is going queues exactly one run', async () => {
    harness = new Harness();
    const { watcher, lines } = makeWatcher(pipeline([{ id: 'nap', type: 'test.sleep', params: { ms: 1500 } }], []));
    expect(watcher.fire('files', 'new file a.csv')).toBe('started');
    expect(watcher.fire('files', 'new file b.csv')).toBe('queued');
    expect(watcher.fire('schedule', "schedule '* * * * *'")).toBe('joined');
    expect(watcher.fire('files', 'new file c.csv')).toBe('joined');
    await watcher.idle();
    expect(watcher.results.map((run) => [run.trigger, run.result.status])).toEqual([
      ['files', 'succeeded'],
      ['files', 'succeeded'],
    ]);
    expect(triggers()).toEqual(['files', 'files']);
    const queued = harness.store.getRun(watcher.results[1]!.result.runId)!;
    expect(harness.store.trackedRuns([queued.id])[0]!.tags['trigger.detail']).toBe("new file b.csv; schedule '* * * * *'; new file c.csv");
    expect(lines.filter((line) => line.startsWith('run '))).toHaveLength(2);
  });

  it('a schedule missed while nothing ran fires once at start, and not again', async () => {
    harness = new Harness();
    const doc = pipeline([{ id: 'one', type: 'test.source', params: { value: 1 } }], []);
    harness.store.setNodeState(TRIGGER_STATE_TYPE, 'schedule:watched.pipeline.json', JSON.stringify({ schedule: '0 3 * * *', lastFiring: Date.now() - 3 * 86_400_000 }));
    const first = makeWatcher(doc, { schedule: parseCron('0 3 * * *') });
    first.watcher.start();
    await first.watcher.idle();
    expect(first.watcher.results.map((run) => run.trigger)).toEqual(['schedule']);
    expect(first.lines[0]).toMatch(/^schedule: missed firing at .*T03:00:00.000Z/);
    await first.watcher.stop();

    const again = makeWatcher(doc, { schedule: parseCron('0 3 * * *') });
    again.watcher.start();
    await again.watcher.idle();
    expect(again.watcher.results).toEqual([]);
    expect(triggers()).toEqual(['schedule']);
  });

  it('with no stored firing, a schedule starts counting now (nothing fires at start)', async () => {
    harness = new Harness();
    const { watcher } = makeWatcher(pipeline([{ id: 'one', type: 'test.source' }], []), { schedule: parseCron('0 3 * * *') });
    watcher.start();
    await watcher.idle();
    expect(watcher.results).toEqual([]);
    expect(harness.store.getNodeState(TRIGGER_STATE_TYPE, 'schedule:watched.pipeline.json')).toMatchObject({ schedule: '0 3 * * *' });
  });

  it('--on-drift: a trigger runs the drift check; datasetDrift = 1 starts one full run (trigger drift), which never re-triggers', async () => {
    harness = new Harness({}, [...fixtureNodes, driftCheck]);
    writeFileSync(join(harness.root, 'verdict.txt'), '0');
    const doc = pipeline(
      [
        { id: 'check', type: 'test.driftCheck', params: { file: 'verdict.txt' } },
        { id: 'data', type: 'test.source', params: { value: 2 } },
        { id: 'retrain', type: 'test.add' },
      ],
      [['data.out', 'retrain.a']],
    );
    const { watcher } = makeWatcher(doc, { driftNode: 'check' });
    watcher.start();
    watcher.fire('files', 'new file a.csv');
    await watcher.idle();
    expect(watcher.results.map((run) => [run.trigger, Object.keys(run.result.nodes).sort()])).toEqual([['files', ['check']]]);

    writeFileSync(join(harness.root, 'verdict.txt'), '1');
    watcher.fire('files', 'new file b.csv');
    await watcher.idle();
    expect(watcher.results.map((run) => run.trigger)).toEqual(['files', 'files', 'drift']);
    const retrain = watcher.results[2]!.result;
    expect(retrain.nodes.retrain!.status).toBe('succeeded');
    expect(retrain.metrics.check!.datasetDrift).toBe(1);
    expect(triggers()).toEqual(['files', 'files', 'drift']);
  });

  it('--on-drift at start: the latest stored run with drift starts one retraining, once', async () => {
    harness = new Harness({}, [...fixtureNodes, driftCheck]);
    writeFileSync(join(harness.root, 'verdict.txt'), '1');
    const doc = pipeline([{ id: 'check', type: 'test.driftCheck', params: { file: 'verdict.txt' } }], []);
    const validated = validatePipeline(doc, harness.registry);
    if (!validated.ok) throw new Error('invalid');
    await harness.engine.run({ pipeline: validated.pipeline, pipelinePath: join(harness.root, 'watched.pipeline.json'), pipelineDir: harness.root, trigger: 'cli' });
    const first = makeWatcher(doc, { driftNode: 'check' });
    first.watcher.start();
    await first.watcher.idle();
    expect(first.watcher.results.map((run) => run.trigger)).toEqual(['drift']);
    await first.watcher.stop();
    const again = makeWatcher(doc, { driftNode: 'check' });
    again.watcher.start();
    await again.watcher.idle();
    expect(again.watcher.results).toEqual([]);
  });
});
