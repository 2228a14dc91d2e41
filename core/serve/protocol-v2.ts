/**
 * The Open Inference Protocol (KServe V2) over REST: typed tensors by input name. Each
 * input tensor is one raw feature column, shape [N] or [N, 1].
 */
import type { InputColumn, ModelBundle } from '../ml/bundle-format.js';
import { RequestError } from './errors.js';
import type { Cell, InputBatch, InputSchema } from './inputs.js';
import { modelDescription } from './protocol-v1.js';
import type { PredictionResult } from './predictor.js';

/**
 * The whole numbers each integer datatype holds: [lowest, highest, highest as compared]. JSON
 * numbers arrive as float64, where 2^63 − 1 and 2^64 − 1 read as 2^63 and 2^64, so the 64-bit
 * types compare against those (a value within float64 rounding of the limit passes as it).
 */
const INTEGER_RANGES: Record<string, readonly [lowest: string, highest: string, low: number, high: number]> = {
  INT8: ['-128', '127', -128, 127],
  INT16: ['-32768', '32767', -32768, 32767],
  INT32: ['-2147483648', '2147483647', -2147483648, 2147483647],
  INT64: ['-9223372036854775808', '9223372036854775807', -(2 ** 63), 2 ** 63],
  UINT8: ['0', '255', 0, 255],
  UINT16: ['0', '65535', 0, 65535],
  UINT32: ['0', '4294967295', 0, 4294967295],
  UINT64: ['0', '18446744073709551615', 0, 2 ** 64],
};
const INTEGER_TYPES = new Set(Object.keys(INTEGER_RANGES));
const FLOAT_TYPES = new Set(['FP16', 'FP32', 'FP64']);
/** Magnitudes FP16 and FP32 cannot hold (they round to infinity there): refused, not imputed. */
const FLOAT_OVERFLOW: Record<string, { fits: (x: number) => boolean; limit: string }> = {
  // 65504 is FP16's largest; from 65520 on, rounding to FP16 gives infinity.
  FP16: { fits: (x) => Math.abs(x) < 65520, limit: '±65504' },
  FP32: { fits: (x) => Number.isFinite(Math.fround(x)), limit: '±3.4028235e38' },
};
/** `data` is flat, or one list per row (shape [N, 1]); deeper nesting is refused, not walked. */
const MAX_DATA_NESTING = 2;
const DATATYPES = new Set([...INTEGER_TYPES, ...FLOAT_TYPES, 'BOOL', 'BYTES']);

/** The datatype a client should send for each kind of input. */
export function v2Datatype(type: InputColumn['type'] | 'string' | 'number' | 'boolean'): string {
  return type === 'number' ? 'FP64' : type === 'boolean' ? 'BOOL' : 'BYTES';
}

function accepts(input: InputColumn, datatype: string): boolean {
  if (input.type === 'any') return true;
  if (input.type === 'number') return INTEGER_TYPES.has(datatype) || FLOAT_TYPES.has(datatype);
  return datatype === (input.type === 'boolean' ? 'BOOL' : 'BYTES');
}

/** Row-major values of `data`, nested at most MAX_DATA_NESTING lists deep (no recursion). */
function flatten(data: unknown[], at: string): unknown[] {
  if (!data.some(Array.isArray)) return data;
  const values: unknown[] = [];
  for (let k = 0; k < data.length; k++) {
    const item = data[k];
    if (!Array.isArray(item)) {
      values.push(item);
      continue;
    }
    for (let j = 0; j < item.length; j++) {
      if (Array.isArray(item[j])) throw new RequestError(400, `${at}.data[${k}][${j}]: data is nested more than ${MAX_DATA_NESTING} lists deep; send a flat list (row-major), or one list per row`);
      values.push(item[j]);
    }
  }
  return values;
}

/** The datatype's own range, beyond the type check `cell` made; a RequestError naming the index otherwise. */
function checkRange(cell: Cell, datatype: string, path: string): void {
  if (typeof cell !== 'number') return;
  const range = INTEGER_RANGES[datatype];
  if (range !== undefined) {
    const [lowest, highest, low, high] = range;
    if (!Number.isInteger(cell)) throw new RequestError(400, `${path}: ${String(cell)} is not a whole number, as ${datatype} requires`);
    if (cell < low || cell > high) throw new RequestError(400, `${path}: ${String(cell)} is outside ${datatype}'s range, ${lowest} to ${highest}`);
    return;
  }
  const float = FLOAT_OVERFLOW[datatype];
  if (float !== undefined && !float.fits(cell)) {
    throw new RequestError(400, `${path}: ${String(cell)} is beyond ${datatype}'s range (${float.limit}); send it as FP64`);
  }
}

export interface V2Request {
  readonly id: string | undefined;
  readonly batch: InputBatch;
  /** Output names the client asked for; all when absent. */
  readonly outputs: readonly string[] | undefined;
}

