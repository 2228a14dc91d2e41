import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnValues } from '../data/table-ops.js';
import { startModelServer, type ModelServer } from './model-server.js';
import { DEFAULT_LIMITS, SERVER_VERSION, type ServeSettings } from './settings.js';
import { rawPost } from './test-support/raw-post.js';
import { trainExample, type TrainedExample } from './test-support/trained-model.js';

const PROMTOOL = '/usr/bin/promtool';

function settings(example: TrainedExample, overrides: Partial<ServeSettings> = {}): ServeSettings {
  return { modelDir: example.modelDir, name: 'm', version: '3', host: '127.0.0.1', port: 0, limits: DEFAULT_LIMITS, shutdownGraceMs: 5000, lineage: { digest: example.modelId }, ...overrides };
}

async function post(server: ModelServer, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function get(server: ModelServer, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(server.url + path);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** predict.batch's answers: the prediction column and, for classifiers, the probability of each class. */
function appAnswers(example: TrainedExample) {
  const { predictions, bundle } = example;
  const prediction = columnValues(predictions, 'prediction', 'prediction');
  const probabilities = (bundle.classes ?? []).map((label) => columnValues(predictions, `probability_${label}`, label) as number[]);
  return { prediction, probabilityRows: prediction.map((_, row) => probabilities.map((column) => column[row]!)) };
}

function v2Request(example: TrainedExample, records: TrainedExample['records']) {
  return {
    id: 'req-1',
    inputs: example.bundle.inputs.map((input) => {
      const data = records.map((record) => record[input.name] ?? null);
      const sample = data.find((value) => value !== null);
      return { name: input.name, shape: [records.length], datatype: typeof sample === 'number' ? 'FP64' : typeof sample === 'boolean' ? 'BOOL' : 'BYTES', data };
    }),
  };
}

describe('model server: a classifier (penguins)', () => {
  let example: TrainedExample;
  let server: ModelServer;

  beforeAll(async () => {
    example = trainExample('penguins');
    server = await startModelServer(settings(example));
  }, 180_000);
  afterAll(async () => {
    await server?.close();
  });

  it('answers TF Serving rows with exactly predict.batch’s classes and probabilities', async () => {
    const { prediction, probabilityRows } = appAnswers(example);
    const { status, body } = await post(server, '/v1/models/m:predict', { instances: example.records });
    expect(status).toBe(200);
    const predictions = body.predictions as { prediction: string; probabilities: number[] }[];
    expect(predictions.map((row) => row.prediction)).toEqual(prediction);
    expect(predictions.map((row) => row.probabilities)).toEqual(probabilityRows);
    expect(new Set(prediction)).toEqual(new Set(['Adelie', 'Chinstrap', 'Gentoo']));
  });

  it('gives each row the same answer alone, in concurrent single-row requests (micro-batched), as in one batch', async () => {
    const { prediction, probabilityRows } = appAnswers(example);
    const answers = await Promise.all(example.records.map((record) => post(server, '/v1/models/m:predict', { instances: [record] })));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const rows = answers.map((answer) => (answer.body.predictions as { prediction: string; probabilities: number[] }[])[0]!);
    expect(rows.map((row) => row.prediction)).toEqual(prediction);
    expect(rows.map((row) => row.probabilities)).toEqual(probabilityRows);
  });

  it('answers the columnar form with outputs', async () => {
    const { prediction, probabilityRows } = appAnswers(example);
    const inputs = Object.fromEntries(example.bundle.inputs.map((input) => [input.name, example.records.map((record) => record[input.name])]));
    const { status, body } = await post(server, '/v1/models/m:predict', { signature_name: 'serving_default', inputs });
    expect(status).toBe(200);
    expect(body.outputs).toEqual({ prediction, probabilities: probabilityRows });
  });

  it('answers the Open Inference Protocol with typed tensors equal to predict.batch', async () => {
    const { prediction, probabilityRows } = appAnswers(example);
    const { status, body } = await post(server, '/v2/models/m/infer', v2Request(example, example.records));
    expect(status).toBe(200);
    expect(body).toMatchObject({ model_name: 'm', model_version: '3', id: 'req-1' });
    const [predicted, probabilities] = body.outputs as { name: string; shape: number[]; datatype: string; data: unknown[] }[];
    expect(predicted).toEqual({ name: 'prediction', shape: [344], datatype: 'BYTES', data: prediction });
    expect(probabilities).toMatchObject({ name: 'probabilities', shape: [344, 3], datatype: 'FP32' });
    expect(probabilities!.data).toEqual(probabilityRows.flat());
    const only = await post(server, '/v2/models/m/versions/3/infer', { ...v2Request(example, example.records.slice(0, 2)), outputs: [{ name: 'prediction' }] });
    expect((only.body.outputs as { name: string }[]).map((output) => output.name)).toEqual(['prediction']);
  });

  it('describes itself in both protocols', async () => {
    expect(await get(server, '/v1/models/m')).toEqual({ status: 200, body: { model_version_status: [{ version: '3', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } }] } });
    const v1 = (await get(server, '/v1/models/m/metadata')).body as { model_spec: unknown; metadata: { signature_def: { signature_def: { serving_default: { inputs: Record<string, { dtype: string }> } } } }; tensorloom: Record<string, unknown> };
    expect(v1.model_spec).toEqual({ name: 'm', signature_name: '', version: '3' });
    expect(v1.metadata.signature_def.signature_def.serving_default.inputs.bill_length_mm!.dtype).toBe('DT_DOUBLE');
    expect(v1.tensorloom).toMatchObject({ task: 'classification', target: 'species', classes: ['Adelie', 'Chinstrap', 'Gentoo'], digest: example.modelId });
    const v2 = (await get(server, '/v2/models/m')).body;
    expect(v2).toMatchObject({ name: 'm', versions: ['3'], platform: 'tensorloom_tfjs' });
    expect(v2.inputs).toContainEqual({ name: 'island', datatype: 'BYTES', shape: [-1] });
    expect(v2.outputs).toEqual([
      { name: 'prediction', datatype: 'BYTES', shape: [-1] },
      { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
    ]);
    expect(await get(server, '/v2')).toEqual({ status: 200, body: { name: 'tensorloom', version: SERVER_VERSION, extensions: [] } });
    expect((await get(server, '/v2/health/live')).status).toBe(200);
    expect((await get(server, '/v2/health/ready')).status).toBe(200);
    expect(await get(server, '/v2/models/m/ready')).toEqual({ status: 200, body: { name: 'm', ready: true } });
  });

  it('refuses bad requests with 4xx and a message naming the field, and keeps serving', async () => {
    const good = example.records[0]!;
    const cases: [string, string, unknown, number, RegExp][] = [
      ['v1', '/v1/models/m:predict', { instances: [{ ...good, bill_length_mm: 'long' }] }, 400, /instances\[0\]\.bill_length_mm: expected a number for 'bill_length_mm', got text "long"/],
      ['v1', '/v1/models/m:predict', { instances: [good, { ...good, island: { name: 'Dream' } }] }, 400, /instances\[1\]\.island: expected a number, text or true\/false for 'island', got an object/],
      ['v1', '/v1/models/m:predict', { instances: [{ ...good, bill_depth_mm: undefined }] }, 400, /instances\[0\]: missing feature 'bill_depth_mm'/],
      ['v1', '/v1/models/m:predict', { instances: [{ ...good, wingspan: 3 }] }, 400, /instances\[0\]: unknown field 'wingspan'; the model's inputs are bill_length_mm/],
      ['v1', '/v1/models/m:predict', { instances: [{ ...good, species: 'Adelie' }] }, 400, /'species' is what the model predicts/],
      ['v1', '/v1/models/m:predict', { instances: [] }, 400, /instances: no rows/],
      ['v1', '/v1/models/m:predict', { instances: good }, 400, /instances must be a list of records/],
      ['v1', '/v1/models/m:predict', { rows: [good] }, 400, /unknown field 'rows'/],
      ['v1', '/v1/models/m:predict', { instances: [good], inputs: {} }, 400, /either "instances" or "inputs", not both/],
      ['v1', '/v1/models/m:predict', { inputs: { ...Object.fromEntries(Object.keys(good).map((key) => [key, [good[key]]])), year: [2007, 2008] } }, 400, /inputs\.year has 2 values but 'bill_length_mm' has 1/],
      ['v1', '/v1/models/m:predict', { instances: [good], signature_name: 'other' }, 400, /signature_name/],
      ['v1', '/v1/models/m:predict', '{"instances": [', 400, /not valid JSON/],
      ['v1', '/v1/models/m:predict', '', 400, /the request body is empty/],
      ['v1', '/v1/models/m:predict', JSON.stringify({ instances: [good] }).replace(/"bill_length_mm":[^,]+/, '"bill_length_mm":NaN'), 400, /instances\[0\]\.bill_length_mm: NaN is not a number JSON allows/],
      ['v1', '/v1/models/m:predict', JSON.stringify({ instances: [good, good] }).replace(/"body_mass_g":3750/g, '"body_mass_g":-Infinity'), 400, /instances\[0\]\.body_mass_g: -Infinity is not a number/],
      ['v1', '/v1/models/other:predict', { instances: [good] }, 404, /model 'other' is not served here; this server serves 'm'/],
      ['v1', '/v1/models/m/versions/9:predict', { instances: [good] }, 404, /no version '9'; the served version is '3'/],
      ['v2', '/v2/models/m/infer', { inputs: v2Request(example, [good]).inputs.slice(1) }, 400, /inputs: missing input 'bill_length_mm'/],
      ['v2', '/v2/models/m/infer', { inputs: v2Request(example, [good]).inputs.map((tensor) => (tensor.name === 'island' ? { ...tensor, name: 'isle' } : tensor)) }, 400, /inputs 'isle': unknown input/],
      ['v2', '/v2/models/m/infer', { inputs: v2Request(example, [good]).inputs.map((tensor) => (tensor.name === 'body_mass_g' ? { ...tensor, datatype: 'BYTES', data: ['heavy'] } : tensor)) }, 400, /inputs 'body_mass_g'\.datatype: 'body_mass_g' takes FP64, not BYTES/],
      ['v2', '/v2/models/m/infer', { inputs: v2Request(example, [good]).inputs.map((tensor) => (tensor.name === 'year' ? { ...tensor, datatype: 'INT32', data: [2007.5] } : tensor)) }, 400, /inputs 'year'\.data\[0\]: 2007.5 is not a whole number, as INT32 requires/],
      ['v2', '/v2/models/m/infer', { inputs: v2Request(example, [good]).inputs.map((tensor) => (tensor.name === 'year' ? { ...tensor, shape: [2] } : tensor)) }, 400, /inputs 'year': shape \[2\] needs 2 values, data has 1/],
      ['v2', '/v2/models/m/infer', { inputs: v2Request(example, [good]).inputs, outputs: [{ name: 'logits' }] }, 400, /outputs\[0\]\.name must be one of prediction, probabilities/],
    ];
    for (const [, path, body, status, message] of cases) {
      const answer = await post(server, path, body);
      expect({ path, status: answer.status, error: answer.body.error }).toEqual({ path, status, error: expect.stringMatching(message) });
    }
    const after = await post(server, '/v1/models/m:predict', { instances: [good] });
    expect(after.status).toBe(200);
  });

  it('refuses numbers a field or datatype cannot hold (1e400, out-of-range integers, FP32 overflow) with 400 naming the place', async () => {
    const good = example.records[0]!;
    const v1 = (field: string, literal: string) => JSON.stringify({ instances: [good] }).replace(new RegExp(`"${field}":[^,}]+`), `"${field}":${literal}`);
    /** A V2 request whose 'year' tensor (a numeric input) has this datatype and these values (sent as written). */
    const v2 = (datatype: string, data: string, shape = '[2]') => {
      const request = v2Request(example, [good, good]);
      const tensors = request.inputs.map((tensor) => (tensor.name === 'year' ? { ...tensor, datatype, data: '@DATA@', shape: '@SHAPE@' } : tensor));
      return JSON.stringify({ ...request, inputs: tensors }).replace('"@DATA@"', data).replace('"@SHAPE@"', shape);
    };
    const tooLarge = 'the number is too large for a 64-bit float';
    const cases: [string, string, RegExp][] = [
      // Before: Infinity after JSON.parse, imputed like a missing value, 200.
      ['/v1/models/m:predict', v1('body_mass_g', '1e400'), new RegExp(`^instances\\[0\\]\\.body_mass_g: ${tooLarge} \\(it reads as Infinity\\); send a finite number, or null for a missing value$`)],
      ['/v1/models/m:predict', v1('body_mass_g', '-1e400'), /^instances\[0\]\.body_mass_g: the number is too large for a 64-bit float \(it reads as -Infinity\)/],
      ['/v1/models/m:predict', v1('island', '1e999'), /^instances\[0\]\.island: the number is too large/],
      ['/v1/models/m:predict', JSON.stringify({ inputs: Object.fromEntries(Object.entries(good).map(([key, value]) => [key, [value, value]])) }).replace(/"year":\[(\d+),/, '"year":[$1,-1e309'), /^inputs\.year\[1\]: the number is too large/],
      ['/v2/models/m/infer', v2('FP64', '[2007, 1e400]'), /^inputs 'year'\.data\[1\]: the number is too large/],
      // Before: any whole number passed every integer datatype.
      ['/v2/models/m/infer', v2('INT8', '[2007, 1]'), /^inputs 'year'\.data\[0\]: 2007 is outside INT8's range, -128 to 127$/],
      ['/v2/models/m/infer', v2('INT8', '[127, -129]'), /^inputs 'year'\.data\[1\]: -129 is outside INT8's range, -128 to 127$/],
      ['/v2/models/m/infer', v2('UINT8', '[0, -1]'), /^inputs 'year'\.data\[1\]: -1 is outside UINT8's range, 0 to 255$/],
      ['/v2/models/m/infer', v2('UINT8', '[[255], [256]]', '[2, 1]'), /^inputs 'year'\.data\[1\]: 256 is outside UINT8's range, 0 to 255$/],
      ['/v2/models/m/infer', v2('INT16', '[32768, 0]'), /^inputs 'year'\.data\[0\]: 32768 is outside INT16's range, -32768 to 32767$/],
      ['/v2/models/m/infer', v2('UINT16', '[65536, 0]'), /^inputs 'year'\.data\[0\]: 65536 is outside UINT16's range, 0 to 65535$/],
      ['/v2/models/m/infer', v2('INT32', '[0, 2147483648]'), /^inputs 'year'\.data\[1\]: 2147483648 is outside INT32's range, -2147483648 to 2147483647$/],
      ['/v2/models/m/infer', v2('UINT32', '[4294967296, 0]'), /^inputs 'year'\.data\[0\]: 4294967296 is outside UINT32's range, 0 to 4294967295$/],
      ['/v2/models/m/infer', v2('INT64', '[0, 1e19]'), /^inputs 'year'\.data\[1\]: 10000000000000000000 is outside INT64's range, -9223372036854775808 to 9223372036854775807$/],
      ['/v2/models/m/infer', v2('UINT64', '[-1, 0]'), /^inputs 'year'\.data\[0\]: -1 is outside UINT64's range, 0 to 18446744073709551615$/],
      ['/v2/models/m/infer', v2('UINT64', '[1e20, 0]'), /^inputs 'year'\.data\[0\]: 100000000000000000000 is outside UINT64's range/],
      ['/v2/models/m/infer', v2('INT64', '[2007, 1e400]'), /^inputs 'year'\.data\[1\]: the number is too large/],
      ['/v2/models/m/infer', v2('UINT32', '[2007, 0.5]'), /^inputs 'year'\.data\[1\]: 0.5 is not a whole number, as UINT32 requires$/],
      // FP32 and FP16 values that would be infinite in that type.
      ['/v2/models/m/infer', v2('FP32', '[2007, 1e39]'), /^inputs 'year'\.data\[1\]: 1e\+39 is beyond FP32's range \(±3\.4028235e38\); send it as FP64$/],
      ['/v2/models/m/infer', v2('FP16', '[-70000, 1]'), /^inputs 'year'\.data\[0\]: -70000 is beyond FP16's range \(±65504\); send it as FP64$/],
      ['/v2/models/m/infer', v2('BOOL', '[true, false]'), /^inputs 'year'\.datatype: 'year' takes FP64, not BOOL$/],
      // Nested deeper than [N, 1]: refused, not flattened recursively (5,000 levels overflowed the stack).
      ['/v2/models/m/infer', v2('FP64', `[2007, ${'['.repeat(5000)}1${']'.repeat(5000)}]`), /^inputs 'year'\.data\[1\]\[0\]: data is nested more than 2 lists deep/],
    ];
    for (const [path, body, message] of cases) {
      const answer = await post(server, path, body);
      expect({ body: body.slice(0, 200), status: answer.status, error: answer.body.error }).toEqual({ body: body.slice(0, 200), status: 400, error: expect.stringMatching(message) });
    }
    // The edges of each range, and FP32's largest value, still predict.
    const edges: [string, string][] = [
      ['INT8', '[-128, 127]'],
      ['UINT8', '[0, 255]'],
      ['INT16', '[-32768, 32767]'],
      ['UINT16', '[0, 65535]'],
      ['INT32', '[-2147483648, 2147483647]'],
      ['UINT32', '[0, 4294967295]'],
      ['INT64', '[-9223372036854775808, 9223372036854775807]'],
      ['UINT64', '[0, 18446744073709551615]'],
      ['FP32', '[3.4028234663852886e38, -3.4028234663852886e38]'],
      ['FP16', '[65504, -65504]'],
      ['FP64', '[1.7976931348623157e308, 2007]'],
    ];
    for (const [datatype, data] of edges) {
      const answer = await post(server, '/v2/models/m/infer', v2(datatype, data));
      expect({ datatype, status: answer.status }).toEqual({ datatype, status: 200 });
    }
    expect((await post(server, '/v1/models/m:predict', v1('body_mass_g', '1e300'))).status).toBe(200);
  });

  it('under load, refuses bad requests with 400 while good ones stay exact', async () => {
    const { prediction } = appAnswers(example);
    const sends = example.records.flatMap((record, row) => [
      post(server, '/v1/models/m:predict', { instances: [record] }).then((answer) => ({ row, answer, good: true })),
      post(server, '/v1/models/m:predict', { instances: [{ ...record, year: 'last year' }] }).then((answer) => ({ row, answer, good: false })),
    ]);
    for (const { row, answer, good } of await Promise.all(sends)) {
      if (good) expect((answer.body.predictions as { prediction: string }[])[0]!.prediction).toBe(prediction[row]);
      else expect(answer).toEqual({ status: 400, body: { error: expect.stringContaining(`instances[0].year: expected a number`) } });
    }
  });

  it('answers unknown routes and methods with 404 and 405', async () => {
    expect(await get(server, '/v1/models/m:classify')).toMatchObject({ status: 404, body: { error: expect.stringContaining('no such endpoint') } });
    const wrong = await fetch(server.url + '/v1/models/m:predict');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
  });

  it('reports Prometheus metrics that promtool accepts', async () => {
    await post(server, '/v1/models/m:predict', { instances: example.records.slice(0, 10) });
    const response = await fetch(server.url + '/metrics');
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    expect(text).toMatch(/^tensorloom_model_info\{model="m",version="3",task="classification",backend="(wasm-fused|tensorflow|webgpu)",digest="sha256:[0-9a-f]{64}"\} 1$/m);
    expect(text).toMatch(/^tensorloom_requests_total\{route="\/v1\/models\/\{m\}:predict",method="POST",status="400"\} [1-9]\d*$/m);
    expect(text).toMatch(/^tensorloom_request_duration_seconds_bucket\{route="\/v1\/models\/\{m\}:predict",le="\+Inf"\} [1-9]\d*$/m);
    const perClass = [...text.matchAll(/^tensorloom_predictions_total\{model="m",class="(\w+)"\} (\d+)$/gm)];
    expect(perClass.map((match) => match[1])).toEqual(['Adelie', 'Chinstrap', 'Gentoo']);
    const rows = Number(/^tensorloom_predicted_rows_total\{model="m"\} (\d+)$/m.exec(text)![1]);
    expect(perClass.reduce((sum, match) => sum + Number(match[2]), 0)).toBe(rows);
    expect(rows).toBeGreaterThanOrEqual(10);
    if (existsSync(PROMTOOL) || process.env.TENSORLOOM_REQUIRE_DOCKER === '1') {
      const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(check.stderr + check.stdout).toBe('');
      expect(check.status).toBe(0);
    }
  });
});

describe('model server: limits and shutdown', () => {
  let example: TrainedExample;
  beforeAll(() => {
    example = trainExample('penguins');
  }, 180_000);

  it('refuses bodies and batches over the limits with 413, and keeps serving', async () => {
    const server = await startModelServer(settings(example, { limits: { maxBodyBytes: 4096, maxBatchRows: 5 } }));
    try {
      const big = await post(server, '/v1/models/m:predict', { instances: example.records.slice(0, 40) });
      expect(big).toEqual({ status: 413, body: { error: expect.stringMatching(/request body is \d+ bytes; this server accepts at most 4096 \(MAX_BODY_BYTES\)/) } });
      const many = await post(server, '/v1/models/m:predict', { instances: example.records.slice(0, 6) });
      expect(many).toEqual({ status: 413, body: { error: 'instances: 6 rows; this server takes at most 5 per request (MAX_BATCH_ROWS)' } });
      // A body that grows past the limit without declaring its length (chunked).
      const chunked = await new Promise<number>((resolve, reject) => {
        const request = httpRequest(server.url + '/v1/models/m:predict', { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (response) => {
          response.resume();
          resolve(response.statusCode!);
        });
        request.on('error', reject);
        request.write('{"instances": [' + ' '.repeat(5000));
        request.end(']}');
      });
      expect(chunked).toBe(413);
      expect((await post(server, '/v1/models/m:predict', { instances: example.records.slice(0, 5) })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('delivers the 413 to a client still sending an oversized body (read and dropped first, no reset)', async () => {
    const server = await startModelServer(settings(example, { limits: { maxBodyBytes: 4096, maxBatchRows: 5 } }));
    try {
      const size = 4 * 1024 * 1024;
      const statuses: (number | null)[] = [];
      for (let attempt = 0; attempt < 4; attempt++) statuses.push(await rawPost(server.port, '/v1/models/m:predict', { 'content-type': 'application/json' }, size));
      statuses.push(await rawPost(server.port, '/v1/models/m:predict', { 'content-type': 'application/json' }, size, true));
      expect(statuses).toEqual(Array.from({ length: 5 }, () => 413));
      expect((await post(server, '/v1/models/m:predict', { instances: example.records.slice(0, 5) })).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('finishes a request in flight when asked to stop, answers not-ready meanwhile, then closes', async () => {
    const server = await startModelServer(settings(example));
    const body = JSON.stringify({ instances: example.records.slice(0, 3) });
    let answered: { status: number; connection: string | undefined; body: string } | undefined;
    const request = httpRequest(server.url + '/v1/models/m:predict', { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
    const done = new Promise<void>((resolve, reject) => {
      request.on('response', (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => {
          answered = { status: response.statusCode!, connection: response.headers.connection, body: text };
          resolve();
        });
      });
      request.on('error', reject);
    });
    request.write(body.slice(0, 20));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closed = server.close();
    // Stopping: no new connections, the half-sent request is still being read.
    await expect(fetch(server.url + '/v2/health/ready')).rejects.toThrow();
    expect(answered).toBeUndefined();
    request.end(body.slice(20));
    await done;
    await closed;
    expect(answered!.status).toBe(200);
    expect(answered!.connection).toBe('close');
    expect((JSON.parse(answered!.body) as { predictions: unknown[] }).predictions).toHaveLength(3);
  });
});

describe('model server: a regressor (cars-mpg)', () => {
  let example: TrainedExample;
  let server: ModelServer;
  beforeAll(async () => {
    example = trainExample('cars-mpg');
    server = await startModelServer(settings(example, { name: 'mpg' }));
  }, 180_000);
  afterAll(async () => {
    await server?.close();
  });

  it('answers values equal to predict.batch in both protocols', async () => {
    const { prediction } = appAnswers(example);
    const v1 = await post(server, '/v1/models/mpg:predict', { instances: example.records });
    expect(v1.status).toBe(200);
    expect(v1.body.predictions).toEqual(prediction);
    const v2 = await post(server, '/v2/models/mpg/infer', v2Request(example, example.records));
    expect(v2.body.outputs).toEqual([{ name: 'prediction', shape: [example.records.length], datatype: 'FP64', data: prediction }]);
    const metadata = (await get(server, '/v2/models/mpg')).body;
    expect(metadata.outputs).toEqual([{ name: 'prediction', datatype: 'FP64', shape: [-1] }]);
  });

  it('reports a histogram of predicted values', async () => {
    const text = await (await fetch(server.url + '/metrics')).text();
    const count = Number(/^tensorloom_prediction_value_count\{model="mpg"\} (\d+)$/m.exec(text)?.[1]);
    expect(count).toBeGreaterThanOrEqual(example.records.length);
    expect(text).not.toMatch(/tensorloom_predictions_total/);
  });
});

describe('settings', () => {
  it('stops the image’s entry with one line and exit 1 for a bad setting or a missing model', () => {
    const entry = new URL('./main.ts', import.meta.url).pathname;
    const tsx = new URL('../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;
    const start = (env: Record<string, string>) => spawnSync(process.execPath, ['--import', tsx, entry], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
    const badPort = start({ PORT: 'abc', MODEL_DIR: '/nonexistent/model' });
    expect(badPort.status).toBe(1);
    expect(badPort.stderr).toBe("tensorloom-serve: PORT must be a whole number from 0 to 65535 (got 'abc')\n");
    const noModel = start({ PORT: '0', MODEL_DIR: '/nonexistent/model' });
    expect(noModel.status).toBe(1);
    expect(noModel.stderr).toMatch(/^tensorloom-serve: cannot read the model bundle's bundle.json \(\/nonexistent\/model\/bundle.json\): ENOENT[^\n]*\n$/);
  }, 60_000);

  it('keeps the server version equal to the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(SERVER_VERSION).toBe(pkg.version);
  });
});
