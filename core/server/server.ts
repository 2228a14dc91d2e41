/**
 * The local server the UI talks to (API.md): static renderer files, the JSON API and the
 * WebSocket event stream, on 127.0.0.1 only, behind a per-launch token. See README.md.
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import type { NodeRegistry } from '../graph/registry.js';
import { WorkspaceStore } from '../store/index.js';
import { route, type ApiContext } from './api.js';
import { Gate, newToken } from './auth.js';
import { lastRecordedBackend, type BackendInfo } from './backend.js';
import { EventStream } from './event-stream.js';
import { baseHeaders, HttpError, sendError, sendJson, withoutMachinePaths } from './http.js';
import { RunManager } from './runs.js';
import { TriggerManager } from './triggers.js';
import { defaultRendererDir, html, StaticFiles } from './static-files.js';
import { STORE_FOLDER } from './workspace-files.js';

export interface ServerOptions {
  /** The workspace folder: pipelines, data, and its `.tensorloom/` store. */
  workspaceRoot: string;
  /** Built by the composition root (cli/): core never imports nodes/. */
  registry: NodeRegistry;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The per-launch secret; a fresh random one when left out. */
  token?: string;
  /** Where the built renderer is (default: dist/renderer/ of this package). */
  rendererDir?: string;
  /** Answers GET /api/backend (default: the backend the last run recorded). */
  backend?: () => BackendInfo | Promise<BackendInfo>;
  /** Where server-side problems are reported (default: stderr). */
  log?: (message: string) => void;
}

export interface TensorloomServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** The URL to open: it carries the token once, the server swaps it for a cookie. */
  launchUrl: string;
  token: string;
  port: number;
  workspaceRoot: string;
  /** Cancels active runs, closes connections, the engine and the store. */
  close(): Promise<void>;
}

