/** The JSON API of API.md: one small handler per route. Handlers throw HttpError for the client. */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import { checkWorkspacePaths, formatIssue, locateIssues, migratePipeline, parsePipelineText, savedPipelineDoc, validatePipeline } from '../graph/index.js';
import { scanJson } from '../graph/json-source.js';
import type { NodeRegistry } from '../graph/registry.js';
import type { PipelineDoc, ValidationIssue } from '../graph/types.js';
import type { WorkspaceStore } from '../store/index.js';
import type { BackendInfo } from './backend.js';
import { copyDataFileIn, listDataFiles } from './data-files.js';
import { documentOf, HttpError, MAX_BODY_BYTES, readJsonBody } from './http.js';
import { DEFAULT_PREVIEW_ROWS, MAX_PREVIEW_ROWS, PREVIEW_KINDS, previewArtifact, type PreviewKind } from './preview.js';
import { getModel, getModelVersion, listModels, setModelAlias } from './models.js';
import type { RunManager } from './runs.js';
import { MONITORING_ROUTES } from './monitoring-api.js';
import { FEATURE_ROUTES } from './features-api.js';
import { listRuns, TRACKING_ROUTES } from './tracking-api.js';
import { TRIGGER_ROUTES } from './triggers-api.js';
import { STREAM_ROUTES } from './streams-api.js';
import type { TriggerManager } from './triggers.js';
import { fileError, listPipelines, pipelineFile, workspacePath, writeFileAtomic } from './workspace-files.js';

export interface ApiContext {
  root: string;
  registry: NodeRegistry;
  store: WorkspaceStore;
  runs: RunManager;
  /** The app's triggers (triggers.ts, API.md *Triggers*). */
  triggers: TriggerManager;
  backend: () => BackendInfo | Promise<BackendInfo>;
  version: string;
}

export interface ApiAnswer {
  status?: number;
  body: unknown;
}

type Handler = (ctx: ApiContext, req: IncomingMessage, url: URL, params: string[]) => Promise<ApiAnswer> | ApiAnswer;

interface Route {
  method: 'GET' | 'PUT' | 'POST';
  pattern: RegExp;
  handler: Handler;
}

/** An issue as the UI shows it: the validator's fields plus severity and a one-line text. */
export interface ApiIssue extends ValidationIssue {
  severity: 'error' | 'warning';
  text: string;
}

const ROUTES: Route[] = [
  { method: 'GET', pattern: /^\/api\/health$/, handler: (ctx) => ({ body: { ok: true, version: ctx.version, workspace: ctx.root } }) },
  { method: 'GET', pattern: /^\/api\/nodes$/, handler: (ctx) => ({ body: ctx.registry.catalog() }) },
  { method: 'GET', pattern: /^\/api\/packs$/, handler: (ctx) => ({ body: ctx.registry.packs() }) },
  { method: 'GET', pattern: /^\/api\/backend$/, handler: async (ctx) => ({ body: await ctx.backend() }) },
  { method: 'GET', pattern: /^\/api\/pipelines$/, handler: async (ctx) => ({ body: await listPipelines(ctx.root) }) },
  { method: 'GET', pattern: /^\/api\/pipelines\/file$/, handler: getPipeline },
  { method: 'PUT', pattern: /^\/api\/pipelines\/file$/, handler: putPipeline },
  { method: 'POST', pattern: /^\/api\/validate$/, handler: validate },
  { method: 'GET', pattern: /^\/api\/examples$/, handler: examples },
  { method: 'GET', pattern: /^\/api\/files$/, handler: async (ctx) => ({ body: await listDataFiles(ctx.root) }) },
  { method: 'PUT', pattern: /^\/api\/files$/, handler: async (ctx, req, url) => ({ body: await copyDataFileIn(ctx.root, req, url.searchParams.get('path')) }) },
  ...TRACKING_ROUTES,
  { method: 'POST', pattern: /^\/api\/runs$/, handler: startRun },
  { method: 'GET', pattern: /^\/api\/runs$/, handler: listRuns },
  { method: 'POST', pattern: /^\/api\/runs\/([^/]+)\/cancel$/, handler: cancelRun },
  { method: 'GET', pattern: /^\/api\/runs\/([^/]+)$/, handler: getRun },
  { method: 'GET', pattern: /^\/api\/artifacts\/([^/]+)\/preview$/, handler: preview },
  { method: 'GET', pattern: /^\/api\/models$/, handler: listModels },
  { method: 'GET', pattern: /^\/api\/models\/([^/]+)$/, handler: getModel },
  { method: 'GET', pattern: /^\/api\/models\/([^/]+)\/versions\/([^/]+)$/, handler: getModelVersion },
  { method: 'POST', pattern: /^\/api\/models\/([^/]+)\/aliases$/, handler: setModelAlias },
  ...TRIGGER_ROUTES,
  ...STREAM_ROUTES,
  ...MONITORING_ROUTES,
  ...FEATURE_ROUTES,
];

