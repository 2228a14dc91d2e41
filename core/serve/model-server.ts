/**
 * The model server (ARCHITECTURE.md section 9): TF Serving REST and the Open Inference
 * Protocol (KServe V2) over one node:http server, plus /metrics for Prometheus. Requests
 * carry raw feature records; the bundle's recipe is replayed on them, so answers equal
 * predict.batch's in the app. A bad request gets a 4xx `{ "error": "…" }` naming the field;
 * nothing a client sends can stop the server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { backendForPrediction, loadBundle } from '../ml/bundle.js';
import { RequestError } from './errors.js';
import { InputSchema } from './inputs.js';
import { parseJsonBody, readBody } from './json-body.js';
import { ServerMetrics } from './metrics.js';
import { BatchingPredictor } from './predictor.js';
import { formatV1Predict, parseV1Predict, v1Metadata, v1Status } from './protocol-v1.js';
import { formatV2Infer, parseV2Infer, v2Metadata, v2OutputNames } from './protocol-v2.js';
import { checkModelName, SERVER_VERSION, type ServeSettings } from './settings.js';

export interface ModelServer {
  /** http://host:port, with 127.0.0.1 standing in for a wildcard host. */
  readonly url: string;
  readonly port: number;
  readonly name: string;
  readonly version: string;
  /** The TF.js backend predictions run on. */
  readonly backend: string;
  log(line: string): void;
  /** Stops accepting connections, lets in-flight requests finish (up to the grace period), then closes. */
  close(): Promise<void>;
}

type Handler = (request: IncomingMessage, response: ServerResponse, match: RouteMatch) => Promise<unknown> | unknown;

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
  { template: '/v2', method: 'GET', pattern: /^\/v2\/?$/ },
  { template: '/v2/health/live', method: 'GET', pattern: /^\/v2\/health\/live$/ },
  { template: '/v2/health/ready', method: 'GET', pattern: /^\/v2\/health\/ready$/ },
  { template: '/v2/models/{m}', method: 'GET', pattern: /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?$/ },
  { template: '/v2/models/{m}/ready', method: 'GET', pattern: /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?\/ready$/ },
  { template: '/v2/models/{m}/infer', method: 'POST', pattern: /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?\/infer$/ },
  { template: '/metrics', method: 'GET', pattern: /^\/metrics$/ },
  { template: '/', method: 'GET', pattern: /^\/$/ },
];

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  response.end(text);
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
  const { version, limits } = settings;
  const lineage = settings.lineage ?? {};
  const log = settings.log ?? (() => {});
  // Checks every recipe step's kind before anything listens: a model needing a pack that is
  // not installed stops the start (one line) instead of failing each request.
  const model = await loadBundle(settings.modelDir);
  const { bundle } = model;
  const backend = await backendForPrediction(bundle, 1);
  const schema = new InputSchema(bundle, limits.maxBatchRows);
  const metrics = new ServerMetrics(bundle, { name, version, backend, lineage });
  const predictor = new BatchingPredictor(model, schema, (rows) => metrics.modelCall(rows));
  const outputNames = v2OutputNames(bundle);

  // One prediction before answering ready: the first real request then pays no warm-up.
  await predictor.predict({ rows: 1, columns: bundle.inputs.map(() => [null]) }).catch((error: unknown) => log(`warm-up prediction failed: ${(error as Error).message}`));

  let draining = false;
  const requireModel = (match: RouteMatch) => {
    if (match.model !== name) throw new RequestError(404, `model '${match.model}' is not served here; this server serves '${name}'`);
    if (match.version !== undefined && match.version !== version) throw new RequestError(404, `model '${name}' has no version '${match.version}'; the served version is '${version}'`);
  };
  const ready = () => !draining;

  const handlers: Record<string, Handler> = {
    '/v1/models/{m}': (_request, response, match) => {
      requireModel(match);
      json(response, 200, v1Status(version, ready()));
    },
    '/v1/models/{m}/metadata': (_request, response, match) => {
      requireModel(match);
      json(response, 200, v1Metadata(name, version, bundle, lineage));
    },
    '/v1/models/{m}:predict': async (request, response, match) => {
      requireModel(match);
      const { format, batch } = parseV1Predict(parseJsonBody(await readBody(request, limits.maxBodyBytes)), schema);
      const result = await predictor.predict(batch);
      metrics.predictions(result);
      json(response, 200, formatV1Predict(format, result, bundle));
    },
    '/v2': (_request, response) => json(response, 200, { name: 'tensorloom', version: SERVER_VERSION, extensions: [] }),
    '/v2/health/live': (_request, response) => json(response, 200, { live: true }),
    '/v2/health/ready': (_request, response) => json(response, ready() ? 200 : 503, { ready: ready() }),
    '/v2/models/{m}': (_request, response, match) => {
      requireModel(match);
      json(response, 200, v2Metadata(name, version, bundle, lineage));
    },
    '/v2/models/{m}/ready': (_request, response, match) => {
      requireModel(match);
      json(response, ready() ? 200 : 503, { name, ready: ready() });
    },
    '/v2/models/{m}/infer': async (request, response, match) => {
      requireModel(match);
      const parsed = parseV2Infer(parseJsonBody(await readBody(request, limits.maxBodyBytes)), schema, outputNames);
      const result = await predictor.predict(parsed.batch);
      metrics.predictions(result);
      json(response, 200, formatV2Infer(name, version, parsed, result, bundle));
    },
    '/metrics': (_request, response) => {
      const text = metrics.render();
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'content-length': Buffer.byteLength(text) });
      response.end(text);
    },
    '/': (_request, response) =>
      json(response, 200, {
        model: name,
        version,
        endpoints: [`POST /v1/models/${name}:predict`, `GET /v1/models/${name}/metadata`, `POST /v2/models/${name}/infer`, `GET /v2/models/${name}`, 'GET /v2/health/ready', 'GET /metrics'],
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

  const inFlight = new Set<ServerResponse>();
  let idle: (() => void) | undefined;

  const server: Server = createServer({ keepAliveTimeout: 65_000 }, (request, response) => {
    const started = process.hrtime.bigint();
    const path = (request.url ?? '/').split('?', 1)[0]!;
    let template = 'other';
    inFlight.add(response);
    metrics.inFlight++;
    // During shutdown, answer what is on open connections but ask clients to reconnect elsewhere.
    if (draining) response.setHeader('connection', 'close');
    response.on('close', () => {
      inFlight.delete(response);
      metrics.inFlight--;
      metrics.request(template, request.method ?? 'GET', response.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
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
        json(response, error.status, { error: error.message }, { ...(allow ? { allow } : {}), ...(error.status === 413 ? { connection: 'close' } : {}) });
        return;
      }
      log(`internal error on ${request.method} ${path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      json(response, 500, { error: `internal error: ${error instanceof Error ? error.message : String(error)}` });
    };
    try {
      const match = route(request.method ?? 'GET', path);
      template = match.template;
      const done = handlers[match.template]!(request, response, match);
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
  log(`serving model '${name}' version ${version} (${bundle.task}, backend ${backend}) on ${settings.host}:${port}`);

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
        model.dispose();
        log('stopped');
        resolve();
      });
    }));

  return { url, port, name, version, backend, log, close };
}
