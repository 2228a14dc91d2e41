/**
 * Shared pieces of the reliability sweep: running the real CLI, raw HTTP on 127.0.0.1,
 * classifying outcomes, a bounded task pool and a seeded random generator.
 */
import { Buffer } from 'node:buffer';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const ENTRY = join(REPO, 'cli', 'entry.ts');
/** tsx's loader by absolute URL (as cli/test-support/run-cli.ts does): `--import tsx` would resolve against the child's cwd. */
export const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** A stack trace line, as the brief defines it. */
export const STACK_RE = /^\s+at .+[:(]/m;
export const INTERNAL_RE = /internal error/i;

export type Category = 'pipelines' | 'data' | 'ui-api' | 'model-server' | 'load' | 'kill-9' | 'disk' | 'concurrent';
export const CATEGORIES: readonly Category[] = ['pipelines', 'data', 'ui-api', 'model-server', 'load', 'kill-9', 'disk', 'concurrent'];

export interface CaseResult {
  category: Category;
  name: string;
  /**
   * 'skipped': the case could not be measured on this machine (e.g. no UI build to serve, no
   * right to mount a small file system); `reason` says why. Never counted as clean.
   */
  outcome: 'clean' | 'finding' | 'skipped';
  /** Why it is a finding or was skipped (empty for clean cases). */
  reason: string;
  /** What was run or sent, in one line. */
  what: string;
  /** Exit code or HTTP status; null when there was none. */
  code: number | null;
  signal?: string | null;
  ms: number;
  /** First lines of the output (findings only, or notable clean cases). */
  excerpt?: string;
  note?: string;
}

// ---------------------------------------------------------------------------------------
// Output helpers

export function firstLines(text: string, lines = 8, width = 220): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, lines)
    .map((line) => (line.length > width ? `${line.slice(0, width)}…` : line))
    .join('\n');
}

/** Problems any output may show: a stack trace or the CLI's internal-error line. */
export function outputProblems(text: string): string[] {
  const problems: string[] = [];
  const stack = STACK_RE.exec(text);
  if (stack) problems.push(`stack trace in output (${stack[0].trim().slice(0, 120)})`);
  if (INTERNAL_RE.test(text)) problems.push("'internal error' in output");
  return problems;
}

/** The lines around the first stack line, or the first lines: what a finding shows. */
export function excerptOf(text: string, lines = 8): string {
  const match = STACK_RE.exec(text) ?? INTERNAL_RE.exec(text);
  if (match) {
    const before = text.slice(0, match.index).split('\n');
    const start = Math.max(0, before.length - 4);
    return firstLines(text.split('\n').slice(start).join('\n'), lines);
  }
  return firstLines(text, lines);
}

// ---------------------------------------------------------------------------------------
// The CLI

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
  pid: number | undefined;
}

const OUTPUT_CAP = 256 * 1024;

function capped(chunks: Buffer[], size: number): string {
  const text = Buffer.concat(chunks).toString('utf8');
  return size > OUTPUT_CAP ? `${text}\n[… ${size - OUTPUT_CAP} more bytes not kept]` : text;
}

/** Starts `tensorloom …` from the sources (node --import tsx cli/entry.ts …). */
export function startCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): ChildProcess {
  return spawn(process.execPath, ['--import', TSX, ENTRY, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Collects a started child's output until it exits (or the timeout kills it). */
export function collect(child: ChildProcess, timeoutMs: number, started = Date.now()): Promise<CliRun> {
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outSize = 0;
    let errSize = 0;
    let timedOut = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      outSize += chunk.length;
      if (outSize - chunk.length < OUTPUT_CAP) out.push(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      errSize += chunk.length;
      if (errSize - chunk.length < OUTPUT_CAP) err.push(chunk);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout: '', stderr: `spawn failed: ${error.message}`, ms: Date.now() - started, timedOut, pid: child.pid });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: capped(out, outSize), stderr: capped(err, errSize), ms: Date.now() - started, timedOut, pid: child.pid });
    });
  });
}