export function parseV2Infer(body: unknown, schema: InputSchema, outputNames: readonly string[]): V2Request {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RequestError(400, 'the body must be a JSON object with "inputs": a list of tensors {name, shape, datatype, data}');
  const request = body as Record<string, unknown>;
  for (const key of Object.keys(request)) {
    if (key !== 'id' && key !== 'inputs' && key !== 'outputs' && key !== 'parameters') throw new RequestError(400, `unknown field '${key}'; an inference request has id, parameters, inputs and outputs`);
  }
  if (request.id !== undefined && typeof request.id !== 'string') throw new RequestError(400, 'id must be a string');
  if (!Array.isArray(request.inputs)) throw new RequestError(400, 'inputs must be a list of tensors {name, shape, datatype, data}');
  const byName = new Map<string, Cell[]>();
  let rows = -1;
  let firstName = '';
  request.inputs.forEach((tensor: unknown, k) => {
    const path = `inputs[${k}]`;
    if (typeof tensor !== 'object' || tensor === null || Array.isArray(tensor)) throw new RequestError(400, `${path} must be a tensor {name, shape, datatype, data}`);
    // `parameters` (per-tensor options in the protocol) has nothing to set here.
    const { name, shape, datatype, data, parameters: _parameters, ...rest } = tensor as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) throw new RequestError(400, `${path}: unknown field '${extra}'; a tensor has name, shape, datatype, parameters and data`);
    if (typeof name !== 'string') throw new RequestError(400, `${path}.name must be the name of one of the model's inputs`);
    const at = `inputs '${name}'`;
    const input = schema.inputs.find((candidate) => candidate.name === name);
    if (!input) throw new RequestError(400, `${at}: unknown input; the model's inputs are ${schema.inputs.map((candidate) => candidate.name).join(', ')}`);
    if (byName.has(name)) throw new RequestError(400, `${at} is sent twice`);
    if (typeof datatype !== 'string' || !DATATYPES.has(datatype)) throw new RequestError(400, `${at}.datatype must be one of ${[...DATATYPES].join(', ')} (got ${JSON.stringify(datatype)})`);
    if (!accepts(input, datatype)) throw new RequestError(400, `${at}.datatype: '${name}' takes ${v2Datatype(input.type)}, not ${datatype}`);
    if (!Array.isArray(shape) || shape.length < 1 || shape.length > 2 || !shape.every((size) => Number.isInteger(size) && size >= 0) || (shape.length === 2 && shape[1] !== 1)) {
      throw new RequestError(400, `${at}.shape must be [rows] or [rows, 1] (got ${JSON.stringify(shape)})`);
    }
    if (!Array.isArray(data)) throw new RequestError(400, `${at}.data must be a list of values`);
    const values = flatten(data, at);
    if (values.length !== shape[0]) throw new RequestError(400, `${at}: shape ${JSON.stringify(shape)} needs ${shape[0]} values, data has ${values.length}`);
    if (rows < 0) {
      rows = values.length;
      firstName = name;
    } else if (values.length !== rows) {
      throw new RequestError(400, `${at} has ${values.length} rows but '${firstName}' has ${rows}; every input needs one value per row`);
    }
    const wanted: InputColumn = { name, type: datatype === 'BYTES' ? 'string' : datatype === 'BOOL' ? 'boolean' : 'number' };
    byName.set(
      name,
      values.map((value, row) => {
        const cell = schema.cell(wanted, value, `${at}.data[${row}]`);
        checkRange(cell, datatype, `${at}.data[${row}]`);
        return cell;
      }),
    );
  });
  const missing = schema.inputs.filter((input) => !byName.has(input.name)).map((input) => `'${input.name}'`);
  if (missing.length > 0) throw new RequestError(400, `inputs: missing ${missing.length === 1 ? 'input' : 'inputs'} ${missing.join(', ')}`);
  const batch = schema.fromColumnLists(schema.inputs.map((input) => byName.get(input.name)!), 'inputs');
  let outputs: string[] | undefined;
  if (request.outputs !== undefined) {
    if (!Array.isArray(request.outputs)) throw new RequestError(400, 'outputs must be a list of {name}');
    outputs = request.outputs.map((output: unknown, k) => {
      const name = (output as { name?: unknown } | null)?.name;
      if (typeof name !== 'string' || !outputNames.includes(name)) throw new RequestError(400, `outputs[${k}].name must be one of ${outputNames.join(', ')} (got ${JSON.stringify(name)})`);
      return name;
    });
  }
  return { id: request.id as string | undefined, batch, outputs };
}

export function v2OutputNames(bundle: ModelBundle): string[] {
  return bundle.task === 'classification' ? ['prediction', 'probabilities'] : ['prediction'];
}

function predictionDatatype(bundle: ModelBundle): string {
  return bundle.task === 'regression' ? 'FP64' : v2Datatype(bundle.target.valueType as 'string' | 'number' | 'boolean');
}

export function formatV2Infer(name: string, version: string, request: V2Request, result: PredictionResult, bundle: ModelBundle): unknown {
  const wanted = (output: string) => request.outputs === undefined || request.outputs.includes(output);
  const outputs: unknown[] = [];
  if (wanted('prediction')) outputs.push({ name: 'prediction', shape: [result.rows], datatype: predictionDatatype(bundle), data: result.predictions });
  if (bundle.task === 'classification' && wanted('probabilities')) {
    outputs.push({ name: 'probabilities', shape: [result.rows, bundle.classes!.length], datatype: 'FP32', data: Array.from(result.probabilities!) });
  }
  return { model_name: name, model_version: version, ...(request.id === undefined ? {} : { id: request.id }), outputs };
}

export function v2Metadata(name: string, version: string, bundle: ModelBundle, lineage: Readonly<Record<string, string>>): unknown {
  const outputs: unknown[] = [{ name: 'prediction', datatype: predictionDatatype(bundle), shape: [-1] }];
  if (bundle.task === 'classification') outputs.push({ name: 'probabilities', datatype: 'FP32', shape: [-1, bundle.classes!.length] });
  return {
    name,
    versions: [version],
    platform: 'tensorloom_tfjs',
    inputs: bundle.inputs.map((input) => ({ name: input.name, datatype: v2Datatype(input.type), shape: [-1] })),
    outputs,
    parameters: modelDescription(bundle, lineage),
  };
}
