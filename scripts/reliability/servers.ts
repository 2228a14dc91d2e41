/**
 * Long-running CLI servers (`tensorloom ui`, `tensorloom serve`) for the HTTP categories:
 * started from the sources, their URL read from stdout, their stderr kept so each case can
 * see what the server logged while answering it.
 */
import type { ChildProcess } from 'node:child_process';
import { excerptOf, firstLines, outputProblems, rawRequest, skippedCase, startCli, type CaseResult, type Category, type RawRequest, type RawResponse } from './lib.js';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  alive(): boolean;
  stop(): Promise<void>;
}

export function startServer(args: string[], cwd: string, pattern: RegExp, timeoutMs = 120_000): Promise<ServerProcess & { match: RegExpExecArray }> {
  const child = startCli(args, { cwd });
  let out = '';
  let err = '';
  let exited = false;
  child.stderr?.on('data', (chunk: Buffer) => {
    if (err.length < 4 << 20) err += chunk.toString('utf8');
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.once('close', () => {
    exited = true;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tensorloom ${args[0]} printed no URL within ${timeoutMs / 1000} s:\n${firstLines(err, 20)}`));
    }, timeoutMs);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`tensorloom ${args[0]} exited (${signal ?? code}) before printing its URL:\n${firstLines(err + out, 20)}`));
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const match = pattern.exec(out);
      if (!match) return;
      clearTimeout(timer);
      const url = new URL(match[1]!);
      resolve({
        child,
        url: match[1]!,
        port: Number(url.port),
        match,
        stderr: () => err,
        alive: () => !exited,
        stop: async () => {
          if (exited) return;
          child.kill('SIGTERM');
          const forced = setTimeout(() => child.kill('SIGKILL'), 15_000);
          await closed;
          clearTimeout(forced);
        },
      });
    });
  });
}

export interface HttpCase {
  name: string;
  request: RawRequest;
  /** Whether the answer is the documented one (default: a 4xx). */
  expect?: (response: RawResponse) => string | null;
  /** No answer at all is acceptable (the server may just close a connection it refuses). */
  allowNoAnswer?: boolean;
  /** After the case: a reason when something was written where it must not be. */
  after?: () => string | null;
  /** Send it this many times (default 1); every answer must be right. */
  repeat?: number;
  /** A reason the case cannot be measured here (it is then reported as skipped), or null. */
  skip?: () => string | null;
  /** A further check of an accepted answer (e.g. follow the run it started). */
  followUp?: (response: RawResponse, server: ServerProcess) => Promise<string | null>;
}

export const expect4xx = (response: RawResponse): string | null =>
  response.status !== null && response.status >= 400 && response.status < 500 ? null : `status ${response.status} (expected a 4xx)`;
export const expectStatus =
  (...statuses: number[]) =>
  (response: RawResponse): string | null =>
    response.status !== null && statuses.includes(response.status) ? null : `status ${response.status} (expected ${statuses.join(' or ')})`;
export const expectNot5xx = (response: RawResponse): string | null => (response.status !== null && response.status < 500 ? null : `status ${response.status}`);

/**
 * Sends one case and classifies it: an answer, the documented status, no stack trace in the
 * body or in what the server logged meanwhile, and the server still answers `health` after.
 */
export async function runHttpCase(category: Category, server: ServerProcess, kase: HttpCase, health: RawRequest): Promise<CaseResult> {
  const cannot = kase.skip?.();
  if (cannot) return skippedCase(category, kase.name, `${kase.request.method} ${kase.request.path}`, cannot);
  const logged = server.stderr().length;
  // A timing-dependent answer (an early 413 racing the rest of the body) is sent several
  // times; every attempt must be right, and the finding says how many were not.
  const attempts = kase.repeat ?? 1;
  let response!: RawResponse;
  let problems: string[] = [];
  const tally = new Map<string, number>();
  for (let attempt = 0; attempt < attempts; attempt++) {
    const answer = await rawRequest(server.port, { timeoutMs: 20_000, ...kase.request });
    const wrong: string[] = [];
    if (answer.status === null) {
      if (!kase.allowNoAnswer) wrong.push(`no answer (${answer.error})`);
    } else if (answer.status >= 500) wrong.push(`server error ${answer.status}`);
    else {
      const unexpected = (kase.expect ?? expect4xx)(answer);
      if (unexpected) wrong.push(unexpected);
    }
    wrong.push(...outputProblems(answer.body).map((problem) => `${problem} (in the answer)`));
    for (const problem of wrong) tally.set(problem, (tally.get(problem) ?? 0) + 1);
    // Keep the first answer that went wrong (for the excerpt), else the last one.
    if (wrong.length > 0 && problems.length === 0) {
      response = answer;
      problems = wrong;
    } else if (problems.length === 0) response = answer;
  }
  problems = attempts === 1 ? problems : [...tally].map(([problem, count]) => `${problem} in ${count} of ${attempts} attempts`);
  // Give the server a moment to log what it did with the request.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const log = server.stderr().slice(logged);
  problems.push(...outputProblems(log).map((problem) => `${problem} (in the server's log)`));
  if (kase.followUp && response.status !== null && response.status < 500 && problems.length === 0) {
    const wrong = await kase.followUp(response, server);
    if (wrong) problems.push(wrong);
  }
  const wrote = kase.after?.();
  if (wrote) problems.push(wrote);
  let healthy: RawResponse | null = null;
  if (server.alive()) healthy = await rawRequest(server.port, { timeoutMs: 10_000, ...health });
  if (!server.alive()) problems.push('the server process exited');
  else if (healthy?.status !== 200) problems.push(`health check afterwards: ${healthy?.status ?? healthy?.error}`);
  const finding = problems.length > 0;
  const shownPath = kase.request.path.length > 120 ? `${kase.request.path.slice(0, 120)}…(${kase.request.path.length} chars)` : kase.request.path;
  const bodySize = kase.request.body === undefined ? '' : ` (${kase.request.body.length} bytes${kase.request.chunked ? ', chunked' : ''})`;
  return {
    category,
    name: kase.name,
    outcome: finding ? 'finding' : 'clean',
    reason: problems.join('; '),
    what: `${kase.request.method} ${shownPath}${bodySize}${attempts > 1 ? `, sent ${attempts} times` : ''}`,
    code: response.status,
    ms: response.ms,
    ...(finding ? { excerpt: excerptOf(`${response.status === null ? `(${response.error})` : `HTTP ${response.status}`} ${response.body}\n${log}`) } : {}),
  };
}
