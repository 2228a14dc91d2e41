export { Engine } from './executor.js';
export type { EngineOptions, RunRequest, RunResult, NodeSummary } from './executor.js';
export type { EngineEvent, EngineEventListener, NodeState, RunOutcome } from './events.js';
export { isFinalState, hasOutputs } from './events.js';
export { cacheKey } from './cache-key.js';
export { DEFAULT_DISK_BUDGET, DISK_BUDGET_ENV, DiskBudgetError, formatBytes, parseDiskBudget, resolveDiskBudget } from './disk-budget.js';
export type { DiskBudget, DiskBudgetSetting } from './disk-budget.js';
