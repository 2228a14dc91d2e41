import type { ModelLineage } from '../base/context.js';
import type { WorkspaceStore } from '../store/index.js';
import type { ContextCall } from './run-node.js';

/**
 * Answers what a running node asks of the store (ctx.state, ctx.lineage), on the thread
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
  }
}
