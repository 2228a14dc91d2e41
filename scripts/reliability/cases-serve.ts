/**
 * Category 4: the model server (`tensorloom serve sha256:… --port 0`, core/serve/README.md)
 * on the penguins model: bad JSON, wrong types, missing features, NaN/Infinity/1e400,
 * oversized bodies, bad KServe V2 datatypes and shapes, INT8 out of range, unknown routes.
 * Then "5xx under load": 500 concurrent loopback connections of mixed good and bad requests.
 */
import { Buffer } from 'node:buffer';
import { join } from 'node:path';
import { cliProblems, copyExamples, excerptOf, log, mapPool, nested, rawRequest, runCli, type CaseResult, type RawRequest, type RawResponse } from './lib.js';
import { expect4xx, expectNot5xx, expectStatus, runHttpCase, startServer, type HttpCase, type ServerProcess } from './servers.js';

const MiB = 1024 * 1024;
/** The oversized-body cases race an early 413 against the rest of the body: each is sent this many times. */
const OVERSIZED_REPEATS = 10;
const NAME = 'penguins';

/** One raw penguins record, as in the training data. */
const GOOD = { island: 'Torgersen', bill_length_mm: 39.1, bill_depth_mm: 18.7, flipper_length_mm: 181, body_mass_g: 3750, sex: 'male', year: 2007 };

const predict = (body: string | Buffer, extra: Partial<RawRequest> = {}): RawRequest => ({
  method: 'POST',
  path: `/v1/models/${NAME}:predict`,
  headers: { 'Content-Type': 'application/json' },
  body,
  ...extra,
});
const infer = (body: string | Buffer): RawRequest => ({ method: 'POST', path: `/v2/models/${NAME}/infer`, headers: { 'Content-Type': 'application/json' }, body });
const instance = (changes: Record<string, unknown>) => JSON.stringify({ instances: [{ ...GOOD, ...changes }] });
/** The instance with one value replaced by a raw JSON token (NaN, 1e400: JSON.stringify cannot write them). */
const instanceRaw = (field: string, token: string) => JSON.stringify({ instances: [{ ...GOOD, [field]: 0 }] }).replace(`"${field}":0`, `"${field}":${token}`);

/** The text with `marker` replaced by raw bytes (invalid UTF-8). */
function withBytes(text: string, marker: string, bytes: number[]): Buffer {
  const [before, after] = text.split(marker) as [string, string];
  return Buffer.concat([Buffer.from(before), Buffer.from(bytes), Buffer.from(after)]);
}

type Tensor = { name: string; shape: unknown; datatype: unknown; data: unknown };
function v2Tensors(rows = 1): Tensor[] {
  const column = <T>(value: T) => Array.from({ length: rows }, () => value);
  return [
    { name: 'island', shape: [rows], datatype: 'BYTES', data: column(GOOD.island) },
    { name: 'bill_length_mm', shape: [rows], datatype: 'FP64', data: column(GOOD.bill_length_mm) },
    { name: 'bill_depth_mm', shape: [rows], datatype: 'FP64', data: column(GOOD.bill_depth_mm) },
    { name: 'flipper_length_mm', shape: [rows], datatype: 'FP64', data: column(GOOD.flipper_length_mm) },
    { name: 'body_mass_g', shape: [rows], datatype: 'FP64', data: column(GOOD.body_mass_g) },
    { name: 'sex', shape: [rows], datatype: 'BYTES', data: column(GOOD.sex) },
    { name: 'year', shape: [rows], datatype: 'INT32', data: column(GOOD.year) },
  ];
}
const v2 = (change: (tensors: Tensor[]) => Tensor[] | unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ inputs: change(v2Tensors()), ...extra });
const withTensor = (name: string, patch: Partial<Tensor>) => (tensors: Tensor[]) => tensors.map((tensor) => (tensor.name === name ? { ...tensor, ...patch } : tensor));

export const GOOD_V1 = JSON.stringify({ instances: [GOOD] });
export const GOOD_V2 = v2((tensors) => tensors);

