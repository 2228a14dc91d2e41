/**
 * The model server (ARCHITECTURE.md section 9): TF Serving REST and the Open Inference
 * Protocol (KServe V2) over one node:http server, plus /metrics for Prometheus. Requests
 * carry raw feature records; the bundle's recipe is replayed on them, so answers equal
 * predict.batch's in the app. A bad request gets a 4xx `{ "error": "…" }` naming the field;
 * nothing a client sends can stop the server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { backendForPrediction, loadBundle, type LoadedModel } from '../ml/bundle.js';
import type { ModelBundle } from '../ml/bundle-format.js';
import { PredictionLog } from '../monitor/prediction-log.js';
import { RequestIds } from '../monitor/request-ids.js';
import { AccessLog } from './access-log.js';
import { RequestError } from './errors.js';
import { InputSchema } from './inputs.js';
import { parseJsonBody, readBody } from './json-body.js';
import { isoTime, PredictionLines } from './log-lines.js';
import { ServerMetrics } from './metrics.js';
import { BatchingPredictor, type PredictionResult } from './predictor.js';
import { parseV1Predict, V1Answers, v1Metadata, v1Status } from './protocol-v1.js';
import { formatV2Infer, parseV2Infer, v2Metadata, v2OutputNames } from './protocol-v2.js';
import { checkModelName, SERVER_VERSION, type ServeLimits, type ServeSettings } from './settings.js';

export interface ModelServer {
  /** http://host:port, with 127.0.0.1 standing in for a wildcard host. */
  readonly url: string;
  readonly port: number;
  readonly name: string;
  /** The version answering new requests (changes with `swap`). */
  readonly version: string;
  /** The TF.js backend predictions run on. */
  readonly backend: string;
  /** The prediction log's folder, when the log is on. */
  readonly logDir: string | undefined;
  log(line: string): void;
  /**
   * Loads another model bundle and makes it the served one atomically: requests already
   * received finish on the old model (disposed after the last one), later ones use the new
   * one, none fails. A bundle that does not load leaves the old model serving (and rejects).
   */
  swap(next: { modelDir: string; version: string; lineage?: Readonly<Record<string, string>> }): Promise<void>;
  /** Stops accepting connections, lets in-flight requests finish (up to the grace period), then closes. */
  close(): Promise<void>;
}

type Handler = (request: IncomingMessage, response: ServerResponse, match: RouteMatch, context: RequestContext) => Promise<unknown> | unknown;

interface RequestContext {
  readonly id: string;
  readonly started: bigint;
  readonly time: number;
  rows?: number;
  /** The model version that answered (x-model-version), for the access log. */
  version?: string;
}

/** One loaded model with everything derived from it; replaced as a whole by a swap. */
interface Live {
  readonly model: LoadedModel;
  readonly bundle: ModelBundle;
  readonly version: string;
  readonly lineage: Readonly<Record<string, string>>;
  readonly backend: string;
  readonly schema: InputSchema;
  readonly predictor: BatchingPredictor;
  readonly metrics: ServerMetrics;
  readonly outputNames: ReturnType<typeof v2OutputNames>;
  readonly v1Answers: V1Answers;
  readonly logLines: PredictionLines;
  /** Predict requests using this model right now; a retired model is disposed when it reaches 0. */
  active: number;
  retired: boolean;
}

async function loadLive(name: string, modelDir: string, version: string, lineage: Readonly<Record<string, string>>, limits: ServeLimits, log: (line: string) => void): Promise<Live> {
  // Checks every recipe step's kind before anything listens: a model needing a pack that is
  // not installed stops the start (one line) instead of failing each request.
  const model = await loadBundle(modelDir);
  const { bundle } = model;
  const backend = await backendForPrediction(bundle, 1);
  const schema = new InputSchema(bundle, limits.maxBatchRows);
  const metrics = new ServerMetrics(bundle, { name, version, backend, lineage });
  const predictor = new BatchingPredictor(model, schema, (rows) => metrics.modelCall(rows));
  // One prediction before answering: the first real request then pays no warm-up.
  await predictor.predict({ rows: 1, columns: bundle.inputs.map(() => [null]) }).catch((error: unknown) => log(`warm-up prediction failed: ${(error as Error).message}`));
  const logLines = new PredictionLines(name, version, bundle, schema.inputs.map((input) => input.name));
  return { model, bundle, version, lineage, backend, schema, predictor, metrics, outputNames: v2OutputNames(bundle), v1Answers: new V1Answers(bundle), logLines, active: 0, retired: false };
}

