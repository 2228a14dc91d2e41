/**
 * The streams routes of API.md (*Streams*): the HTTP ingest endpoint of data.stream nodes
 * with `source: http`, and the status of a pipeline's stream for the UI.
 *
 * POST /api/streams/ingest?path=<pipeline>&node=<id> takes JSON rows (an object or an array
 * of objects; for a `format: csv` stream, a JSON string of CSV text) and stores them in the
 * stream's inbox before answering, so a 200 means stored: a streaming run (the app's stream
 * trigger, or `tensorloom watch --stream` in another process) processes them. Bodies over
 * 1 MiB are refused (413). Like every API route it needs the server's token.
 */
import type { IncomingMessage } from 'node:http';
import { streamKey, streamParams } from '../stream/stream-hub.js';
import { STREAM_NODE_TYPE } from '../stream/stream-runner.js';
import type { ApiAnswer, ApiContext } from './api.js';
import { HttpError, readJsonBody } from './http.js';
import { pipelineFile, workspacePath } from './workspace-files.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The largest ingest body. */
export const MAX_INGEST_BYTES = 1024 * 1024;

type Route = {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handler: (ctx: ApiContext, req: IncomingMessage, url: URL, params: string[]) => Promise<ApiAnswer> | ApiAnswer;
};

/** The pipeline and its data.stream node named by the query, checked. */
async function streamOf(ctx: ApiContext, url: URL, wantSource?: string) {
  const file = pipelineFile(ctx.root, url.searchParams.get('path'));
  if (!existsSync(file)) throw new HttpError(404, `no pipeline ${JSON.stringify(url.searchParams.get('path'))} in this workspace: save it first`, { field: 'path' });
  const path = workspacePath(ctx.root, file)!;
  let pipeline;
  try {
    pipeline = await ctx.triggers.load(path);
  } catch (error) {
    throw new HttpError(400, error instanceof Error ? error.message : String(error), { field: 'path' });
  }
  const streams = [...pipeline.nodes.values()].filter((node) => node.type === STREAM_NODE_TYPE);
  const nodeId = url.searchParams.get('node') ?? (streams.length === 1 ? streams[0]!.id : null);
  if (nodeId === null) throw new HttpError(400, `name the stream node with ?node=; ${path} has ${streams.length === 0 ? 'none' : streams.map((node) => node.id).join(', ')}`, { field: 'node' });
  const node = pipeline.nodes.get(nodeId);
  if (node === undefined || node.type !== STREAM_NODE_TYPE) {
    throw new HttpError(404, `no ${STREAM_NODE_TYPE} node '${nodeId}' in ${path}${streams.length > 0 ? `; stream nodes are: ${streams.map((candidate) => candidate.id).join(', ')}` : ''}`, { field: 'node' });
  }
  const params = streamParams(node.params);
  if (wantSource !== undefined && params.source !== wantSource) {
    throw new HttpError(409, `node '${nodeId}' of ${path} reads from ${params.source}, not from this endpoint; set its source to '${wantSource}'`, { field: 'node' });
  }
  const key = streamKey(ctx.root, join(ctx.root, path), nodeId);
  return { key, params, nodeId, path };
}

async function ingest(ctx: ApiContext, req: IncomingMessage, url: URL): Promise<ApiAnswer> {
  const { key, params } = await streamOf(ctx, url, 'http');
  const body = await readJsonBody(req, MAX_INGEST_BYTES);
  let message: string;
  if (typeof body === 'string') message = body;
  else if (typeof body === 'object' && body !== null) message = JSON.stringify(body);
  else throw new HttpError(400, 'the body is JSON rows: an object, or an array of objects (a CSV stream: a JSON string of CSV text)');
  if (typeof body !== 'string' && params.format === 'csv') throw new HttpError(400, "this stream's format is csv: send the CSV text as a JSON string");
  const counts = ctx.runs.streams.inbox(key, params).ingest([message]);
  return { body: counts };
}

async function status(ctx: ApiContext, _req: IncomingMessage, url: URL): Promise<ApiAnswer> {
  const { key, params, nodeId, path } = await streamOf(ctx, url);
  const armed = ctx.triggers.list(path).find((trigger) => trigger.kind === 'stream' && trigger.stream !== null)?.stream ?? null;
  const inbox = ctx.runs.streams.inbox(key, params);
  return { body: { stream: key, node: nodeId, source: params.source, running: armed, stats: inbox.stats(), deadLetters: inbox.deadLetters(20) } };
}

export const STREAM_ROUTES: Route[] = [
  { method: 'POST', pattern: /^\/api\/streams\/ingest$/, handler: ingest },
  { method: 'GET', pattern: /^\/api\/streams$/, handler: status },
];