function serveCases(): HttpCase[] {
  const bigRows = JSON.stringify({ instances: Array.from({ length: 10_001 }, () => GOOD) });
  return [
    // TF Serving REST: bodies
    { name: 'v1: not JSON', request: predict('{"instances": [') , expect: expectStatus(400) },
    { name: 'v1: empty body', request: predict(''), expect: expectStatus(400) },
    { name: 'v1: null', request: predict('null'), expect: expectStatus(400) },
    { name: 'v1: a list', request: predict('[]'), expect: expectStatus(400) },
    { name: 'v1: instances is a number', request: predict('{"instances":5}'), expect: expectStatus(400) },
    { name: 'v1: an instance is a number', request: predict('{"instances":[5]}'), expect: expectStatus(400) },
    { name: 'v1: an empty instance (every feature missing)', request: predict('{"instances":[{}]}'), expect: expectStatus(400) },
    { name: 'v1: no instances (an empty answer or a refusal)', request: predict('{"instances":[]}'), expect: expectNot5xx },
    { name: 'v1: a feature missing', request: predict(JSON.stringify({ instances: [{ ...GOOD, bill_length_mm: undefined }] })), expect: expectStatus(400) },
    { name: 'v1: text for a number', request: predict(instance({ bill_length_mm: 'abc' })), expect: expectStatus(400) },
    // island and sex go through the encoder: README says such inputs 'take any' type (an unseen value encodes as unknown).
    { name: 'v1: a number for an encoded text input (documented: takes any)', request: predict(instance({ island: 5 })), expect: expectNot5xx },
    { name: 'v1: a boolean for an encoded text input (documented: takes any)', request: predict(instance({ sex: true })), expect: expectNot5xx },
    { name: 'v1: an object for an encoded text input', request: predict(instance({ sex: { a: 1 } })), expect: expectStatus(400) },
    { name: 'v1: an object for a number', request: predict(instance({ bill_length_mm: { v: 1 } })), expect: expectStatus(400) },
    { name: 'v1: a list for a number', request: predict(instance({ bill_length_mm: [1, 2] })), expect: expectStatus(400) },
    { name: 'v1: an unknown field', request: predict(instance({ wingspan: 3 })), expect: expectStatus(400) },
    { name: 'v1: the target as a feature', request: predict(instance({ species: 'Adelie' })), expect: expectStatus(400) },
    { name: "v1: a '__proto__' field", request: predict(instance({}).replace('[{', '[{"__proto__":{"x":1},')), expect: expectStatus(400) },
    { name: 'v1: NaN', request: predict(instanceRaw('bill_length_mm', 'NaN')), expect: expectStatus(400) },
    { name: 'v1: Infinity', request: predict(instanceRaw('bill_length_mm', 'Infinity')), expect: expectStatus(400) },
    { name: 'v1: -Infinity', request: predict(instanceRaw('body_mass_g', '-Infinity')), expect: expectStatus(400) },
    { name: 'v1: 1e400', request: predict(instanceRaw('bill_length_mm', '1e400')), expect: expectStatus(400) },
    { name: 'v1: -1e400', request: predict(instanceRaw('flipper_length_mm', '-1e400')), expect: expectStatus(400) },
    { name: 'v1: 1e-400 (zero, valid)', request: predict(instanceRaw('bill_depth_mm', '1e-400')), expect: expectStatus(200) },
    { name: 'v1: 1.7e308 (finite, valid)', request: predict(instanceRaw('body_mass_g', '1.7e308')), expect: expectNot5xx },
    { name: 'v1: nulls for every feature (missing values, valid)', request: predict(JSON.stringify({ instances: [Object.fromEntries(Object.keys(GOOD).map((key) => [key, null]))] })), expect: expectStatus(200) },
    { name: 'v1: a 1 MB category (unknown value, valid)', request: predict(instance({ island: 'x'.repeat(MiB) })), expect: expectNot5xx },
    { name: 'v1: a value nested 5,000 levels', request: predict(instanceRaw('bill_length_mm', nested(5000, 'array'))), expect: expectStatus(400) },
    { name: 'v1: a body nested 100,000 levels', request: predict(`{"instances":${nested(100_000, 'array')}}`), expect: expectStatus(400) },
    { name: 'v1: instances and inputs together', request: predict(JSON.stringify({ instances: [GOOD], inputs: { island: ['Dream'] } })), expect: expectStatus(400) },
    { name: 'v1: columns of unequal length', request: predict(JSON.stringify({ inputs: Object.fromEntries(Object.entries(GOOD).map(([key, value], index) => [key, index === 0 ? [value, value] : [value]])) })), expect: expectStatus(400) },
    { name: 'v1: a column that is not a list', request: predict(JSON.stringify({ inputs: { ...Object.fromEntries(Object.entries(GOOD).map(([key, value]) => [key, [value]])), island: 'Dream' } })), expect: expectNot5xx },
    { name: 'v1: invalid UTF-8', request: predict(withBytes(instance({ island: '@@' }), '@@', [0xff, 0xfe])), expect: expectNot5xx },
    { name: 'v1: text/plain content type (valid JSON)', request: predict(GOOD_V1, { headers: { 'Content-Type': 'text/plain' } }), expect: expectNot5xx },
    { name: 'v1: 9 MB body', request: predict(`{"instances":[{"island":"${'x'.repeat(9 * MiB)}"}]}`), expect: expectStatus(413), repeat: OVERSIZED_REPEATS },
    { name: 'v1: 9 MB chunked body', request: predict(`{"instances":[{"island":"${'x'.repeat(9 * MiB)}"}]}`, { chunked: true }), expect: expectStatus(413), repeat: OVERSIZED_REPEATS },
    { name: 'v1: Content-Length of 100 MB, 10 bytes sent', request: predict('{"a":1}   ', { headers: { 'Content-Type': 'application/json', 'Content-Length': 100 * MiB } }), expect: expectStatus(413), repeat: OVERSIZED_REPEATS },
    { name: 'v1: 10,001 rows (over MAX_BATCH_ROWS)', request: predict(bigRows), expect: expectStatus(413) },
    // KServe V2
    { name: 'v2: inputs missing', request: infer('{}'), expect: expectStatus(400) },
    { name: 'v2: inputs not a list', request: infer('{"inputs":{"island":["Dream"]}}'), expect: expectStatus(400) },
    { name: 'v2: a tensor without a name', request: infer(v2((tensors: Tensor[]) => tensors.map((tensor, index) => (index === 0 ? { ...tensor, name: undefined } : tensor)))), expect: expectStatus(400) },
    { name: 'v2: an unknown input', request: infer(v2((tensors: Tensor[]) => [...tensors, { name: 'wingspan', shape: [1], datatype: 'FP64', data: [1] }])), expect: expectStatus(400) },
    { name: 'v2: an input missing', request: infer(v2((tensors: Tensor[]) => tensors.slice(1))), expect: expectStatus(400) },
    { name: 'v2: the same input twice', request: infer(v2((tensors: Tensor[]) => [...tensors, tensors[1]])), expect: expectStatus(400) },
    { name: 'v2: datatype FP128', request: infer(v2(withTensor('bill_length_mm', { datatype: 'FP128' }))), expect: expectStatus(400) },
    { name: 'v2: datatype is a number', request: infer(v2(withTensor('bill_length_mm', { datatype: 64 }))), expect: expectStatus(400) },
    { name: 'v2: BYTES for a number', request: infer(v2(withTensor('bill_length_mm', { datatype: 'BYTES', data: ['39.1'] }))), expect: expectStatus(400) },
    { name: 'v2: BOOL for a number', request: infer(v2(withTensor('bill_length_mm', { datatype: 'BOOL', data: [true] }))), expect: expectStatus(400) },
    { name: 'v2: FP64 for an encoded text input (documented: takes any)', request: infer(v2(withTensor('island', { datatype: 'FP64', data: [1] }))), expect: expectNot5xx },
    { name: 'v2: BYTES with a number for an encoded input', request: infer(v2(withTensor('island', { data: [5] }))), expect: expectNot5xx },
    { name: 'v2: INT8 out of range (300)', request: infer(v2(withTensor('year', { datatype: 'INT8', data: [300] }))), expect: expectStatus(400) },
    { name: 'v2: INT8 out of range (-129)', request: infer(v2(withTensor('year', { datatype: 'INT8', data: [-129] }))), expect: expectStatus(400) },
    { name: 'v2: UINT8 negative', request: infer(v2(withTensor('year', { datatype: 'UINT8', data: [-1] }))), expect: expectStatus(400) },
    { name: 'v2: INT32 out of range (3e9)', request: infer(v2(withTensor('year', { datatype: 'INT32', data: [3e9] }))), expect: expectStatus(400) },
    { name: 'v2: INT64 beyond 2^53', request: infer(v2(withTensor('year', { datatype: 'INT64', data: [2 ** 60] }))), expect: expectNot5xx },
    { name: 'v2: INT8 with a fraction', request: infer(v2(withTensor('year', { datatype: 'INT8', data: [1.5] }))), expect: expectStatus(400) },
    { name: 'v2: FP32 with text data', request: infer(v2(withTensor('bill_length_mm', { datatype: 'FP32', data: ['abc'] }))), expect: expectStatus(400) },
    { name: 'v2: FP32 beyond its range (1e39)', request: infer(v2(withTensor('bill_length_mm', { datatype: 'FP32', data: [1e39] }))), expect: expectNot5xx },
    { name: 'v2: data is null', request: infer(v2(withTensor('bill_length_mm', { data: null }))), expect: expectStatus(400) },
    { name: 'v2: NaN in data', request: infer(v2((tensors: Tensor[]) => tensors).replace('"data":[39.1]', '"data":[NaN]')), expect: expectStatus(400) },
    { name: 'v2: shape [2] with one value', request: infer(v2(withTensor('bill_length_mm', { shape: [2] }))), expect: expectStatus(400) },
    { name: 'v2: shape [1, 2]', request: infer(v2(withTensor('bill_length_mm', { shape: [1, 2], data: [1, 2] }))), expect: expectStatus(400) },
    { name: 'v2: shape [-1]', request: infer(v2(withTensor('bill_length_mm', { shape: [-1] }))), expect: expectStatus(400) },
    { name: 'v2: shape is text', request: infer(v2(withTensor('bill_length_mm', { shape: 'x' }))), expect: expectStatus(400) },
    { name: 'v2: shape [1e12]', request: infer(v2(withTensor('bill_length_mm', { shape: [1e12] }))), expect: expectStatus(400) },
    { name: 'v2: shape [1.5]', request: infer(v2(withTensor('bill_length_mm', { shape: [1.5] }))), expect: expectStatus(400) },
    { name: 'v2: tensors with different row counts', request: infer(v2(withTensor('bill_length_mm', { shape: [2], data: [1, 2] }))), expect: expectStatus(400) },
    { name: 'v2: data nested deeper than the shape', request: infer(v2(withTensor('bill_length_mm', { data: [[[39.1]]] }))), expect: expectNot5xx },
    { name: 'v2: an unknown output asked for', request: infer(v2((tensors: Tensor[]) => tensors, { outputs: [{ name: 'nope' }] })), expect: expectStatus(400) },
    { name: 'v2: id is a number', request: infer(v2((tensors: Tensor[]) => tensors, { id: 5 })), expect: expectNot5xx },
    // Routes
    { name: 'an unknown model (v1 status)', request: { method: 'GET', path: '/v1/models/nope' }, expect: expectStatus(404) },
    { name: 'an unknown model (v1 predict)', request: { ...predict(GOOD_V1), path: '/v1/models/nope:predict' }, expect: expectStatus(404) },
    { name: 'an unknown verb (:explain)', request: { ...predict(GOOD_V1), path: `/v1/models/${NAME}:explain` }, expect: expectStatus(404) },
    { name: 'an unknown version', request: { ...infer(GOOD_V2), path: `/v2/models/${NAME}/versions/999/infer` }, expect: expectStatus(404) },
    { name: 'DELETE on live', request: { method: 'DELETE', path: '/v2/health/live' }, expect: expectStatus(405) },
    { name: 'GET on predict', request: { method: 'GET', path: `/v1/models/${NAME}:predict` }, expect: expectStatus(405) },
    { name: 'PUT on /metrics', request: { method: 'PUT', path: '/metrics', body: 'x' }, expect: expectStatus(405) },
    { name: 'TRACE /', request: { method: 'TRACE', path: '/' }, expect: expect4xx },
    { name: 'a malformed escape in the model name', request: { method: 'GET', path: '/v2/models/%E0%A4%A' }, expect: expect4xx },
    { name: 'an unknown route', request: { method: 'GET', path: '/v3/anything' }, expect: expectStatus(404) },
    { name: 'a traversal path', request: { method: 'GET', path: '/../../etc/passwd' }, expect: (response: RawResponse) => (response.body.includes('root:x:0:0') ? 'the answer holds /etc/passwd' : expect4xx(response)) },
    { name: 'a URL of 100 KB', request: { method: 'GET', path: `/v1/models/${'m'.repeat(100 * 1024)}` }, expect: expect4xx, allowNoAnswer: true },
    { name: 'a malformed request line', request: { method: 'GARBAGE', path: '/ what', host: null }, expect: expect4xx, allowNoAnswer: true },
  ];
}

