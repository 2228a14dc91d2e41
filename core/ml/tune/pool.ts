/**
 * Worker threads for a search's folds: `size` threads, each with its own TensorFlow.js
 * backend and a copy of the input table, each training one fold at a time. A cancel
 * terminates them at once (a fold in flight is lost; finished ones are already recorded).
 */
import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker } from '../../base/module-worker.js';
import type { DataTable } from '../../base/table.js';
import { encodeTable } from '../../data/arrow-io.js';
import type { DenseOptions } from '../trainer.js';
import type { FoldPlan } from './folds.js';
import type { FoldFailure, FoldOutcome } from './trial.js';
import type { FromTrialWorker, ToTrialWorker } from './trial-protocol.js';

/** A fold's result; `startedAt` (ms since the epoch): when a thread took it up. */
export type FoldResult = ({ ok: true; outcome: FoldOutcome } | { ok: false; failure: FoldFailure }) & { startedAt?: number };

interface Pending {
  resolve(result: FoldResult): void;
  reject(error: Error): void;
}

export class TrialPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: { resume(worker: Worker): void; reject(error: Error): void }[] = [];
  private readonly pending = new Map<Worker, Pending>();
  private readonly workers: Worker[] = [];
  private nextId = 0;
  private failure: Error | undefined;

  constructor(size: number, input: DataTable, plan: FoldPlan) {
    const bytes = encodeTable(input);
    for (let k = 0; k < size; k++) {
      const worker = spawnModuleWorker(import.meta.url, 'trial-worker');
      worker.postMessage({ type: 'init', table: bytes, k: plan.k, roles: plan.roles, fold: plan.fold } satisfies ToTrialWorker);
      worker.on('message', (message: FromTrialWorker) => {
        const job = this.pending.get(worker);
        this.pending.delete(worker);
        if (message.type === 'error') {
          const error = new Error(`a trial worker failed: ${message.message}`);
          if (message.stack) error.stack = message.stack;
          job?.reject(error);
        } else job?.resolve(message.ok ? { ok: true, outcome: message.outcome } : { ok: false, failure: message.failure });
        this.release(worker);
      });
      const fail = (error: Error) => {
        this.failure ??= error;
        const job = this.pending.get(worker);
        this.pending.delete(worker);
        job?.reject(error);
      };
      worker.on('error', (error) => fail(new Error(`a trial worker thread crashed: ${error.message}`)));
      worker.on('exit', (code) => fail(new Error(`a trial worker thread exited (code ${code})`)));
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  /** Trains and scores one fold on the next free thread. */
  async run(options: DenseOptions, fold: number): Promise<FoldResult> {
    if (this.failure) throw this.failure;
    const worker = this.idle.pop() ?? (await new Promise<Worker>((resume, reject) => this.waiting.push({ resume, reject })));
    const startedAt = Date.now();
    return new Promise<FoldResult>((resolve, reject) => {
      this.pending.set(worker, { resolve: (result) => resolve({ ...result, startedAt }), reject });
      worker.postMessage({ type: 'job', id: this.nextId++, options, fold } satisfies ToTrialWorker);
    });
  }

  /** Ends every thread; folds in flight reject with `reason`. */
  async close(reason: Error = new Error('the search ended')): Promise<void> {
    this.failure ??= reason;
    for (const [worker, job] of this.pending) {
      this.pending.delete(worker);
      job.reject(reason);
    }
    for (const waiter of this.waiting.splice(0)) waiter.reject(reason);
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private release(worker: Worker): void {
    const next = this.waiting.shift();
    if (next) next.resume(worker);
    else this.idle.push(worker);
  }
}