/** Finds the route for a request: the handler, or a 404 / 405 HttpError. */
export function route(method: string, pathname: string): { handler: Handler; params: string[] } {
  const matching = ROUTES.map((candidate) => ({ candidate, match: candidate.pattern.exec(pathname) })).filter((found) => found.match !== null);
  if (matching.length === 0) throw new HttpError(404, `no API route ${pathname}`);
  const found = matching.find(({ candidate }) => candidate.method === method);
  if (!found) {
    const allowed = matching.map(({ candidate }) => candidate.method).join(', ');
    throw new HttpError(405, `${method} is not allowed on ${pathname}; use ${allowed}`, {}, { Allow: allowed });
  }
  const params = found.match!.slice(1).map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new HttpError(400, `malformed URL escape in ${pathname}`);
    }
  });
  return { handler: found.candidate.handler, params };
}

function toApiIssues(issues: readonly ValidationIssue[], severity: ApiIssue['severity']): ApiIssue[] {
  return issues.map((issue) => ({ ...issue, severity, text: formatIssue(issue, severity) }));
}

/** Errors and warnings of a pipeline's text, with lines and columns. */
function analyzeText(text: string, path: string, registry: NodeRegistry): ApiIssue[] {
  const parsed = parsePipelineText(text, path);
  if (!parsed.ok) return toApiIssues(parsed.issues, 'error');
  const validated = validatePipeline(parsed.doc, registry);
  const place = (issues: ValidationIssue[]) => locateIssues(issues, parsed.locator).map((issue) => ({ ...issue, file: path }));
  return [...(validated.ok ? [] : toApiIssues(place(validated.issues), 'error')), ...toApiIssues(place(validated.warnings), 'warning')];
}

async function getPipeline(ctx: ApiContext, _req: IncomingMessage, url: URL): Promise<ApiAnswer> {
  const path = url.searchParams.get('path');
  const file = pipelineFile(ctx.root, path);
  let text: string;
  try {
    // The editor gets the same size limit as a saved body: a huge file is not a pipeline.
    const { size } = await stat(file);
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `${path} is ${(size / 1024 / 1024).toFixed(1)} MiB; pipeline files can be at most ${MAX_BODY_BYTES / 1024 / 1024} MiB`);
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw fileError(error, ctx.root, path!, 'read');
  }
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  // Only JSON within the depth limit is sent back as a document: deeper would overflow
  // JSON.stringify. Otherwise `document` is null and the issues say where the text breaks.
  const document: unknown = scanJson(source, { record: false }).ok ? JSON.parse(source) : null;
  const issues = analyzeText(text, path!, ctx.registry);
  // Nodes saved by an older version of their type come back migrated (typeVersion written on
  // every node), with the list, so the editor shows and saves the current form: the renderer
  // cannot migrate, it has no node definitions. The file itself changes only on save.
  const parsed = parsePipelineText(text, path!);
  const migration = parsed.ok ? migratePipeline(parsed.doc, ctx.registry) : undefined;
  if (migration && migration.migrated.length > 0) {
    const current = issues.filter((issue) => issue.code !== 'needs-migration');
    return { body: { path, document: savedPipelineDoc(migration.doc), issues: current, migrated: migration.migrated } };
  }
  return { body: { path, document, issues } };
}

