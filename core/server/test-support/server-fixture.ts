/**
 * A real server on port 0 over a temp workspace made from examples/ (the penguins pipeline
 * and its data), with the built-in nodes plus the engine's fixture nodes (a slow one for
 * cancel), the way the composition root builds its registry.
 */
import { cpSync, mkdirSync, mkdtempSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { composeRegistry } from '../../graph/compose.js';
import type { NodeRegistry } from '../../graph/registry.js';
import { fixtureNodes } from '../../engine/test-support/fixture-nodes.js';
import type { EngineEvent } from '../../engine/index.js';
import { builtinNodes } from '../../../nodes/index.js';
import { createServer, type ServerOptions, type TensorloomServer } from '../index.js';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export function exampleWorkspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'tensorloom-server-'));
  cpSync(join(REPO, 'examples', 'penguins.pipeline.json'), join(root, 'penguins.pipeline.json'));
  mkdirSync(join(root, 'data'));
  cpSync(join(REPO, 'examples', 'data'), join(root, 'data'), { recursive: true });
  return root;
}

export function testRegistry(): NodeRegistry {
  return composeRegistry({ builtins: builtinNodes, extra: fixtureNodes });
}

export async function startServer(options: Partial<ServerOptions> = {}): Promise<TensorloomServer> {
  return createServer({
    workspaceRoot: exampleWorkspace(),
    registry: testRegistry(),
    rendererDir: join(tmpdir(), 'tensorloom-no-renderer-here'),
    log: () => {},
    ...options,
  });
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: () => unknown;
}

/**
 * One HTTP request with node:http (fetch forbids setting Host), authorised with the
 * server's token unless `token: null`.
 */
export function call(
  server: TensorloomServer,
  method: string,
  path: string,
  options: { token?: string | null; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const token = options.token === undefined ? server.token : options.token;
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const headers: Record<string, string | number> = { host: `127.0.0.1:${server.port}`, ...options.headers };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (payload !== undefined) {
    headers['content-type'] ??= 'application/json';
    if (headers['transfer-encoding'] === undefined) headers['content-length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as unknown });
      });
    });
    // The server may answer (413) and close before the whole body is written.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** A WebSocket client on /api/events that collects every event. */
export class EventClient {
  readonly events: EngineEvent[] = [];
  private waiters: { test: (event: EngineEvent) => boolean; resolve: (event: EngineEvent) => void }[] = [];

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const event = JSON.parse(data.toString('utf8')) as EngineEvent;
      this.events.push(event);
      this.waiters = this.waiters.filter((waiter) => {
        if (!waiter.test(event)) return true;
        waiter.resolve(event);
        return false;
      });
    });
  }

  static connect(server: TensorloomServer): Promise<EventClient> {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api/events?token=${server.token}`);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new EventClient(socket)));
      socket.once('error', reject);
    });
  }

  /** The first event (already received or still to come) that passes `test`. */
  waitFor(test: (event: EngineEvent) => boolean, timeoutMs = 30_000): Promise<EngineEvent> {
    const seen = this.events.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no such event within ${timeoutMs} ms; got: ${this.events.map((e) => e.type).join(', ')}`)), timeoutMs);
      this.waiters.push({
        test,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
      });
    });
  }

  close(): void {
    this.socket.close();
  }
}