export async function createServer(options: ServerOptions): Promise<TensorloomServer> {
  const root = realpathSync(resolve(options.workspaceRoot));
  // Both spellings of the workspace, for taking it out of error messages.
  const workspaceRoots = [...new Set([root, resolve(options.workspaceRoot)])];
  if (!statSync(root).isDirectory()) throw new Error(`workspace ${root} is not a folder`);
  const token = options.token ?? newToken();
  if (token.length < 16) throw new Error('the server token must be at least 16 characters');
  const log = options.log ?? ((message: string) => process.stderr.write(message + '\n'));

  const http = createHttpServer();
  await listen(http, options.port ?? 0);
  const port = (http.address() as AddressInfo).port;

  const storeDir = join(root, STORE_FOLDER);
  if (!existsSync(storeDir)) mkdirSync(storeDir);
  let store: WorkspaceStore;
  try {
    store = WorkspaceStore.open(storeDir);
    store.artifacts.cleanTemp(); // leftovers of processes killed mid-write
  } catch (error) {
    await new Promise((done) => http.close(done));
    throw error;
  }
  const gate = new Gate(token, port);
  const events = new EventStream();
  const runs = new RunManager(options.registry, store, root, (event) => events.broadcast(event), log);
  // The app's triggers, re-armed from the store (triggers.ts).
  const triggers = new TriggerManager({ root, registry: options.registry, store, runs, log });
  const ctx: ApiContext = {
    root,
    registry: options.registry,
    store,
    runs,
    triggers,
    backend: options.backend ?? (() => lastRecordedBackend(store)),
    version: packageVersion(),
  };
  const files = new StaticFiles(options.rendererDir ?? defaultRendererDir(), port);

  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => internalError(res, error));
  });
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      upgrade(req, socket, head);
    } catch (error) {
      log(`tensorloom server: WebSocket upgrade failed: ${describe(error)}`);
      socket.destroy();
    }
  });
  http.on('clientError', (_error, socket: Duplex) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    baseHeaders(res);
    const refusal = refuse(req);
    if (refusal) return sendError(res, refusal);
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      if (!gate.authorized(req, url, { query: false })) return sendError(res, unauthorized());
      try {
        const { handler, params } = route(req.method ?? 'GET', url.pathname);
        const answer = await handler(ctx, req, url, params);
        return sendJson(res, answer.status ?? 200, answer.body);
      } catch (error) {
        if (error instanceof HttpError) return sendError(res, scrubbed(error));
        throw error;
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, new HttpError(405, `${req.method} is not allowed here`, {}, { Allow: 'GET, HEAD' }));
    const offered = url.searchParams.get('token');
    if (offered !== null) {
      if (!gate.tokenMatches(offered)) return html(res, 401, port, 'This link has expired', STALE_LINK);
      // Swap the token in the URL for a cookie, so it is not kept in history or shown in the address bar.
      url.searchParams.delete('token');
      res.writeHead(303, { Location: url.pathname + url.search, 'Set-Cookie': gate.cookieHeader(token), 'Cache-Control': 'no-store', 'Content-Length': 0 });
      return void res.end();
    }
    if (!gate.authorized(req, url, { query: false })) return html(res, 401, port, 'Open Tensorloom from its link', STALE_LINK);
    files.serve(req, res, url.pathname);
  }

  /** Host (DNS rebinding) and Origin (other local pages) checks shared by HTTP and WebSocket. */
  function refuse(req: IncomingMessage): HttpError | undefined {
    if (!gate.hostAllowed(req)) return new HttpError(403, `wrong Host header '${req.headers.host ?? ''}': this server answers only to 127.0.0.1:${port} and localhost:${port}`);
    if (!gate.originAllowed(req)) return new HttpError(403, `requests from origin '${req.headers.origin}' are not allowed`);
    return undefined;
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const refusal = refuse(req) ?? (url.pathname !== '/api/events' ? new HttpError(404, 'WebSocket endpoint is /api/events') : undefined) ?? (gate.authorized(req, url, { query: true }) ? undefined : unauthorized());
    if (refusal) return rejectUpgrade(socket, refusal);
    events.accept(req, socket, head);
  }

  /** A client error as sent: without this machine's paths, whatever a handler put in it. */
  function scrubbed(error: HttpError): HttpError {
    const message = withoutMachinePaths(error.message, workspaceRoots);
    return message === error.message ? error : new HttpError(error.status, message, error.extra, error.headers);
  }

  function internalError(res: ServerResponse, error: unknown): void {
    log(`tensorloom server: internal error on a request: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    try {
      if (res.headersSent) res.destroy();
      // The whole message (stack included) is in the log; the client gets it without machine paths.
      else sendJson(res, 500, { error: `internal error: ${withoutMachinePaths(describe(error), workspaceRoots, true)}` });
    } catch {
      res.destroy();
    }
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const stopped = new Promise<void>((done) => http.close(() => done()));
      http.closeIdleConnections();
      triggers.close();
      await runs.close();
      await events.close();
      http.closeAllConnections();
      await stopped;
      store.close();
    })());

  triggers.start();
  const url = `http://127.0.0.1:${port}`;
  return { url, launchUrl: `${url}/?token=${token}`, token, port, workspaceRoot: root, close };
}

const STALE_LINK = `<p>This page needs the link that <code>tensorloom ui</code> (or the desktop app) printed when it started:
it carries a secret that changes at every launch, so other programs and web pages cannot use this server.</p>
<p>Copy the <code>http://127.0.0.1:…/?token=…</code> line from the terminal, or start the UI again.</p>`;

function unauthorized(): HttpError {
  return new HttpError(401, 'missing or wrong token: open the URL that tensorloom ui printed, or send Authorization: Bearer <token>');
}

function rejectUpgrade(socket: Duplex, error: HttpError): void {
  const body = JSON.stringify({ error: error.message });
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' }[error.status] ?? 'Bad Request';
  socket.end(
    `HTTP/1.1 ${error.status} ${reason}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function listen(http: ReturnType<typeof createHttpServer>, port: number): Promise<void> {
  return new Promise((done, fail) => {
    http.once('error', fail);
    // 127.0.0.1 only: never reachable from another machine.
    http.listen(port, '127.0.0.1', () => {
      http.off('error', fail);
      done();
    });
  });
}

/** This package's version, from its package.json (next to core/ in sources, above dist/ when compiled). */
function packageVersion(): string {
  for (const candidate of ['../../package.json', '../../../package.json']) {
    const url = new URL(candidate, import.meta.url);
    try {
      const parsed = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'tensorloom' && parsed.version) return parsed.version;
    } catch {
      // not there: try the next
    }
  }
  return 'unknown';
}
