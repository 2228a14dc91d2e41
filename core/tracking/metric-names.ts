/**
 * What a metric's name says about it, read word by word (`val_loss` → val, loss;
 * `secondsPerEpoch` → seconds, per, epoch). Higher is better, except for losses, errors and
 * costs (loss, logloss, error, rmse, mae, mse, mape, latency and timings). Timings also
 * differ between two runs of the same seeded computation, so `reproduce` reports them
 * without counting them.
 */
const TIMING_WORDS = new Set(['seconds', 'second', 'secs', 'sec', 'ms', 'millis', 'milliseconds', 'duration', 'elapsed', 'latency', 'time', 'took']);
const COST_WORDS = new Set(['loss', 'logloss', 'error', 'err', 'errors', 'rmse', 'mae', 'mse', 'mape', 'rmsle', 'msle', 'wer', 'cer', 'perplexity']);

function words(name: string): string[] {
  return name
    .split(/[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])/)
    .filter(Boolean)
    .map((word) => word.toLowerCase());
}

export function isTimingMetric(name: string): boolean {
  return words(name).some((word) => TIMING_WORDS.has(word));
}

export function lowerIsBetter(name: string): boolean {
  return words(name).some((word) => COST_WORDS.has(word) || TIMING_WORDS.has(word) || word.endsWith('loss') || word.endsWith('error'));
}