/** Trains penguins once in its own workspace and returns the workspace and the train node's model id. */
export async function trainPenguins(root: string): Promise<{ ws: string; model: string }> {
  const ws = copyExamples(root, 'serve');
  const args = ['run', join(ws, 'penguins.pipeline.json'), '--json'];
  const run = await runCli(args, { cwd: ws, timeoutMs: 300_000 });
  const problems = cliProblems(run, { codes: [0] });
  let model: string | undefined;
  try {
    model = (JSON.parse(run.stdout) as { outputs?: { train?: { model?: string } } }).outputs?.train?.model;
  } catch {
    // reported below
  }
  if (problems.length > 0 || model === undefined) {
    throw new Error(`training the penguins example failed (${problems.join('; ') || 'no train.model output'}):\n${excerptOf(run.stderr + run.stdout, 20)}`);
  }
  return { ws, model };
}

export async function startModelServer(ws: string, model: string): Promise<ServerProcess> {
  return startServer(['serve', model, '--workspace', ws, '--port', '0', '--name', NAME], ws, /Model server: (http:\/\/127\.0\.0\.1:\d+)/);
}

const HEALTH: RawRequest = { method: 'GET', path: '/v2/health/live' };

export async function serveCaseResults(ws: string, model: string): Promise<{ results: CaseResult[]; server: ServerProcess }> {
  let server = await startModelServer(ws, model);
  const cases = serveCases();
  log(`model-server: ${cases.length} cases against ${server.url}`);
  // A good request first: the server must answer it, or every other answer means little.
  const good = await rawRequest(server.port, predict(GOOD_V1));
  if (good.status !== 200) throw new Error(`the model server did not answer a good request: ${good.status ?? good.error} ${good.body.slice(0, 300)}`);
  const results: CaseResult[] = [];
  for (const kase of cases) {
    if (!server.alive()) {
      log('model-server: the server had exited; starting it again');
      server = await startModelServer(ws, model);
    }
    results.push(await runHttpCase('model-server', server, kase, HEALTH));
  }
  return { results, server };
}