async function putPipeline(ctx: ApiContext, req: IncomingMessage, url: URL): Promise<ApiAnswer> {
  const path = url.searchParams.get('path');
  const file = pipelineFile(ctx.root, path);
  const body = await readJsonBody(req);
  const document = documentOf(body);
  const runIds = runsToLink(body);
  const text = JSON.stringify(document, null, 2) + '\n';
  // Saved even with issues: a half-built pipeline is work the user must not lose.
  try {
    await writeFileAtomic(file, text);
  } catch (error) {
    throw fileError(error, ctx.root, path!, 'save');
  }
  // Runs of the document from before it had a file become this file's runs (docs/DECISIONS.md, Builder).
  const name = typeof document.name === 'string' && document.name !== '' ? document.name : basename(file).replace(/\.pipeline\.json$|\.json$/, '');
  const linkedRuns = runIds.length === 0 ? 0 : ctx.store.linkRunsToPipeline(runIds, file, name);
  return { body: { path, issues: analyzeText(text, path!, ctx.registry), ...(runIds.length > 0 ? { linkedRuns } : {}) } };
}

const MAX_LINKED_RUNS = 1000;

/** `runs` of a save: ids of runs made while the document had no file (optional). */
function runsToLink(body: unknown): string[] {
  const runs = (body as { runs?: unknown }).runs;
  if (runs === undefined || runs === null) return [];
  if (!Array.isArray(runs) || runs.length > MAX_LINKED_RUNS || !runs.every((id) => typeof id === 'string' && id.length > 0 && id.length <= 100)) {
    throw new HttpError(400, `'runs' must be a list of at most ${MAX_LINKED_RUNS} run ids`);
  }
  return runs as string[];
}

async function validate(ctx: ApiContext, req: IncomingMessage): Promise<ApiAnswer> {
  const body = await readJsonBody(req);
  const document = documentOf(body);
  const { path } = body as { path?: unknown };
  const validated = validatePipeline(document as unknown as PipelineDoc, ctx.registry);
  if (!validated.ok) return { body: { ok: false, issues: [...toApiIssues(validated.issues, 'error'), ...toApiIssues(validated.warnings, 'warning')] } };
  // Path params are checked as `tensorloom validate` checks them: inside the workspace, writes outside its store.
  const pipelineDir = typeof path === 'string' && path !== '' ? dirname(pipelineFile(ctx.root, path)) : ctx.root;
  const paths = checkWorkspacePaths(validated.pipeline, { root: ctx.root, pipelineDir });
  const issues = [...toApiIssues(paths.issues, 'error'), ...toApiIssues([...validated.warnings, ...paths.warnings], 'warning')];
  return { body: { ok: paths.issues.length === 0, issues } };
}

async function examples(ctx: ApiContext): Promise<ApiAnswer> {
  if (!existsSync(join(ctx.root, 'examples'))) return { body: [] };
  const found = await listPipelines(ctx.root, 'examples');
  found.sort((a, b) => (a.path < b.path ? -1 : 1));
  return { body: found.map(({ name, description, path }) => ({ name, description: description ?? '', path })) };
}

async function startRun(ctx: ApiContext, req: IncomingMessage): Promise<ApiAnswer> {
  const body = await readJsonBody(req);
  const document = documentOf(body);
  const { path, until, experiment } = body as { path?: unknown; until?: unknown; experiment?: unknown };
  const pipelinePath = path === undefined || path === null ? null : pipelineFile(ctx.root, path);
  if (until !== undefined && until !== null && typeof until !== 'string') throw new HttpError(400, "'until' must be a node id");
  if (experiment !== undefined && experiment !== null && (typeof experiment !== 'string' || experiment.trim() === '' || experiment.length > 200)) {
    throw new HttpError(400, "'experiment' must be a name of 1 to 200 characters");
  }
  const validated = validatePipeline(document as unknown as PipelineDoc, ctx.registry);
  if (!validated.ok) {
    const count = validated.issues.length;
    throw new HttpError(400, `invalid pipeline: ${count} problem${count === 1 ? '' : 's'}`, {
      issues: [...toApiIssues(validated.issues, 'error'), ...toApiIssues(validated.warnings, 'warning')],
    });
  }
  if (typeof until === 'string' && !validated.pipeline.nodes.has(until)) {
    throw new HttpError(400, `cannot run until '${until}': no such node; nodes are: ${[...validated.pipeline.nodes.keys()].join(', ')}`);
  }
  const runId = await ctx.runs.start({
    pipeline: validated.pipeline,
    pipelinePath,
    ...(typeof until === 'string' ? { until } : {}),
    ...(typeof experiment === 'string' ? { experiment: experiment.trim() } : {}),
  });
  return { status: 202, body: { runId } };
}

