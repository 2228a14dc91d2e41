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
  PipelineListItem,
  RunRecord,
  RunSummary,
} from './protocol';
import type { TokenSource } from './token';

/** A refused request: the server's `{ error }` message, its status, and issues when it sent them. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly issues: ApiIssue[] = [],
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
      throw new ApiError(message, response.status, Array.isArray(answer.issues) ? (answer.issues as ApiIssue[]) : []);
    }
    return payload as T;
  }
}
