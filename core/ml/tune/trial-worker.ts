/**
 * Entry of a search's trial worker thread: receives the input table once, then trains and
 * scores one fold per job (core/ml/tune/trial.ts), one job at a time.
 */
import { parentPort } from 'node:worker_threads';
import type { DataTable } from '../../base/table.js';
import { decodeTable } from '../../data/arrow-io.js';
import type { FoldPlan } from './folds.js';
import { foldTable, runFold, scoringRows } from './trial.js';
import type { FromTrialWorker, ToTrialWorker } from './trial-protocol.js';

const port = parentPort;
if (!port) throw new Error('trial-worker must run in a worker thread');

let input: DataTable | undefined;
let plan: FoldPlan | undefined;
const tables = new Map<number, { table: DataTable; scored: Int32Array }>();
// The search terminates this thread to cancel; a signal that never aborts is all a job needs.
const signal = new AbortController().signal;
const send = (message: FromTrialWorker) => port.postMessage(message);

// One job at a time, in order: the search sends a job only to an idle worker.
let queue = Promise.resolve();
port.on('message', (message: ToTrialWorker) => {
  if (message.type === 'init') {
    input = decodeTable(message.table, 'the search input');
    plan = { k: message.k, roles: message.roles, fold: message.fold };
    tables.clear();
    return;
  }
  queue = queue.then(async () => {
    try {
      if (!input || !plan) throw new Error('a trial job arrived before the table');
      let fold = tables.get(message.fold);
      if (!fold) tables.set(message.fold, (fold = { table: foldTable(input, plan, message.fold), scored: scoringRows(plan, message.fold) }));
      const result = await runFold(fold.table, fold.scored, message.options, signal);
      send(result.ok ? { type: 'done', id: message.id, ok: true, outcome: result.outcome } : { type: 'done', id: message.id, ok: false, failure: result.failure });
    } catch (error) {
      send({ type: 'error', id: message.id, message: error instanceof Error ? error.message : String(error), ...(error instanceof Error && error.stack ? { stack: error.stack } : {}) });
    }
  });
});