// ---------------------------------------------------------------------------------------
// 5xx under load

export interface LoadFigures {
  connections: number;
  requests: number;
  good: number;
  bad: number;
  status2xx: number;
  status4xx: number;
  status5xx: number;
  /** Good requests that were not answered 200. */
  goodNot200: number;
  /** Requests that got no answer (reset, refused, timed out). */
  noAnswer: number;
  seconds: number;
  p50ms: number;
  p99ms: number;
  healthyAfter: boolean;
}

/** `connections` concurrent loopback clients, each sending `perClient` requests in turn (one connection each), until done or `deadlineMs`. */
export async function loadTest(server: ServerProcess, connections = 500, perClient = 4, deadlineMs = 90_000): Promise<{ result: CaseResult; figures: LoadFigures }> {
  const bad: RawRequest[] = [
    predict('{"instances": ['),
    predict(instance({ bill_length_mm: 'abc' })),
    predict(instanceRaw('bill_length_mm', 'NaN')),
    predict(instanceRaw('bill_length_mm', '1e400')),
    predict('{"instances":[{}]}'),
    infer(v2(withTensor('year', { datatype: 'INT8', data: [300] }))),
    infer(v2(withTensor('bill_length_mm', { shape: [2] }))),
    infer(v2(withTensor('bill_length_mm', { datatype: 'FP128' }))),
    { method: 'GET', path: '/v1/models/nope' },
    { method: 'DELETE', path: '/v2/health/live' },
  ];
  const good: RawRequest[] = [predict(GOOD_V1), infer(GOOD_V2), predict(JSON.stringify({ instances: Array.from({ length: 20 }, () => GOOD) })), { method: 'GET', path: '/metrics' }];
  const started = Date.now();
  const latencies: number[] = [];
  const figures: LoadFigures = { connections, requests: 0, good: 0, bad: 0, status2xx: 0, status4xx: 0, status5xx: 0, goodNot200: 0, noAnswer: 0, seconds: 0, p50ms: 0, p99ms: 0, healthyAfter: false };
  const samples5xx: string[] = [];
  await mapPool(
    Array.from({ length: connections }, (_, index) => index),
    connections,
    async (client) => {
      for (let turn = 0; turn < perClient && Date.now() - started < deadlineMs; turn++) {
        const pick = client * perClient + turn;
        const isGood = pick % 5 < 3; // three good in five
        const request = isGood ? good[pick % good.length]! : bad[pick % bad.length]!;
        const response = await rawRequest(server.port, { ...request, timeoutMs: 30_000 });
        figures.requests += 1;
        if (isGood) figures.good += 1;
        else figures.bad += 1;
        latencies.push(response.ms);
        if (response.status === null) figures.noAnswer += 1;
        else if (response.status >= 500) {
          figures.status5xx += 1;
          if (samples5xx.length < 3) samples5xx.push(`${request.method} ${request.path}: ${response.status} ${response.body.slice(0, 200)}`);
        } else if (response.status >= 400) figures.status4xx += 1;
        else figures.status2xx += 1;
        if (isGood && response.status !== 200) figures.goodNot200 += 1;
      }
    },
  );
  figures.seconds = Math.round((Date.now() - started) / 100) / 10;
  latencies.sort((a, b) => a - b);
  figures.p50ms = latencies[Math.floor(latencies.length * 0.5)] ?? 0;
  figures.p99ms = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
  const health = server.alive() ? await rawRequest(server.port, HEALTH) : null;
  figures.healthyAfter = health?.status === 200;
  const problems: string[] = [];
  if (figures.status5xx > 0) problems.push(`${figures.status5xx} answers were 5xx`);
  if (figures.noAnswer > 0) problems.push(`${figures.noAnswer} requests got no answer`);
  if (figures.goodNot200 > 0) problems.push(`${figures.goodNot200} good requests were not answered 200`);
  if (!figures.healthyAfter) problems.push('the server did not answer its health check afterwards');
  const result: CaseResult = {
    category: 'load',
    name: `5xx under load: ${connections} concurrent connections, mixed good/bad`,
    outcome: problems.length > 0 ? 'finding' : 'clean',
    reason: problems.join('; '),
    what: `${figures.requests} requests (${figures.good} good, ${figures.bad} bad) over ${connections} concurrent loopback connections`,
    code: null,
    ms: Date.now() - started,
    note: `2xx ${figures.status2xx}, 4xx ${figures.status4xx}, 5xx ${figures.status5xx}, no answer ${figures.noAnswer}; p50 ${figures.p50ms} ms, p99 ${figures.p99ms} ms`,
    ...(samples5xx.length > 0 ? { excerpt: samples5xx.join('\n') } : {}),
  };
  return { result, figures };
}