export function runCli(args: string[], options: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<CliRun> {
  const started = Date.now();
  return collect(startCli(args, options), options.timeoutMs ?? 90_000, started);
}

export interface CliExpectation {
  /** Exit codes that are the documented answer (default: 1 or 2, a user mistake). */
  codes?: readonly number[];
  /** The signal the harness itself sent (kill -9 cases). */
  sentSignal?: NodeJS.Signals;
}

/** The brief's rule for a CLI outcome: no crash, a documented exit code, no stack trace, no 'internal error'. */
export function cliProblems(run: CliRun, expect: CliExpectation = {}): string[] {
  const codes = expect.codes ?? [1, 2];
  const problems: string[] = [];
  if (run.timedOut) problems.push(`no exit within the time limit (${Math.round(run.ms / 1000)} s): a hang`);
  else if (run.signal !== null && run.signal !== expect.sentSignal) problems.push(`killed by ${run.signal}`);
  else if (run.code === 134 || run.code === 139) problems.push(`crashed (exit ${run.code})`);
  else if (run.signal === null && (run.code === null || !codes.includes(run.code))) {
    problems.push(run.code === 0 ? 'exit 0: the bad input was accepted' : `exit ${run.code} (expected ${codes.join(' or ')})`);
  }
  problems.push(...outputProblems(run.stdout + '\n' + run.stderr));
  return problems;
}

export function describeCli(args: string[]): string {
  return `tensorloom ${args.map((arg) => (/[\s'"]/.test(arg) ? JSON.stringify(arg) : arg)).join(' ')}`;
}

/** A case that could not be measured here, and why. */
export function skippedCase(category: Category, name: string, what: string, why: string): CaseResult {
  return { category, name, outcome: 'skipped', reason: why, what, code: null, ms: 0 };
}

export function cliCase(category: Category, name: string, args: string[], run: CliRun, problems: string[], note?: string): CaseResult {
  const finding = problems.length > 0;
  return {
    category,
    name,
    outcome: finding ? 'finding' : 'clean',
    reason: problems.join('; '),
    what: describeCli(args),
    code: run.code,
    signal: run.signal,
    ms: run.ms,
    ...(finding ? { excerpt: excerptOf(`${run.stderr}\n${run.stdout}`) } : {}),
    ...(note ? { note } : {}),
  };
}

// ---------------------------------------------------------------------------------------
// Workspaces

/** One temp folder for the whole sweep; every workspace and fixture lives under it. */
export function makeSweepRoot(): string {
  return mkdtempSync(join(tmpdir(), 'tensorloom-reliability-'));
}

let workspaceCounter = 0;
/** A fresh copy of examples/ (pipelines and data, never a .tensorloom store) under `root`. */
export function copyExamples(root: string, label: string): string {
  const dir = join(root, `${String(++workspaceCounter).padStart(3, '0')}-${label.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 40)}`);
  mkdirSync(dir, { recursive: true });
  cpSync(join(REPO, 'examples'), dir, { recursive: true, filter: (path) => !path.split(/[\\/]/).includes('.tensorloom') });
  return dir;
}

// ---------------------------------------------------------------------------------------
// Raw HTTP on 127.0.0.1: full control of the head and body, reads whatever the server answers

export interface RawResponse {
  status: number | null;
  headers: Record<string, string>;
  body: string;
  /** A transport problem: reset, refused, timed out (null when an answer came). */
  error: string | null;
  ms: number;
}

export interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string | number>;
  /** Sent as is, or as chunked transfer encoding when `chunked`. */
  body?: Buffer | string;
  chunked?: boolean;
  /** The Host header; null leaves it out; default 127.0.0.1:PORT. */
  host?: string | null;
  timeoutMs?: number;
}

