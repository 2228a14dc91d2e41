import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker } from '../base/module-worker.js';
import { isNodeError } from '../base/errors.js';
import { stepKinds } from '../ml/recipe/registry.js';
import { isStoreError } from '../store/index.js';
import type { JobReporter, JobResult, NodeJob } from './run-node.js';
import type { FromWorker, ToWorker } from './worker-protocol.js';

/** How long a node may ignore an abort before its worker thread is terminated. */
export const CANCEL_GRACE_MS = 500;

/**
 * Runs node jobs in worker threads, at most `size` at once, reusing idle threads. Cancel
 * asks the node to stop and terminates the thread if it has not stopped within
 * CANCEL_GRACE_MS: a worker node always stops within a second.
 */
export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Set<Worker>();
  private readonly waiting: (() => void)[] = [];
  private closed = false;

  constructor(readonly size: number) {}

  async run(moduleUrl: string, storeDir: string, job: NodeJob, reporter: JobReporter, signal: AbortSignal): Promise<JobResult> {
    while (this.busy.size >= this.size) await new Promise<void>((resume) => this.waiting.push(resume));
    if (signal.aborted) return { ok: false, userError: true, message: 'cancelled' };
    const worker = this.idle.pop() ?? spawnModuleWorker(import.meta.url, 'worker-main');
    worker.ref();
    this.busy.add(worker);
    let reusable = true;
    try {
      return await new Promise<JobResult>((resolve) => {
        let killTimer: NodeJS.Timeout | undefined;
        const finish = (result: JobResult) => {
          clearTimeout(killTimer);
          signal.removeEventListener('abort', onAbort);
          worker.off('message', onMessage);
          worker.off('error', onError);
          worker.off('exit', onExit);
          resolve(result);
        };
        const onMessage = (message: FromWorker) => {
          try {
            switch (message.type) {
              case 'progress': return reporter.progress(message.fraction, message.message);
              case 'log': return reporter.log(message.level, message.message);
              case 'metric': return reporter.metric(message.name, message.value, message.step);
              case 'backend': return reporter.backend(message.name);
              case 'attach': return reporter.attach(message.artifact, message.written);
              case 'request':
                return void reporter.request(message.call).then(
                  (value) => worker.postMessage({ type: 'reply', id: message.id, ok: true, value } satisfies ToWorker),
                  (error: unknown) =>
                    worker.postMessage({ type: 'reply', id: message.id, ok: false, message: error instanceof Error ? error.message : String(error), userError: isNodeError(error) || isStoreError(error) } satisfies ToWorker),
                );
              case 'result': return finish(message.result);
            }
          } catch (error) {
            // A throw here would be uncaught (an event handler) and end the process: fail the node instead.
            reusable = false;
            void worker.terminate();
            finish({ ok: false, userError: false, message: `internal error: ${error instanceof Error ? error.message : String(error)}`, ...(error instanceof Error && error.stack ? { stack: error.stack } : {}) });
          }
        };
        const onError = (error: Error) => {
          reusable = false;
          finish({ ok: false, userError: false, message: `internal error: worker thread crashed: ${error.message}`, ...(error.stack ? { stack: error.stack } : {}) });
        };
        const onExit = (code: number) => {
          reusable = false;
          finish(signal.aborted ? { ok: false, userError: true, message: 'cancelled' } : { ok: false, userError: false, message: `internal error: worker thread exited with code ${code}` });
        };
        const onAbort = () => {
          worker.postMessage({ type: 'abort' } satisfies ToWorker);
          killTimer = setTimeout(() => {
            reusable = false;
            void worker.terminate();
          }, CANCEL_GRACE_MS);
        };
        worker.on('message', onMessage);
        worker.on('error', onError);
        worker.on('exit', onExit);
        signal.addEventListener('abort', onAbort, { once: true });
        worker.postMessage({ type: 'run', moduleUrl, storeDir, job, packs: stepKinds.packModules() } satisfies ToWorker);
      });
    } finally {
      this.busy.delete(worker);
      if (reusable && !this.closed) {
        worker.unref(); // an idle thread must not keep the process alive
        this.idle.push(worker);
      } else void worker.terminate();
      this.waiting.shift()?.();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.idle, ...this.busy].map((worker) => worker.terminate()));
    this.idle.length = 0;
  }
}

