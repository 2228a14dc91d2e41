import type { LogLevel } from '../base/context.js';

/** A node's engine state. `cached` means its result was reused without running it. */
export type NodeState = 'idle' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped' | 'cached';
export type RunOutcome = 'succeeded' | 'failed' | 'cancelled';

/** The event stream one run emits, in order, to the CLI, the UI (WebSocket) and the store. */
export type EngineEvent =
  | { type: 'run.started'; runId: string; pipeline: string; nodes: string[]; until: string | null; at: number }
  | { type: 'node.state'; runId: string; nodeId: string; status: NodeState; cached: boolean; ms?: number; error?: string; at: number }
  | { type: 'node.progress'; runId: string; nodeId: string; fraction: number; message?: string }
  | { type: 'node.log'; runId: string; nodeId: string; level: LogLevel; message: string }
  | { type: 'node.metric'; runId: string; nodeId: string; name: string; value: number; step?: number }
  | { type: 'run.finished'; runId: string; status: RunOutcome; ms: number; at: number };

export type EngineEventListener = (event: EngineEvent) => void;

/** True for states after which a node does nothing more in this run. */
export function isFinalState(state: NodeState): boolean {
  return state === 'succeeded' || state === 'cached' || state === 'failed' || state === 'cancelled' || state === 'skipped';
}

/** True when a node's outputs are available to its descendants. */
export function hasOutputs(state: NodeState): boolean {
  return state === 'succeeded' || state === 'cached';
}
