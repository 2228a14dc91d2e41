import type { ModelLineage, RegisterOutcome } from '../base/context.js';
import { NodeError } from '../base/errors.js';
import { isRegistryError, ModelRegistry } from '../registry/index.js';
import type { WorkspaceStore } from '../store/index.js';
import type { ContextCall } from './run-node.js';

/**
 * Answers what a running node asks of the store (ctx.state, ctx.lineage, ctx.registry, ctx.trials), on the thread
 * that holds the database. State is scoped by node type; the writer is recorded.
 */
export function answerContextCall(
  store: WorkspaceStore,
  call: ContextCall,
  caller: { nodeType: string; runId: string; nodeId: string },
): unknown {
  switch (call.op) {
    case 'state.get':
      return store.getNodeState(caller.nodeType, call.key);
    case 'state.set':
      store.setNodeState(caller.nodeType, call.key, call.valueJson, { runId: caller.runId, nodeId: caller.nodeId });
      return undefined;
    case 'state.delete':
      return store.deleteNodeState(caller.nodeType, call.key);
    case 'lineage': {
      const found = store.artifactLineage(call.hash);
      if (found === undefined) return undefined;
      const lineage: ModelLineage = {
        runId: found.runId,
        nodeId: found.nodeId,
        pipelineName: found.pipelineName,
        pipelineHash: found.pipelineHash,
        dataHashes: found.dataHashes,
      };
      return lineage;
    }
    case 'registry.register':
      return registerModel(store, call, caller);
    case 'trial.record':
      return store.recordChildRun(caller.runId, caller.nodeId, call.trial);
    case 'stream.read':
      // A full run answers this itself (executor.ts: the engine's stream host); a single step has none.
      throw new NodeError(`node '${caller.nodeId}' reads a stream, which only a whole run hosts ('tensorloom run', 'tensorloom watch --stream' or the app)`);
  }
}

/** ctx.registry.register: the registry's own mistakes (a bad name, a gate naming a missing metric) are the user's to fix. */
async function registerModel(store: WorkspaceStore, call: Extract<ContextCall, { op: 'registry.register' }>, caller: { runId: string; nodeId: string }): Promise<RegisterOutcome> {
  try {
    return await new ModelRegistry(store).register(call.hash, call.request, { runId: caller.runId, nodeId: caller.nodeId });
  } catch (error) {
    if (isRegistryError(error)) throw new NodeError(error.message, error.field === undefined ? {} : { field: error.field });
    throw error;
  }
}