/** `[{ "id": "…", "label": … }, …]`: ground truth for logged requests. */
function parseFeedback(body: unknown): { id: string; label: unknown }[] {
  if (!Array.isArray(body)) throw new RequestError(400, 'the body must be a JSON list of {"id": "<x-request-id of the prediction>", "label": <the true value>}');
  return body.map((item: unknown, k) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new RequestError(400, `[${k}]: expected an object {"id", "label"}`);
    const { id, label, ...rest } = item as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) throw new RequestError(400, `[${k}].${extra}: unknown field; send "id" and "label"`);
    if (typeof id !== 'string' || id.length === 0 || id.length > 128) throw new RequestError(400, `[${k}].id: expected the request id (text, 1–128 characters) from the prediction's x-request-id header`);
    if (label === undefined) throw new RequestError(400, `[${k}].label: missing; send the true value (a list of values for a request of several rows)`);
    return { id, label };
  });
}

interface RouteMatch {
  readonly template: string;
  readonly method: 'GET' | 'POST';
  readonly model?: string;
  readonly version?: string;
}

/** Routes as templates (the metrics' route label) and the pattern they match. */
const ROUTES: readonly { template: string; method: 'GET' | 'POST'; pattern: RegExp }[] = [
  { template: '/v1/models/{m}', method: 'GET', pattern: /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+))?$/ },
  { template: '/v1/models/{m}/metadata', method: 'GET', pattern: /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+))?\/metadata$/ },
  { template: '/v1/models/{m}:predict', method: 'POST', pattern: /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+))?:predict$/ },
  { template: '/v1/models/{m}/feedback', method: 'POST', pattern: /^\/v1\/models\/([^/:]+)(?:\/versions\/([^/:]+))?\/feedback$/ },
  { template: '/v2', method: 'GET', pattern: /^\/v2\/?$/ },
  { template: '/v2/health/live', method: 'GET', pattern: /^\/v2\/health\/live$/ },
  { template: '/v2/health/ready', method: 'GET', pattern: /^\/v2\/health\/ready$/ },
  { template: '/v2/models/{m}', method: 'GET', pattern: /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?$/ },
  { template: '/v2/models/{m}/ready', method: 'GET', pattern: /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?\/ready$/ },
  { template: '/v2/models/{m}/infer', method: 'POST', pattern: /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?\/infer$/ },
  { template: '/metrics', method: 'GET', pattern: /^\/metrics$/ },
  { template: '/', method: 'GET', pattern: /^\/$/ },
];

/**
 * Every answer's head in one writeHead (no setHeader before it: Node then writes the given
 * headers straight out instead of merging them into a header map), with the request id.
 */
function send(response: ServerResponse, context: RequestContext, status: number, type: string, text: string, headers?: Record<string, string>): void {
  response.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(text)), 'x-request-id': context.id, ...headers });
  response.end(text);
}

function json(response: ServerResponse, context: RequestContext, status: number, body: unknown, headers?: Record<string, string>): void {
  send(response, context, status, 'application/json', JSON.stringify(body), headers);
}

function decode(part: string | undefined): string | undefined {
  if (part === undefined) return undefined;
  try {
    return decodeURIComponent(part);
  } catch {
    throw new RequestError(400, `the URL segment '${part}' is not valid percent-encoding`);
  }
}

