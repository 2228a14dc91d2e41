/**
 * The JSON lines the server logs per request (a prediction-log record and an access-log entry),
 * built by hand from parts precomputed per model. The log's budget is a few microseconds per
 * request (issue 13: at most 10% of throughput); building a record object and passing it to
 * JSON.stringify cost about three times that. Each line parses back to exactly the record
 * JSON.stringify would have written (log-lines.test.ts checks it on awkward values).
 */
import type { ModelBundle } from '../ml/bundle-format.js';
import type { AccessEntry } from './access-log.js';
import type { PredictionResult } from './predictor.js';

/** `new Date(ms).toISOString()`, computed once per millisecond (many requests share one). */
let isoMs = Number.NaN;
let iso = '';
export function isoTime(ms: number): string {
  if (ms !== isoMs) {
    isoMs = ms;
    iso = new Date(ms).toISOString();
  }
  return iso;
}

/** A number as JSON writes it (NaN and ±Infinity become null). */
function jsonNumber(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/** Writes the prediction-log lines of one served model version. */
export class PredictionLines {
  private readonly head: string;
  private readonly featureKeys: readonly string[];
  private readonly classesTail: string;
  private readonly width: number;

  constructor(name: string, version: string, bundle: ModelBundle, inputNames: readonly string[]) {
    this.head = `,"model":${JSON.stringify(name)},"version":${JSON.stringify(version)},"latencyMs":`;
    this.featureKeys = inputNames.map((input, k) => `${k === 0 ? '' : ','}${JSON.stringify(input)}:`);
    const classes = bundle.classes ?? [];
    this.width = classes.length;
    this.classesTail = `,"classes":${JSON.stringify(classes.map(String))}`;
  }

  /**
   * One PredictionRecord as a JSON line. `id` is a request id (only characters JSON needs no
   * escape for); `columns` are the raw features, or undefined when the sample leaves them out.
   */
  line(id: string, timeMs: number, latencyMs: number, columns: readonly (readonly unknown[])[] | undefined, result: PredictionResult): string {
    let text = `{"id":"${id}","time":"${isoTime(timeMs)}"${this.head}${jsonNumber(latencyMs)},"rows":${result.rows}`;
    if (columns) {
      text += ',"features":{';
      for (let k = 0; k < this.featureKeys.length; k++) text += this.featureKeys[k]! + (JSON.stringify(columns[k]) ?? 'null');
      text += '}';
    }
    text += `,"predictions":${JSON.stringify(result.predictions)}`;
    const probabilities = result.probabilities;
    if (probabilities) {
      text += ',"probabilities":[';
      for (let row = 0; row < result.rows; row++) {
        text += row === 0 ? '[' : ',[';
        const start = row * this.width;
        for (let c = 0; c < this.width; c++) text += (c === 0 ? '' : ',') + jsonNumber(probabilities[start + c]!);
        text += ']';
      }
      text += ']' + this.classesTail;
    }
    return text + '}\n';
  }
}

/**
 * `JSON.stringify(text)` for the few texts every access line repeats (method, path, route,
 * model, version), remembered: the same handful come back on every request. Bounded, so paths
 * a client makes up cannot grow it without end.
 */
const quoted = new Map<string, string>();
function quote(text: string): string {
  let json = quoted.get(text);
  if (json === undefined) {
    if (quoted.size >= 512) quoted.clear();
    quoted.set(text, (json = JSON.stringify(text)));
  }
  return json;
}

/** One AccessEntry as a JSON line (the id is a request id; the path is escaped). */
export function accessLine(entry: AccessEntry): string {
  return (
    `{"time":"${entry.time}","id":"${entry.id}","method":${quote(entry.method)},"path":${quote(entry.path)},"route":${quote(entry.route)},` +
    `"status":${entry.status},"ms":${jsonNumber(entry.ms)},"model":${quote(entry.model)},"version":${quote(entry.version)}` +
    (entry.rows === undefined ? '' : `,"rows":${entry.rows}`) +
    '}\n'
  );
}
