/** The triggers routes of API.md (*Triggers*); the triggers themselves run in triggers.ts. */
import { existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { CronError, nextFiring, parseCron } from '../stream/cron.js';
import { streamNodeOf } from '../stream/stream-runner.js';
import type { ApiAnswer, ApiContext } from './api.js';
import { HttpError, readJsonBody } from './http.js';
import { TRIGGER_KINDS, type AppTriggerKind, type TriggerConfig, type TriggerManager } from './triggers.js';
import { isWithin, pipelineFile, STORE_FOLDER, workspacePath } from './workspace-files.js';

type Route = {
  method: 'GET' | 'POST';
  pattern: RegExp;
  handler: (ctx: ApiContext, req: IncomingMessage, url: URL, params: string[]) => Promise<ApiAnswer> | ApiAnswer;
};

function manager(ctx: ApiContext): TriggerManager {
  return ctx.triggers;
}

/** The pipeline path of a request, checked, and the file must exist. */
function savedPipeline(ctx: ApiContext, path: unknown): string {
  const file = pipelineFile(ctx.root, path);
  if (!existsSync(file)) throw new HttpError(404, `no pipeline ${JSON.stringify(path)} in this workspace: save it first`);
  return workspacePath(ctx.root, file)!;
}

function listTriggers(ctx: ApiContext, _req: IncomingMessage, url: URL): ApiAnswer {
  const path = savedPipeline(ctx, url.searchParams.get('path'));
  return { body: manager(ctx).list(path) };
}

const fieldError = (field: string, message: string) => new HttpError(400, `${field}: ${message}`, { field });

async function addTrigger(ctx: ApiContext, req: IncomingMessage): Promise<ApiAnswer> {
  const body = (await readJsonBody(req)) as Record<string, unknown>;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'the body must be an object { path, kind, folder | schedule | node }');
  const path = savedPipeline(ctx, body.path);
  const kind = body.kind as AppTriggerKind;
  if (!TRIGGER_KINDS.includes(kind)) throw fieldError('kind', `must be one of ${TRIGGER_KINDS.join(', ')}`);
  const triggers = manager(ctx);
  const same = triggers.all().find((trigger) => trigger.path === path && trigger.kind === kind);
  if (same) throw new HttpError(409, `${path} already has a ${kind} trigger (${same.id}); remove it first`, { field: 'kind' });
  const input: Pick<TriggerConfig, 'path' | 'kind' | 'folder' | 'schedule' | 'node'> = { path, kind };
  if (kind === 'files') input.folder = checkFolder(ctx.root, body.folder);
  if (kind === 'schedule') input.schedule = checkSchedule(body.schedule);
  let pipeline;
  try {
    pipeline = await triggers.load(path);
  } catch (error) {
    throw new HttpError(400, `cannot add a trigger: ${error instanceof Error ? error.message : String(error)}`, { field: 'path' });
  }
  if (kind === 'drift') {
    if (typeof body.node !== 'string' || body.node === '') throw fieldError('node', 'the node whose drift verdict starts the pipeline is required');
    if (!pipeline.nodes.has(body.node)) throw fieldError('node', `no node '${body.node}' in ${path}; nodes are: ${[...pipeline.nodes.keys()].join(', ')}`);
    input.node = body.node;
  }
  if (kind === 'stream') {
    try {
      input.node = streamNodeOf(pipeline);
    } catch (error) {
      throw fieldError('kind', `cannot stream ${path}: ${(error as Error).message}`);
    }
  }
  return { status: 201, body: triggers.add(input) };
}

function checkSchedule(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw fieldError('schedule', "a cron schedule is required, e.g. '*/15 * * * *' (UTC)");
  if (value.length > 200) throw fieldError('schedule', 'at most 200 characters');
  let schedule;
  try {
    schedule = parseCron(value);
  } catch (error) {
    if (error instanceof CronError) throw fieldError('schedule', error.message);
    throw error;
  }
  if (nextFiring(schedule, new Date()) === null) throw fieldError('schedule', `'${value}' never fires (no such date)`);
  return schedule.source;
}

/** A workspace folder (created when missing); outside the workspace or in its store: 400. */
function checkFolder(root: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw fieldError('folder', 'a folder inside the workspace is required, e.g. incoming');
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (value.length > 1024 || /[\0-\x1f]/.test(value)) throw fieldError('folder', 'not a usable folder name');
  const dir = resolve(root, value);
  if (isAbsolute(value) || !isWithin(root, dir)) throw fieldError('folder', `${JSON.stringify(value)} is outside the workspace; the folder must be inside it`);
  const rel = workspacePath(root, dir);
  if (rel === null) throw fieldError('folder', 'the workspace folder itself cannot be watched; name a folder inside it');
  if (rel === STORE_FOLDER || rel.startsWith(`${STORE_FOLDER}/`)) throw fieldError('folder', `the store folder ${STORE_FOLDER} cannot be watched`);
  try {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
    if (!statSync(dir).isDirectory()) throw fieldError('folder', `${rel} is a file, not a folder`);
    // A link inside the workspace that leads out of it is outside too.
    if (!isWithin(realpathSync(root), realpathSync(dir))) throw fieldError('folder', `${JSON.stringify(value)} leads outside the workspace`);
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw fieldError('folder', `cannot use ${rel}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return rel;
}

function found(ctx: ApiContext, id: string, trigger: TriggerConfig | undefined | boolean): ApiAnswer {
  if (!trigger) throw new HttpError(404, `no trigger '${id}' in this workspace`);
  return { body: trigger === true ? { ok: true } : trigger };
}

export const TRIGGER_ROUTES: Route[] = [
  { method: 'GET', pattern: /^\/api\/triggers$/, handler: listTriggers },
  { method: 'POST', pattern: /^\/api\/triggers$/, handler: addTrigger },
  { method: 'POST', pattern: /^\/api\/triggers\/([^/]+)\/pause$/, handler: (ctx, _req, _url, [id]) => found(ctx, id!, manager(ctx).setPaused(id!, true)) },
  { method: 'POST', pattern: /^\/api\/triggers\/([^/]+)\/resume$/, handler: (ctx, _req, _url, [id]) => found(ctx, id!, manager(ctx).setPaused(id!, false)) },
  { method: 'POST', pattern: /^\/api\/triggers\/([^/]+)\/remove$/, handler: (ctx, _req, _url, [id]) => found(ctx, id!, manager(ctx).remove(id!)) },
];
