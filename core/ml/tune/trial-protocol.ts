/** Messages between a search and its trial worker threads (core/ml/tune/pool.ts). */
import type { DenseOptions } from '../trainer.js';
import type { FoldFailure, FoldOutcome } from './trial.js';

export type ToTrialWorker =
  /** Once per worker: the input table (Arrow IPC bytes, recipe included) and the fold plan. */
  | { type: 'init'; table: Uint8Array; k: number; roles: Uint8Array; fold: Int8Array }
  | { type: 'job'; id: number; options: DenseOptions; fold: number };

export type FromTrialWorker =
  | { type: 'done'; id: number; ok: true; outcome: FoldOutcome }
  | { type: 'done'; id: number; ok: false; failure: FoldFailure }
  /** Not a user's mistake: a bug or a crash, reported with its stack. */
  | { type: 'error'; id: number; message: string; stack?: string };
