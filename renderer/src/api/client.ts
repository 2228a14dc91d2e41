import type {
  ApiIssue,
  ArtifactPreview,
  BackendInfo,
  CatalogEntry,
  ExampleItem,
  HealthInfo,
  PackSummary,
  PipelineDoc,
  PipelineFile,
  DataFileItem,
  ModelDetailItem,
  ModelSummaryItem,
  ModelVersionDetail,
  MonitoredModelItem,
  MonitoringAnswer,
  FeatureViewItem,
  RunComparison,
  RunTableAnswer,
  PipelineListItem,
  RunRecord,
  RunSummary,
  StreamAnswer,
  TriggerInput,
  TriggerItem,
} from './protocol';
import type { TokenSource } from './token';

/** A refused request: the server's `{ error }` message, its status, and issues when it sent them. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly issues: ApiIssue[] = [],
    /** Other fields of the error answer, such as `field` and `column` for a filter that does not parse. */
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Fetch = typeof fetch;

/** The renderer's only way to the engine: one method per endpoint of core/server/API.md. */
export class ApiClient {
  constructor(
    private readonly base: string,
    private readonly token: TokenSource,
    private readonly fetchImpl: Fetch = (...args) => fetch(...args),
  ) {}

  health(): Promise<HealthInfo> {
    return this.request('GET', '/api/health');
  }

  nodes(): Promise<CatalogEntry[]> {
    return this.request('GET', '/api/nodes');
  }

  packs(): Promise<PackSummary[]> {
    return this.request('GET', '/api/packs');
  }

  backend(): Promise<BackendInfo> {
    return this.request('GET', '/api/backend');
  }

  pipelines(): Promise<PipelineListItem[]> {
    return this.request('GET', '/api/pipelines');
  }

  examples(): Promise<ExampleItem[]> {
    return this.request('GET', '/api/examples');
  }

  /** Data files in the workspace, for the path picker. */
  dataFiles(): Promise<DataFileItem[]> {
    return this.request('GET', '/api/files');
  }

  /** Copies a file into the workspace at `path` (or a free name beside it); answers where it went. */
  copyFileIn(path: string, file: Blob): Promise<{ path: string; size: number; reused: boolean }> {
    return this.request('PUT', `/api/files?path=${encodeURIComponent(path)}`, file);
  }

  readPipeline(path: string): Promise<PipelineFile> {
    return this.request('GET', `/api/pipelines/file?path=${encodeURIComponent(path)}`);
  }

  /** `runs`: runs made while the document had no file, to become runs of this one. */
  savePipeline(path: string, document: PipelineDoc, runs: readonly string[] = []): Promise<{ path: string; issues: ApiIssue[]; linkedRuns?: number }> {
    return this.request('PUT', `/api/pipelines/file?path=${encodeURIComponent(path)}`, { document, ...(runs.length > 0 ? { runs } : {}) });
  }

  /** `path` (the saved file, if any) lets the server check path params against the pipeline's folder. */
  validate(document: PipelineDoc, path: string | null, signal?: AbortSignal): Promise<{ ok: boolean; issues: ApiIssue[] }> {
    return this.request('POST', '/api/validate', { document, ...(path ? { path } : {}) }, signal);
  }

  startRun(request: { document: PipelineDoc; path?: string; until?: string }): Promise<{ runId: string }> {
    return this.request('POST', '/api/runs', request);
  }

  cancelRun(runId: string): Promise<{ ok: boolean }> {
    return this.request('POST', `/api/runs/${encodeURIComponent(runId)}/cancel`);
  }

  runs(query: { path?: string; limit?: number } = {}): Promise<RunSummary[]> {
    const params = new URLSearchParams();
    if (query.path) params.set('path', query.path);
    if (query.limit) params.set('limit', String(query.limit));
    const search = params.toString();
    return this.request('GET', `/api/runs${search ? `?${search}` : ''}`);
  }

  run(runId: string): Promise<RunRecord> {
    return this.request('GET', `/api/runs/${encodeURIComponent(runId)}`);
  }

  /** The runs page: runs with their params and metrics, the columns to show, and the experiments. */
  runTable(query: { experiment?: string; where?: string; sort?: string; limit?: number; children?: boolean } = {}): Promise<RunTableAnswer> {
    const params = new URLSearchParams();
    if (query.experiment) params.set('experiment', query.experiment);
    if (query.where) params.set('where', query.where);
    if (query.sort) params.set('sort', query.sort);
    if (query.limit) params.set('limit', String(query.limit));
    if (query.children) params.set('children', 'true');
    const search = params.toString();
    return this.request('GET', `/api/runs/table${search ? `?${search}` : ''}`);
  }

