/**
 * Predictions for validated requests, micro-batched: requests that arrive while the model is
 * busy (or in the same event-loop turn) are joined into one batch, so the recipe and the
 * network run once for all of them. Rows are independent, so a row's answer is the same
 * alone or in a batch (checked bit for bit against predict.batch in the tests).
 */
import { classValue, modelInputTable, type Predictions } from '../ml/bundle-format.js';
import { predictMatrix, predictTable, type LoadedModel } from '../ml/bundle.js';
import { compileRowFeatures, type RowFeatures } from '../ml/row-features.js';
import { isNodeError } from '../base/errors.js';
import { RequestError } from './errors.js';
import { concatBatches, type InputBatch, type InputSchema } from './inputs.js';

/** One request's answers. */
export interface PredictionResult {
  readonly rows: number;
  /** The predicted class in the target's own type (classification) or the value (regression). */
  readonly predictions: readonly (string | number | boolean)[];
  /** Classification: rows × classes, in the order of `bundle.classes`. */
  readonly probabilities: Float32Array | null;
  /** Classification: the index of the predicted class in `bundle.classes`. */
  readonly classIndex: Int32Array | null;
}

interface Job {
  readonly batch: InputBatch;
  readonly resolve: (result: PredictionResult) => void;
  readonly reject: (error: unknown) => void;
}

export class BatchingPredictor {
  private queue: Job[] = [];
  private busy = false;
  private scheduled = false;
  private labels: (string | number | boolean)[] | undefined;
  /** Null when a recipe step has no row form (a node pack's): every batch then takes the table path. */
  private readonly rowFeatures: RowFeatures | null;

  constructor(
    private readonly model: LoadedModel,
    private readonly schema: InputSchema,
    /** Called with the row count of each model call (for the batch-size metric). */
    private readonly onModelCall: (rows: number) => void = () => {},
    /** Rows at most per model call; a bigger queue is served in several calls. */
    private readonly maxRows = 4096,
  ) {
    this.rowFeatures = compileRowFeatures(model.bundle);
  }

  predict(batch: InputBatch): Promise<PredictionResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.busy || this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    // setImmediate runs after the I/O callbacks of this turn: requests parsed in it join the batch.
    setImmediate(() => {
      this.scheduled = false;
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (this.queue.length > 0) {
        let rows = 0;
        let take = 0;
        while (take < this.queue.length && (take === 0 || rows + this.queue[take]!.batch.rows <= this.maxRows)) rows += this.queue[take++]!.batch.rows;
        const jobs = this.queue.splice(0, take);
        await this.run(jobs);
      }
    } finally {
      this.busy = false;
    }
  }

  private async run(jobs: readonly Job[]): Promise<void> {
    let results: PredictionResult[];
    try {
      results = splitResult(await this.compute(concatBatches(jobs.map((job) => job.batch))), jobs);
    } catch (error) {
      if (jobs.length === 1) {
        jobs[0]!.reject(asRequestError(error));
        return;
      }
      // One request's rows broke the batch: answer each alone so only that one fails.
      for (const job of jobs) await this.run([job]);
      return;
    }
    jobs.forEach((job, k) => job.resolve(results[k]!));
  }

  private async compute(batch: InputBatch): Promise<PredictionResult> {
    const { bundle } = this.model;
    const out = await this.predictRows(batch);
    this.onModelCall(batch.rows);
    if (bundle.task === 'regression') return { rows: batch.rows, predictions: Array.from(out.values!), probabilities: null, classIndex: null };
    const labels = (this.labels ??= bundle.classes!.map((_, k) => classValue(bundle, k)));
    return { rows: batch.rows, predictions: Array.from(out.classIndex!, (index) => labels[index]!), probabilities: out.probabilities, classIndex: out.classIndex };
  }

  /**
   * The compiled row path where it covers the batch (the same input matrix bit for bit, without
   * building Arrow tables); otherwise the recipe replayed on a table, which also gives the errors.
   */
  private predictRows(batch: InputBatch): Promise<Predictions> {
    if (this.rowFeatures) {
      const x = new Float32Array(batch.rows * this.rowFeatures.width);
      if (this.rowFeatures.encode(batch.columns, batch.rows, x)) return predictMatrix(this.model, x, batch.rows);
    }
    return predictTable(this.model, modelInputTable(this.model.bundle, { table: this.schema.toTable(batch), recipe: [] }));
  }
}

function splitResult(result: PredictionResult, jobs: readonly Job[]): PredictionResult[] {
  if (jobs.length === 1) return [result];
  const width = result.probabilities ? result.probabilities.length / result.rows : 0;
  let start = 0;
  return jobs.map(({ batch }) => {
    const end = start + batch.rows;
    const part = {
      rows: batch.rows,
      predictions: result.predictions.slice(start, end),
      probabilities: result.probabilities ? result.probabilities.subarray(start * width, end * width) : null,
      classIndex: result.classIndex ? result.classIndex.subarray(start, end) : null,
    };
    start = end;
    return part;
  });
}

/** A recipe refusing the data (a NodeError) is the client's to fix: 400 with its message. */
function asRequestError(error: unknown): unknown {
  if (isNodeError(error)) return new RequestError(400, error.message);
  return error;
}