export async function startModelServer(settings: ServeSettings): Promise<ModelServer> {
  const name = checkModelName(settings.name);
  const { limits } = settings;
  const log = settings.log ?? (() => {});
  let live = await loadLive(name, settings.modelDir, settings.version, settings.lineage ?? {}, limits, log);
  const accessLog = settings.accessLog ? new AccessLog(settings.accessLog) : undefined;
  const ids = new RequestIds();
  let predictionLog: PredictionLog | undefined;
  if (settings.predictionLog) {
    const { dir, sample, flushMs, maxFileBytes } = settings.predictionLog;
    try {
      predictionLog = new PredictionLog(dir, { sample, ids, ...(flushMs === undefined ? {} : { flushMs }), ...(maxFileBytes === undefined ? {} : { maxFileBytes }), onError: (error) => log(`prediction log: ${error.message}`) });
    } catch (error) {
      log(`prediction log off: cannot write to ${dir}: ${(error as Error).message}`);
    }
  }
  /** Runs a predict on the live model of the moment; a swap meanwhile lets it finish on that one. */
  const usingLive = async <T>(work: (current: Live) => Promise<T>): Promise<T> => {
    const current = live;
    current.active++;
    try {
      return await work(current);
    } finally {
      if (--current.active === 0 && current.retired) current.model.dispose();
    }
  };
  const logPrediction = (context: RequestContext, current: Live, columns: readonly (readonly unknown[])[], result: PredictionResult) => {
    context.rows = result.rows;
    if (!predictionLog) return;
    // To the microsecond: finer is noise, and a short number is cheaper to write.
    const latencyMs = Math.round(Number(process.hrtime.bigint() - context.started) / 1e3) / 1e3;
    predictionLog.logPredictionLine(context.id, current.logLines.line(context.id, context.time, latencyMs, predictionLog.sampled() ? columns : undefined, result));
  };

  let draining = false;
  const requireModel = (match: RouteMatch) => {
    if (match.model !== name) throw new RequestError(404, `model '${match.model}' is not served here; this server serves '${name}'`);
    if (match.version !== undefined && match.version !== live.version) throw new RequestError(404, `model '${name}' has no version '${match.version}'; the served version is '${live.version}'`);
  };
  const ready = () => !draining;

  const handlers: Record<string, Handler> = {
    '/v1/models/{m}': (_request, response, match, context) => {
      requireModel(match);
      json(response, context, 200, v1Status(live.version, ready()));
    },
    '/v1/models/{m}/metadata': (_request, response, match, context) => {
      requireModel(match);
      json(response, context, 200, v1Metadata(name, live.version, live.bundle, live.lineage));
    },
    '/v1/models/{m}:predict': async (request, response, match, context) => {
      requireModel(match);
      const parsed = parseJsonBody(await readBody(request, limits.maxBodyBytes));
      const body = settings.featureLookup ? settings.featureLookup.enrich(parsed) : parsed;
      await usingLive(async (current) => {
        const { format, batch } = parseV1Predict(body, current.schema);
        const result = await current.predictor.predict(batch);
        current.metrics.predictions(result);
        logPrediction(context, current, batch.columns, result);
        context.version = current.version;
        send(response, context, 200, 'application/json', current.v1Answers.text(format, result), { 'x-model-version': current.version });
      });
    },
    '/v1/models/{m}/feedback': async (request, response, match, context) => {
      if (match.model !== name) throw new RequestError(404, `model '${match.model}' is not served here; this server serves '${name}'`);
      const items = parseFeedback(parseJsonBody(await readBody(request, limits.maxBodyBytes)));
      if (!predictionLog) throw new RequestError(409, 'the prediction log is off on this server, so feedback has nowhere to go; start it with a log (tensorloom serve without --no-log; images: PREDICTION_LOG unset)');
      json(response, context, 202, predictionLog.logFeedback(items));
    },
    '/v2': (_request, response, _match, context) => json(response, context, 200, { name: 'tensorloom', version: SERVER_VERSION, extensions: [] }),
    '/v2/health/live': (_request, response, _match, context) => json(response, context, 200, { live: true }),
    '/v2/health/ready': (_request, response, _match, context) => json(response, context, ready() ? 200 : 503, { ready: ready() }),
    '/v2/models/{m}': (_request, response, match, context) => {
      requireModel(match);
      json(response, context, 200, v2Metadata(name, live.version, live.bundle, live.lineage));
    },
    '/v2/models/{m}/ready': (_request, response, match, context) => {
      requireModel(match);
      json(response, context, ready() ? 200 : 503, { name, ready: ready() });
    },
    '/v2/models/{m}/infer': async (request, response, match, context) => {
      requireModel(match);
      const body = parseJsonBody(await readBody(request, limits.maxBodyBytes));
      await usingLive(async (current) => {
        const parsed = parseV2Infer(body, current.schema, current.outputNames);
        const result = await current.predictor.predict(parsed.batch);
        current.metrics.predictions(result);
        logPrediction(context, current, parsed.batch.columns, result);
        context.version = current.version;
        json(response, context, 200, formatV2Infer(name, current.version, parsed, result, current.bundle), { 'x-model-version': current.version });
      });
    },
    '/metrics': (_request, response, _match, context) => {
      send(response, context, 200, 'text/plain; version=0.0.4; charset=utf-8', live.metrics.render() + (settings.featureLookup?.metricsText() ?? ''));
    },
    '/': (_request, response, _match, context) =>
      json(response, context, 200, {
        model: name,
        version: live.version,
        endpoints: [`POST /v1/models/${name}:predict`, `POST /v1/models/${name}/feedback`, `GET /v1/models/${name}/metadata`, `POST /v2/models/${name}/infer`, `GET /v2/models/${name}`, 'GET /v2/health/ready', 'GET /metrics'],
      }),
  };

  const route = (method: string, path: string): RouteMatch => {
    let allowed: string | undefined;
    for (const candidate of ROUTES) {
      const found = candidate.pattern.exec(path);
      if (!found) continue;
      if (candidate.method !== method) {
        allowed = candidate.method;
        continue;
      }
      const modelName = decode(found[1]);
      const modelVersion = decode(found[2]);
      return { template: candidate.template, method: candidate.method, ...(modelName === undefined ? {} : { model: modelName }), ...(modelVersion === undefined ? {} : { version: modelVersion }) };
    }
    if (allowed) throw Object.assign(new RequestError(405, `${method} is not allowed on ${path}; use ${allowed}`), { allow: allowed });
    throw new RequestError(404, `no such endpoint: ${method} ${path}; see GET / for this server's endpoints`);
  };

  const predictPath = `/v1/models/${name}:predict`;
  const predictMatch: RouteMatch = { template: '/v1/models/{m}:predict', method: 'POST', model: name };
  const inFlight = new Set<ServerResponse>();
  let idle: (() => void) | undefined;

  const server: Server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
    const started = process.hrtime.bigint();
    const context: RequestContext = { id: ids.issue(request.headers['x-request-id']), started, time: Date.now() };
    const url = request.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    let template = 'other';
    inFlight.add(response);
    live.metrics.inFlight++;
    // During shutdown, answer what is on open connections but ask clients to reconnect elsewhere.
    if (draining) response.setHeader('connection', 'close');
    response.on('close', () => {
      inFlight.delete(response);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      live.metrics.inFlight--;
      live.metrics.request(template, request.method ?? 'GET', response.statusCode, seconds);
      accessLog?.write({
        time: isoTime(context.time),
        id: context.id,
        method: request.method ?? 'GET',
        path: path.length > 200 ? `${path.slice(0, 200)}…` : path,
        route: template,
        status: response.statusCode,
        ms: Math.round(seconds * 1e6) / 1e3,
        model: name,
        version: context.version ?? live.version,
        ...(context.rows === undefined ? {} : { rows: context.rows }),
      });
      if (inFlight.size === 0) idle?.();
    });
    const fail = (error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      if (error instanceof RequestError) {
        const allow = (error as RequestError & { allow?: string }).allow;
        // A 413 closes the connection (readBody has read and dropped the rest of the body first, for at most 2 s).
        json(response, context, error.status, { error: error.message }, { ...(allow ? { allow } : {}), ...(error.status === 413 ? { connection: 'close' } : {}) });
        return;
      }
      log(`internal error on ${request.method} ${path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      json(response, context, 500, { error: `internal error: ${error instanceof Error ? error.message : String(error)}` });
    };
    try {
      // The hot route without the pattern walk (the name needs no decoding: checkModelName).
      const match = path === predictPath && request.method === 'POST' ? predictMatch : route(request.method ?? 'GET', path);
      template = match.template;
      const done = handlers[match.template]!(request, response, match, context);
      if (done instanceof Promise) done.catch(fail);
    } catch (error) {
      fail(error);
    }
  });
  server.headersTimeout = 66_000;
  // Malformed HTTP never reaches a handler: answer 400 and drop that connection only.
  server.on('clientError', (error, socket) => {
    if (socket.writable && !(error as NodeJS.ErrnoException).code?.startsWith('ECONNRESET')) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = settings.host === '0.0.0.0' || settings.host === '::' ? '127.0.0.1' : settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  const url = `http://${shownHost}:${port}`;
  log(`serving model '${name}' version ${live.version} (${live.bundle.task}, backend ${live.backend}) on ${settings.host}:${port}${predictionLog ? `; prediction log in ${predictionLog.dir}` : ''}`);

  let swapping: Promise<void> = Promise.resolve();
  const swap: ModelServer['swap'] = (next) => {
    const run = swapping.then(async () => {
      if (draining) throw new Error('the server is stopping');
      const loaded = await loadLive(name, next.modelDir, next.version, next.lineage ?? live.lineage, limits, log);
      const old = live;
      // Counters start again with the new version's metrics (as after a restart); requests in flight carry over.
      loaded.metrics.inFlight = old.metrics.inFlight;
      live = loaded;
      old.retired = true;
      if (old.active === 0) old.model.dispose();
      log(`now serving model '${name}' version ${loaded.version} (was ${old.version})`);
    });
    swapping = run.catch(() => {});
    return run;
  };

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      draining = true;
      for (const response of inFlight) if (!response.headersSent) response.setHeader('connection', 'close');
      const closed = new Promise<void>((done) => server.close(() => done()));
      const drained = new Promise<void>((done) => {
        idle = done;
        if (inFlight.size === 0) done();
      });
      const grace = setTimeout(() => {
        log(`shutdown: ${inFlight.size} request(s) still running after ${settings.shutdownGraceMs} ms; closing their connections`);
        server.closeAllConnections();
      }, settings.shutdownGraceMs);
      void drained.then(() => server.closeIdleConnections());
      void closed.then(() => {
        clearTimeout(grace);
        void swapping.then(async () => {
          live.model.dispose();
          accessLog?.flush();
          await predictionLog?.close();
          log('stopped');
          resolve();
        });
      });
    }));

  return {
    url,
    port,
    name,
    get version() {
      return live.version;
    },
    get backend() {
      return live.backend;
    },
    logDir: predictionLog?.dir,
    log,
    close,
    swap,
  };
}