  compareRuns(ids: readonly string[]): Promise<RunComparison> {
    return this.request('GET', `/api/runs/compare?ids=${ids.map(encodeURIComponent).join(',')}`);
  }

  /** Child runs of a run (a tune node's trials), newest first. */
  childRuns(parentRunId: string): Promise<RunTableAnswer> {
    return this.request('GET', `/api/runs/table?children=true&where=${encodeURIComponent(`parent = '${parentRunId}'`)}&limit=1000`);
  }

  models(): Promise<ModelSummaryItem[]> {
    return this.request('GET', '/api/models');
  }

  model(name: string): Promise<ModelDetailItem> {
    return this.request('GET', `/api/models/${encodeURIComponent(name)}`);
  }

  /** One version with its provenance; `ref` is a number, an alias or `latest`. */
  modelVersion(name: string, ref: string | number): Promise<ModelVersionDetail> {
    return this.request('GET', `/api/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(String(ref))}`);
  }

  /** Points `alias` at `version` (null removes it); answers the move. */
  setAlias(name: string, alias: string, version: number | null): Promise<unknown> {
    return this.request('POST', `/api/models/${encodeURIComponent(name)}/aliases`, { alias, version });
  }

  /** The workspace's feature views with schema, freshness and row counts. */
  featureViews(): Promise<FeatureViewItem[]> {
    return this.request('GET', '/api/features');
  }

  /** Served models with a prediction log in the workspace. */
  monitoredModels(): Promise<MonitoredModelItem[]> {
    return this.request('GET', '/api/monitoring');
  }

  /** A served model's throughput, latency and accuracy per window over the `last` duration. */
  monitoring(name: string, last: string, window?: string): Promise<MonitoringAnswer> {
    const query = new URLSearchParams({ last, ...(window ? { window } : {}) });
    return this.request('GET', `/api/monitoring/${encodeURIComponent(name)}?${query}`);
  }

  preview(artifactId: string, type: string, rows = 500): Promise<ArtifactPreview> {
    const query = new URLSearchParams({ type, rows: String(rows) });
    return this.request('GET', `/api/artifacts/${encodeURIComponent(artifactId)}/preview?${query}`);
  }

  /** The WebSocket URL of the event stream; the token rides along when we hold one. */
  eventsUrl(): string {
    const url = new URL('/api/events', this.base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const token = this.token.get();
    if (token) url.searchParams.set('token', token);
    return url.toString();
  }

  /** The saved pipeline's triggers (API.md, Triggers). */
  triggers(path: string): Promise<TriggerItem[]> {
    return this.request('GET', `/api/triggers?path=${encodeURIComponent(path)}`);
  }

  addTrigger(input: TriggerInput): Promise<TriggerItem> {
    return this.request('POST', '/api/triggers', input);
  }

  /** A stream node's counts, its streaming run's status and its newest dead letters (API.md, Streams). */
  stream(path: string, node: string): Promise<StreamAnswer> {
    return this.request('GET', `/api/streams?path=${encodeURIComponent(path)}&node=${encodeURIComponent(node)}`);
  }

  /** 'pause', 'resume' or 'remove' one trigger. */
  changeTrigger(id: string, action: 'pause' | 'resume' | 'remove'): Promise<unknown> {
    return this.request('POST', `/api/triggers/${encodeURIComponent(id)}/${action}`);
  }

  private async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = this.token.get();
    if (token) headers.authorization = `Bearer ${token}`;
    const raw = body instanceof Blob;
    if (body !== undefined) headers['content-type'] = raw ? body.type || 'application/octet-stream' : 'application/json';
    let response: Response;
    try {
      response = await this.fetchImpl(new URL(path, this.base).toString(), {
        method,
        headers,
        credentials: 'same-origin',
        ...(body !== undefined ? { body: raw ? body : JSON.stringify(body) } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw error;
      throw new ApiError(`cannot reach the Tensorloom server (${(error as Error).message})`, 0);
    }
    const text = await response.text();
    let payload: unknown = undefined;
    if (text) {
      try {
        payload = JSON.parse(text);
      } catch {
        payload = undefined;
      }
    }
    if (!response.ok) {
      const answer = (payload ?? {}) as { error?: unknown; issues?: unknown };
      const message = typeof answer.error === 'string' ? answer.error : `${method} ${path} failed with HTTP ${response.status}`;
      throw new ApiError(message, response.status, Array.isArray(answer.issues) ? (answer.issues as ApiIssue[]) : [], answer as Record<string, unknown>);
    }
    return payload as T;
  }
}
