/**
 * Reading a request body and parsing it as JSON, with errors a client can act on. JSON has
 * no NaN or Infinity, but Python's json.dumps writes them: such a body is refused with the
 * path of the offending value rather than a bare "Unexpected token N".
 */
import type { IncomingMessage } from 'node:http';
import { RequestError } from './errors.js';

/** How long the rest of a refused body is read (and dropped) before the 413 goes out. */
const DRAIN_MS = 2000;

/**
 * Resolves once the rest of the body has come (read and dropped by the caller's listener or
 * by resume), or after `ms`. A server that answers and closes while the client is still
 * sending resets the connection, and the client often never sees the answer (curl: "send
 * failure", half of the time for a 9 MB body): so the 413 is sent once the body is in.
 */
function bodyDrained(request: IncomingMessage, ms = DRAIN_MS): Promise<void> {
  if (request.complete || request.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, ms);
    request.once('end', done);
    request.once('error', done);
    request.once('close', done);
    request.resume();
  });
}

/** Reads the whole body, refusing (413) one larger than `limit` bytes; the refusal is sent once the rest has been read and dropped. */
export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    await bodyDrained(request);
    throw new RequestError(413, `the request body is ${declared} bytes; this server accepts at most ${limit} (MAX_BODY_BYTES); send fewer rows per request`);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    request.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        chunks.length = 0;
        void bodyDrained(request).then(() => reject(new RequestError(413, `the request body is over ${limit} bytes (MAX_BODY_BYTES); send fewer rows per request`)));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      if (!refused) resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    request.on('error', (error) => {
      if (!refused) reject(new RequestError(400, `the request body could not be read: ${error.message}`));
    });
  });
}

const NON_FINITE = /(-?Infinity|NaN)/y;
const MARKER = '\u0000tensorloom-non-finite:';

/** JSON.parse with messages that name the problem; NaN/Infinity are reported with their path. */
export function parseJsonBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    // Checked only once parsing failed: a body that parses is not empty.
    if (text.trim() === '') throw new RequestError(400, 'the request body is empty; send a JSON object');
    const marked = markNonFinite(text);
    if (marked !== null) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(marked);
      } catch {
        parsed = undefined;
      }
      const found = parsed === undefined ? null : findMarker(parsed, '');
      if (found) throw new RequestError(400, `${found.path || 'the body'}: ${found.token} is not a number JSON allows; send a finite number, or null for a missing value`);
    }
    throw new RequestError(400, `the request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** The text with bare NaN/Infinity tokens (outside strings) turned into marker strings, or null if there are none. */
function markNonFinite(text: string): string | null {
  let out = '';
  let last = 0;
  let inString = false;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (inString) {
      if (c === 92 /* \ */) k++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) {
      inString = true;
      continue;
    }
    if (c === 78 /* N */ || c === 73 /* I */ || c === 45 /* - */) {
      NON_FINITE.lastIndex = k;
      const match = NON_FINITE.exec(text);
      if (match) {
        out += text.slice(last, k) + JSON.stringify(MARKER + match[1]);
        k += match[1]!.length - 1;
        last = k + 1;
      }
    }
  }
  return last === 0 ? null : out + text.slice(last);
}

/** Deeper than this the marker is not searched for (the generic JSON error is given instead). */
const MAX_SEARCH_DEPTH = 256;

/** The first marker string, depth-first in document order, with an explicit stack (a body may nest deeply). */
function findMarker(root: unknown, rootPath: string): { path: string; token: string } | null {
  const pending: { value: unknown; path: string; depth: number }[] = [{ value: root, path: rootPath, depth: 0 }];
  while (pending.length > 0) {
    const { value, path, depth } = pending.pop()!;
    if (typeof value === 'string') {
      if (value.startsWith(MARKER)) return { path, token: value.slice(MARKER.length) };
      continue;
    }
    if (typeof value !== 'object' || value === null || depth >= MAX_SEARCH_DEPTH) continue;
    // Pushed in reverse so that the first child is looked at first.
    if (Array.isArray(value)) {
      for (let k = value.length - 1; k >= 0; k--) pending.push({ value: value[k], path: `${path}[${k}]`, depth: depth + 1 });
    } else {
      const entries = Object.entries(value);
      for (let k = entries.length - 1; k >= 0; k--) {
        const [key, item] = entries[k]!;
        pending.push({ value: item, path: path === '' ? key : `${path}.${key}`, depth: depth + 1 });
      }
    }
  }
  return null;
}