function getRun(ctx: ApiContext, _req: IncomingMessage, _url: URL, [runId]: string[]): ApiAnswer {
  const run = ctx.store.getRun(runId!);
  if (!run) throw new HttpError(404, `no run '${runId}' in this workspace`);
  const nodes: Record<string, { type: string | null; status: string; cached: boolean; ms: number; error?: string; params: unknown }> = {};
  const outputs: Record<string, Record<string, string>> = {};
  const outputTypes: Record<string, Record<string, string>> = {};
  const ran = ranDocument(run.pipelineJson, ctx.registry);
  for (const [id, node] of Object.entries(run.nodes)) {
    // A node reused from the cache records no params: its own are those of the stored document.
    const params = node.params ?? ran.params.get(id) ?? null;
    nodes[id] = { type: node.type, status: node.status, cached: node.cached, ms: node.ms ?? 0, ...(node.error ? { error: node.error } : {}), params };
    if (Object.keys(node.outputs).length > 0) {
      outputs[id] = Object.fromEntries(Object.entries(node.outputs).map(([port, ref]) => [port, ref.hash]));
      outputTypes[id] = Object.fromEntries(Object.entries(node.outputs).map(([port, ref]) => [port, ref.type]));
    }
  }
  return {
    body: {
      runId: run.id,
      status: run.status,
      backend: run.backend,
      pipeline: run.pipelineName,
      pipelinePath: workspacePath(ctx.root, run.pipelinePath),
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      until: run.until,
      error: run.error,
      experiment: run.experiment,
      trigger: run.trigger,
      parentRunId: run.parentRunId,
      parentNodeId: run.parentNodeId,
      tags: run.tags,
      note: run.note,
      environment: run.environment,
      sources: run.sources,
      nodes,
      metrics: run.metrics,
      series: run.series,
      outputs,
      outputTypes,
      logs: run.logs,
      document: ran.document,
    },
  };
}

/** The document a run was started with, and its nodes' params with defaults filled (when it still validates). */
function ranDocument(pipelineJson: string, registry: NodeRegistry): { document: unknown; params: Map<string, unknown> } {
  let document: unknown = null;
  try {
    document = JSON.parse(pipelineJson);
  } catch {
    return { document: null, params: new Map() };
  }
  const validated = validatePipeline(document as PipelineDoc, registry);
  const params = new Map<string, unknown>(validated.ok ? [...validated.pipeline.nodes].map(([id, node]) => [id, node.params]) : []);
  return { document, params };
}

function cancelRun(ctx: ApiContext, _req: IncomingMessage, _url: URL, [runId]: string[]): ApiAnswer {
  if (ctx.runs.cancel(runId!)) return { body: { ok: true } };
  const run = ctx.store.getRun(runId!);
  if (!run) throw new HttpError(404, `no run '${runId}' in this workspace`);
  // Already over (or started by another process, e.g. the CLI): nothing to cancel here.
  return { body: { ok: false, status: run.status } };
}

async function preview(ctx: ApiContext, _req: IncomingMessage, url: URL, [id]: string[]): Promise<ApiAnswer> {
  const type = url.searchParams.get('type');
  if (type !== null && !(PREVIEW_KINDS as readonly string[]).includes(type)) throw new HttpError(400, `type must be one of ${PREVIEW_KINDS.join(', ')}`);
  const rowsText = url.searchParams.get('rows');
  const rows = rowsText === null ? DEFAULT_PREVIEW_ROWS : Number(rowsText);
  if (!Number.isInteger(rows) || rows < 0 || rows > MAX_PREVIEW_ROWS) throw new HttpError(400, `rows must be a whole number from 0 to ${MAX_PREVIEW_ROWS}`);
  return { body: await previewArtifact(ctx.store, id!, (type ?? undefined) as PreviewKind | undefined, rows) };
}
