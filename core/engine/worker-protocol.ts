import type { AttachedArtifact, LogLevel } from '../base/context.js';
import type { PackModule } from '../ml/recipe/registry.js';
import type { ContextCall, JobResult, NodeJob } from './run-node.js';

/** Messages between the engine's main thread and a worker thread. */
export type ToWorker =
  /** `packs`: the pack modules whose step kinds the main thread registered; the worker registers them too. */
  | { type: 'run'; moduleUrl: string; storeDir: string; job: NodeJob; packs: PackModule[] }
  | { type: 'abort' }
  /** The answer to a `request`: the value, or the message of the error it raised (userError: a NodeError). */
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; message: string; userError: boolean };

export type FromWorker =
  | { type: 'progress'; fraction: number; message?: string }
  | { type: 'log'; level: LogLevel; message: string }
  | { type: 'metric'; name: string; value: number; step?: number }
  | { type: 'backend'; name: string }
  | { type: 'attach'; artifact: AttachedArtifact; written: number }
  | { type: 'request'; id: number; call: ContextCall }
  | { type: 'result'; result: JobResult };