export function rawRequest(port: number, request: RawRequest): Promise<RawResponse> {
  const started = Date.now();
  const body = request.body === undefined ? undefined : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'utf8');
  const headers: Record<string, string | number> = {};
  if (request.host !== null) headers.Host = request.host ?? `127.0.0.1:${port}`;
  Object.assign(headers, request.headers ?? {});
  headers.Connection = 'close';
  if (body !== undefined) {
    if (request.chunked) headers['Transfer-Encoding'] = 'chunked';
    else if (!Object.keys(headers).some((key) => key.toLowerCase() === 'content-length')) headers['Content-Length'] = body.length;
  }
  const head = `${request.method} ${request.path} HTTP/1.1\r\n${Object.entries(headers)
    .map(([key, value]) => `${key}: ${value}\r\n`)
    .join('')}\r\n`;
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const received: Buffer[] = [];
    let transportError: string | null = null;
    let done = false;
    const finish = (timedOut: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const parsed = parseResponse(Buffer.concat(received));
      const error = parsed.status !== null ? null : timedOut ? 'no answer within the time limit' : (transportError ?? 'the connection closed without an answer');
      resolve({ ...parsed, error, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(true), request.timeoutMs ?? 15_000);
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      if (complete(Buffer.concat(received))) finish(false);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A write error (the server answered early and closed) is not the end: read what came.
      transportError ??= error.code ?? error.message;
      if (error.code === 'ECONNREFUSED') finish(false);
    });
    socket.on('close', () => finish(false));
    socket.on('connect', () => {
      void (async () => {
        try {
          await write(socket, Buffer.from(head, 'latin1'));
          if (body !== undefined) {
            const piece = 64 * 1024;
            for (let offset = 0; offset < body.length && !done && !socket.destroyed; offset += piece) {
              const part = body.subarray(offset, offset + piece);
              await write(socket, request.chunked ? Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]) : part);
              // Read while sending, as curl does: past 4 MiB (near the servers' limits) give an early
              // answer (a 413) time to arrive, and stop sending once it has.
              await new Promise((resolve) => setTimeout(resolve, offset > 4 * 1024 * 1024 ? 20 : 0));
              if (received.length > 0) break;
            }
            if (request.chunked && received.length === 0 && !socket.destroyed) await write(socket, Buffer.from('0\r\n\r\n'));
          }
        } catch {
          // the server closed its side; whatever it answered is read above
        }
      })();
    });
  });
}

function write(socket: ReturnType<typeof connect>, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return reject(new Error('destroyed'));
    socket.write(data, (error) => (error ? reject(error) : resolve()));
  });
}

/** A whole answer is in: the head and as many body bytes as Content-Length says. */
function complete(data: Buffer): boolean {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(data.subarray(0, end).toString('latin1'));
  return length !== null && data.length - (end + 4) >= Number(length[1]);
}

function parseResponse(data: Buffer): { status: number | null; headers: Record<string, string>; body: string } {
  const end = data.indexOf('\r\n\r\n');
  const headText = (end < 0 ? data : data.subarray(0, end)).toString('latin1');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(headText);
  if (!match) return { status: null, headers: {}, body: data.toString('utf8').slice(0, 2000) };
  const headers: Record<string, string> = {};
  for (const line of headText.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = end < 0 ? Buffer.alloc(0) : data.subarray(end + 4);
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') body = dechunk(body);
  return { status: Number(match[1]), headers, body: body.toString('utf8') };
}

function dechunk(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    const lineEnd = data.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(data.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------
// Pool and randomness

/** Runs `task` over `items`, at most `limit` at once, keeping the order of results. */
export async function mapPool<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

// The project's seeded PRNG (mulberry32), to pick delays and values reproducibly.
export { seededRandom } from '../../core/data/random.js';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function log(message: string): void {
  process.stderr.write(`[sweep] ${message}\n`);
}

/** Deep nesting as JSON text: `levels` objects (or arrays) inside each other around `inner`. */
export function nested(levels: number, kind: 'object' | 'array' = 'object', inner = '1'): string {
  return kind === 'object' ? '{"a":'.repeat(levels) + inner + '}'.repeat(levels) : '['.repeat(levels) + inner + ']'.repeat(levels);
}

/**
 * integrity_check and foreign_key_check on the workspace database (opened read-only).
 * `missing`: whether a workspace without a database is a problem (a run killed before it
 * created one is not).
 */
export function databaseProblems(ws: string, missing: 'problem' | 'fine' = 'problem'): string[] {
  const path = join(ws, '.tensorloom', 'tensorloom.db');
  if (!existsSync(path)) return missing === 'problem' ? ['there is no workspace database'] : [];
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((row) => row.integrity_check);
      const foreign = db.pragma('foreign_key_check') as unknown[];
      const problems: string[] = [];
      if (integrity.join() !== 'ok') problems.push(`integrity_check: ${integrity.join('; ').slice(0, 300)}`);
      if (foreign.length > 0) problems.push(`foreign_key_check: ${foreign.length} rows point nowhere`);
      return problems;
    } finally {
      db.close();
    }
  } catch (error) {
    return [`the database does not open: ${(error as Error).message}`];
  }
}

/** What a workspace's tmp/ still holds (nothing, once every run has ended). */
export function tempLeftovers(ws: string): string[] {
  const tmp = join(ws, '.tensorloom', 'tmp');
  return existsSync(tmp) ? readdirSync(tmp) : [];
}
