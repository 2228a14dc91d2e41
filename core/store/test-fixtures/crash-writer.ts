/**
 * Child process of crash-safety.test.ts: writes to a workspace store as fast as it can,
 * like a run that trains and stores artifacts, until the test kills it with SIGKILL.
 * Usage: node --import tsx crash-writer.ts <.tensorloom dir>
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileDurably } from '../durable-fs.js';
import type { OutputRecords } from '../types.js';
import { WorkspaceStore } from '../workspace-store.js';

const dotDir = process.argv[2];
if (dotDir === undefined) throw new Error('usage: crash-writer.ts <.tensorloom dir>');

const store = WorkspaceStore.open(dotDir);
const runId = store.createRun({ pipelineName: 'crash', pipelineHash: 'sha256:crash', pipelinePath: null, pipelineJson: '{}', until: null, overrides: {} });
// A write that is in progress when the kill comes, and never finishes.
writeFileSync(store.artifacts.tempPath('in-progress'), randomBytes(4096));
process.stdout.write(`run ${runId}\n`);

for (let i = 0; ; i += 1) {
  const nodeId = `node${i}`;
  store.upsertNodeExecution(runId, nodeId, { nodeType: 'test.work', status: 'running', startedAt: Date.now(), params: { i } });
  for (let epoch = 0; epoch < 25; epoch += 1) store.recordMetric(runId, nodeId, 'loss', 1 / (epoch + 1), epoch);

  const temp = store.artifacts.tempPath(`${nodeId}-table`);
  const content = randomBytes(1024 * (1 + (i % 64)));
  let table;
  if (i % 2 === 0) {
    writeFileSync(temp, content);
    table = await store.artifacts.putFile(temp);
  } else {
    // The engine's table path: hashed and flushed while written, published without a re-read.
    table = await store.artifacts.putFile(temp, await writeFileDurably(temp, [content.subarray(0, 100), content.subarray(100)]));
  }
  const outputs: OutputRecords = { table: { hash: table.hash, type: 'table', size: table.size } };
  if (i % 4 === 0) {
    const dir = store.artifacts.tempPath(`${nodeId}-model`);
    mkdirSync(join(dir, 'weights'), { recursive: true });
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ i }));
    writeFileSync(join(dir, 'weights', 'group1.bin'), randomBytes(32 * 1024));
    const model = await store.artifacts.putDir(dir);
    outputs.model = { hash: model.hash, type: 'model', size: model.size };
  }
  const plot = await store.artifacts.putBytes(randomBytes(512));

  store.saveCache(`key-${runId}-${i}`, 'test.work', outputs);
  store.recordOutputs(runId, nodeId, outputs);
  store.attachArtifact(runId, nodeId, 'plot.png', plot);
  store.recordLog(runId, nodeId, 'info', `node ${i} done`);
  store.upsertNodeExecution(runId, nodeId, { status: 'succeeded', finishedAt: Date.now(), ms: 1 });
  if (i === 10) process.stdout.write('ready\n');
}
