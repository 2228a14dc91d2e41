import type { AttachedArtifact, LogLevel } from '../base/context.js';
import type { JobResult, NodeJob } from './run-node.js';

/** Messages between the engine's main thread and a worker thread. */
export type ToWorker =
  | { type: 'run'; moduleUrl: string; storeDir: string; job: NodeJob }
  | { type: 'abort' };

export type FromWorker =
  | { type: 'progress'; fraction: number; message?: string }
  | { type: 'log'; level: LogLevel; message: string }
  | { type: 'metric'; name: string; value: number; step?: number }
  | { type: 'backend'; name: string }
  | { type: 'attach'; artifact: AttachedArtifact; written: number }
  | { type: 'result'; result: JobResult };
