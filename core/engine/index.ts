export { Engine } from './executor.js';
export type { EngineOptions, RunRequest, RunResult, NodeSummary } from './executor.js';
export type { EngineEvent, EngineEventListener, NodeState, RunOutcome } from './events.js';
export { isFinalState, hasOutputs } from './events.js';
export { cacheKey } from './cache-key.js';
