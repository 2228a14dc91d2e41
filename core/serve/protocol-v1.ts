/**
 * TensorFlow Serving's REST API: `instances` (rows) in, `predictions` out; or `inputs`
 * (columns) in, `outputs` out. Each input is a raw feature by column name.
 */
import { classValue, type InputColumn, type ModelBundle } from '../ml/bundle-format.js';
import { RequestError } from './errors.js';
import type { InputBatch, InputSchema } from './inputs.js';
import type { PredictionResult } from './predictor.js';

export type V1Format = 'instances' | 'inputs';

export function parseV1Predict(body: unknown, schema: InputSchema): { format: V1Format; batch: InputBatch } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RequestError(400, 'the body must be a JSON object with "instances" (a list of records) or "inputs" (an object of columns)');
  const request = body as Record<string, unknown>;
  for (const key of Object.keys(request)) {
    if (key !== 'instances' && key !== 'inputs' && key !== 'signature_name') throw new RequestError(400, `unknown field '${key}'; send "instances" (rows) or "inputs" (columns)`);
  }
  if (request.signature_name !== undefined && request.signature_name !== 'serving_default') {
    throw new RequestError(400, `signature_name: this model has one signature, 'serving_default' (got ${JSON.stringify(request.signature_name)})`);
  }
  const hasInstances = request.instances !== undefined;
  const hasInputs = request.inputs !== undefined;
  if (hasInstances === hasInputs) throw new RequestError(400, hasInstances ? 'send either "instances" or "inputs", not both' : 'the body needs "instances" (a list of records) or "inputs" (an object of columns)');
  return hasInstances ? { format: 'instances', batch: schema.fromRecords(request.instances, 'instances') } : { format: 'inputs', batch: schema.fromColumns(request.inputs, 'inputs') };
}

function probabilityRow(result: PredictionResult, row: number, classes: number): number[] {
  return Array.from(result.probabilities!.subarray(row * classes, (row + 1) * classes));
}

export function formatV1Predict(format: V1Format, result: PredictionResult, bundle: ModelBundle): unknown {
  if (bundle.task === 'regression') return format === 'instances' ? { predictions: result.predictions } : { outputs: result.predictions };
  const classes = bundle.classes!.length;
  if (format === 'instances') {
    const predictions = new Array<unknown>(result.rows);
    for (let row = 0; row < result.rows; row++) predictions[row] = { prediction: result.predictions[row], probabilities: probabilityRow(result, row, classes) };
    return { predictions };
  }
  const probabilities = new Array<number[]>(result.rows);
  for (let row = 0; row < result.rows; row++) probabilities[row] = probabilityRow(result, row, classes);
  return { outputs: { prediction: result.predictions, probabilities } };
}

/**
 * The text of `JSON.stringify(formatV1Predict(format, result, bundle))`, written directly for
 * the common answer (classification rows): no answer objects, the labels' JSON made once.
 * Numbers are written as JSON.stringify writes them (String for finite ones, else null).
 */
export class V1Answers {
  private readonly labels: readonly string[] | null;

  constructor(private readonly bundle: ModelBundle) {
    this.labels = bundle.task === 'classification' ? bundle.classes!.map((_, k) => JSON.stringify(classValue(bundle, k))) : null;
  }

  text(format: V1Format, result: PredictionResult): string {
    const { labels } = this;
    if (format !== 'instances' || labels === null || !result.probabilities || !result.classIndex) return JSON.stringify(formatV1Predict(format, result, this.bundle));
    const classes = labels.length;
    const probabilities = result.probabilities;
    let text = '{"predictions":[';
    for (let row = 0; row < result.rows; row++) {
      text += `${row === 0 ? '' : ','}{"prediction":${labels[result.classIndex[row]!]},"probabilities":[`;
      for (let k = 0; k < classes; k++) {
        const p = probabilities[row * classes + k]!;
        text += (k === 0 ? '' : ',') + (Number.isFinite(p) ? String(p) : 'null');
      }
      text += ']}';
    }
    return text + ']}';
  }
}

export function v1Status(version: string, ready: boolean): unknown {
  return {
    model_version_status: [{ version, state: ready ? 'AVAILABLE' : 'UNAVAILABLE', status: { error_code: ready ? 'OK' : 'UNAVAILABLE', error_message: ready ? '' : 'the server is shutting down' } }],
  };
}

const DTYPES: Record<InputColumn['type'], string> = { number: 'DT_DOUBLE', string: 'DT_STRING', boolean: 'DT_BOOL', any: 'DT_STRING' };

function tensorInfo(name: string, dtype: string, dims: number[]): unknown {
  return { name, dtype, tensor_shape: { dim: dims.map((size) => ({ size: String(size), name: '' })), unknown_rank: false } };
}

/** TF Serving's metadata shape, plus a `tensorloom` section with what a client needs to build requests. */
export function v1Metadata(name: string, version: string, bundle: ModelBundle, lineage: Readonly<Record<string, string>>): unknown {
  const inputs = Object.fromEntries(bundle.inputs.map((input) => [input.name, tensorInfo(input.name, DTYPES[input.type], [-1])]));
  const predictionType = bundle.task === 'regression' ? 'DT_DOUBLE' : DTYPES[bundle.target.valueType as InputColumn['type']] ?? 'DT_STRING';
  const outputs: Record<string, unknown> = { prediction: tensorInfo('prediction', predictionType, [-1]) };
  if (bundle.task === 'classification') outputs.probabilities = tensorInfo('probabilities', 'DT_FLOAT', [-1, bundle.classes!.length]);
  return {
    model_spec: { name, signature_name: '', version },
    metadata: { signature_def: { signature_def: { serving_default: { inputs, outputs, method_name: 'tensorflow/serving/predict' } } } },
    tensorloom: modelDescription(bundle, lineage),
  };
}

/** The facts about the model both protocols' metadata carry. */
export function modelDescription(bundle: ModelBundle, lineage: Readonly<Record<string, string>>): Record<string, unknown> {
  return {
    task: bundle.task,
    target: bundle.target.name,
    ...(bundle.classes ? { classes: bundle.classes } : {}),
    inputs: bundle.inputs,
    backend_trained: bundle.lineage.backend,
    ...lineage,
  };
}
