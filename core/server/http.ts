/** Small HTTP helpers: JSON answers, bounded JSON bodies, and the headers every answer carries. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { LineIndex, scanJson } from '../graph/json-source.js';

/** JSON request bodies larger than this are refused with 413 (API.md). */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** An answer for the client: a status and a message it may show. Anything else is a 500. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Headers for every answer: no MIME sniffing, no referrer leaking the URL (or a token in it). */
export function baseHeaders(res: ServerResponse): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    // API answers describe live state: never serve them from a cache.
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { error: error.message, ...error.extra }, error.headers);
}

/** How long the rest of a refused body is read (and dropped) before the 413 goes out. */
export const DRAIN_MS = 2000;

/**
 * Reads and drops the rest of a request body, for at most `ms`, and resolves when it has all
 * come (or the time is up). A server that answers and closes while the client is still
 * sending resets the connection, and the client often never sees the answer (curl: "send
 * failure", half of the time for a 9 MB body): so a refusal is sent once the body is in.
 */
export function drainBody(req: IncomingMessage, ms = DRAIN_MS): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, ms);
    req.on('data', () => undefined);
    req.once('end', done);
    req.once('error', done);
    req.once('close', done);
    req.resume();
  });
}

/**
 * Reads a JSON body of at most `limit` bytes. A declared or streamed size over the limit is
 * a 413, answered once the rest of the body has been read and dropped (see drainBody), then
 * the connection closes; bad JSON a 400.
 */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const tooLarge = () => new HttpError(413, `request body is larger than ${limit / 1024 / 1024} MiB`, {}, { Connection: 'close' });
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    await drainBody(req);
    throw tooLarge();
  }
  const text = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else {
        refused = true;
        req.off('data', onData);
        chunks.length = 0;
        void drainBody(req).then(() => reject(tooLarge()));
      }
    };
    req.on('data', onData);
    req.once('end', () => {
      if (!refused) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    // The client went away mid-body: nothing to answer, and not a server fault.
    req.once('error', (error) => {
      if (!refused) reject(new HttpError(400, `request body could not be read: ${error.message}`));
    });
  });
  if (text.trim() === '') throw new HttpError(400, 'request body is empty; expected JSON');
  // The pipeline file's own scanner, with the CLI's depth limit: a body nested thousands of
  // levels deep would overflow the stack of every walker after it (validation, saving,
  // answering), and no pipeline needs more than its 256 levels.
  const scan = scanJson(text, { record: false });
  if (!scan.ok) {
    const { line, column } = new LineIndex(text).locate(scan.offset);
    const what = scan.message.includes('levels deep') ? 'request body is refused' : 'request body is not valid JSON';
    throw new HttpError(400, `${what}: ${scan.message} (line ${line}, column ${column})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // The scanner accepts exactly JSON's grammar, so this is a safety net.
    throw new HttpError(400, `request body is not valid JSON: ${(error as Error).message}`);
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A message with this machine's paths taken out: the workspace becomes `<workspace>`, the
 * home and temp folders `~` and `<tmp>`; with `all`, any other absolute path `<path>`. An
 * answer may reach a page or a log that should not learn how the machine is laid out.
 */
export function withoutMachinePaths(message: string, workspaceRoots: readonly string[], all = false): string {
  const places: [string, string][] = [
    ...workspaceRoots.map((root): [string, string] => [root, '<workspace>']),
    [tmpdir(), '<tmp>'],
    [homedir(), '~'],
  ];
  let text = message;
  // Longest first, so the workspace inside the temp folder is named as the workspace.
  for (const [place, name] of places.filter(([place]) => place.length > 1).sort((a, b) => b[0].length - a[0].length)) {
    // Whole paths only: `data/tmp/x` (a workspace path) keeps its `/tmp`, `/tmpfiles` is not `/tmp`.
    text = text.replace(new RegExp(`(?<![\\w.~-])${escapeRegExp(place)}(?![\\w.~-])`, 'g'), name);
  }
  if (all) text = text.replace(/(?<![\w.<>~-])(?:[A-Za-z]:)?[\\/](?:[^\s'"`,;()\\/]+[\\/])+[^\s'"`,;()]*/g, '<path>');
  return text;
}

/** The `document` field of a body, which must be a JSON object. */
export function documentOf(body: unknown): Record<string, unknown> {
  const document = isObject(body) ? body.document : undefined;
  if (!isObject(document)) throw new HttpError(400, "expected a JSON body { document: {…} } holding the pipeline document");
  return document;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
