/**
 * Child process of concurrency.test.ts: one of several processes writing the same
 * workspace at once. Exits 0 when every write succeeded.
 * Usage: node --import tsx concurrent-writer.ts <.tensorloom dir> <name> <runs>
 */
import { writeFileSync } from 'node:fs';
import { WorkspaceStore } from '../workspace-store.js';

const [dotDir, name, runsArg] = process.argv.slice(2);
if (dotDir === undefined || name === undefined) throw new Error('usage: concurrent-writer.ts <.tensorloom dir> <name> <runs>');
const runs = Number(runsArg ?? 10);

const store = WorkspaceStore.open(dotDir);
for (let r = 0; r < runs; r += 1) {
  const runId = store.createRun({ pipelineName: name, pipelineHash: 'sha256:x', pipelinePath: null, pipelineJson: '{}', until: null, overrides: { r } });
  for (let n = 0; n < 3; n += 1) {
    const nodeId = `n${n}`;
    store.upsertNodeExecution(runId, nodeId, { nodeType: 'test.work', status: 'running', startedAt: Date.now() });
    for (let step = 0; step < 40; step += 1) store.recordMetric(runId, nodeId, 'loss', step, step);
    store.batch(() => {
      for (let step = 0; step < 40; step += 1) store.recordMetric(runId, nodeId, 'acc', step, step);
    });
    // The same content and cache key from every process, so they race on the same file and row.
    const temp = store.artifacts.tempPath('shared');
    writeFileSync(temp, `shared content ${r}-${n}`);
    const shared = await store.artifacts.putFile(temp);
    const own = await store.artifacts.putBytes(new TextEncoder().encode(`${name} ${r}-${n}`));
    const outputs = {
      shared: { hash: shared.hash, type: 'table' as const, size: shared.size },
      own: { hash: own.hash, type: 'report' as const, size: own.size },
    };
    store.saveCache(`shared-key-${r}-${n}`, 'test.work', { shared: outputs.shared });
    store.lookupCache(`shared-key-${r}-${n}`);
    store.recordOutputs(runId, nodeId, outputs);
    store.recordLog(runId, nodeId, 'info', `${name} wrote ${r}-${n}`);
    store.upsertNodeExecution(runId, nodeId, { status: 'succeeded', finishedAt: Date.now(), ms: 1 });
  }
  store.finishRun(runId, 'succeeded');
}
store.close();
