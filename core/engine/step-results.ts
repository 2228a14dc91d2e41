/**
 * Step result records: what one `tensorloom run --only NODE --results-dir DIR --run-id ID`
 * computed, as a small JSON file `DIR/<ID>/<NODE>.json`, so that several machines sharing
 * one artifact folder (a network volume under an Argo workflow) never write the SQLite
 * database. The next step finds its inputs through these records (by cache key), and
 * `tensorloom import-results DIR` merges them into the workspace's run history
 * (importStepRecords), where the engine's cache then finds them too.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { LogLevel, TrialRecord } from '../base/context.js';
import { isArtifactHash, type ArtifactStore, type OutputRecords, type WorkspaceStore } from '../store/index.js';

export const STEP_RESULT_FORMAT = 'tensorloom/step-result@1';
/** Run ids of step records: a workflow's name, a CI job id…; one folder name. */
export const STEP_RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** The tag an imported run carries: the run id its steps shared. */
export const IMPORTED_RUN_TAG = 'tensorloom.step-run';

export type StepStatus = 'succeeded' | 'cached' | 'failed' | 'cancelled';

export interface StepRecord {
  format: typeof STEP_RESULT_FORMAT;
  /** The id the steps of one run share (`--run-id`). */
  runId: string;
  pipeline: {
    name: string;
    hash: string;
    /** Relative to the workspace, '/'-separated; null when unknown. */
    path: string | null;
    /** The pipeline document as run (overrides applied), for the run record. */
    json: string;
  };
  overrides: Record<string, unknown>;
  experiment: string | null;
  nodeId: string;
  nodeType: string;
  nodeVersion: number;
  status: StepStatus;
  cacheKey: string;
  cacheable: boolean;
  params: Record<string, unknown>;
  /** Input port → the artifact it read. */
  inputs: Record<string, string>;
  outputs: OutputRecords;
  sources: { path: string; hash: string; size: number }[];
  metrics: { name: string; value: number | null; step: number | null }[];
  logs: { level: LogLevel; message: string; at: number }[];
  attachments: { name: string; hash: string; size: number }[];
  trials: TrialRecord[];
  /** The TensorFlow.js backends the node used ('none' when it used none). */
  backend: string;
  startedAt: number;
  finishedAt: number;
  ms: number;
  error: string | null;
  host: string;
  environment: Record<string, unknown> | null;
}

export class StepRecordError extends Error {
  override readonly name = 'StepRecordError';
}

/** The folder of one run's records. */
export function stepRunDir(resultsDir: string, runId: string): string {
  return join(resultsDir, runId);
}

/** Writes the record as `<resultsDir>/<runId>/<node>.json` (temp file + rename: readers never see half a record). */
export function writeStepRecord(resultsDir: string, record: StepRecord): string {
  const dir = stepRunDir(resultsDir, record.runId);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${record.nodeId}.json`);
  const temp = join(dir, `.${record.nodeId}.${process.pid}.${Date.now()}.tmp`);
  writeFileSync(temp, JSON.stringify(record, null, 2) + '\n', { mode: 0o644 });
  renameSync(temp, file);
  return file;
}

function readRecord(file: string): StepRecord {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new StepRecordError(`${file} is not a step result record: ${(error as Error).message.split('\n')[0]}`);
  }
  const record = value as Partial<StepRecord>;
  if (record?.format !== STEP_RESULT_FORMAT) throw new StepRecordError(`${file} is not a step result record (format '${String(record?.format)}', expected '${STEP_RESULT_FORMAT}')`);
  for (const field of ['runId', 'nodeId', 'nodeType', 'status', 'cacheKey'] as const) {
    if (typeof record[field] !== 'string') throw new StepRecordError(`${file}: the record has no '${field}'`);
  }
  if (typeof record.outputs !== 'object' || record.outputs === null) throw new StepRecordError(`${file}: the record has no 'outputs'`);
  for (const [port, output] of Object.entries(record.outputs)) {
    if (typeof output?.hash !== 'string' || !isArtifactHash(output.hash)) throw new StepRecordError(`${file}: output '${port}' has no artifact id`);
  }
  return record as StepRecord;
}

/** The records of one run's folder, by node id; `.tmp` files and other names are skipped. */
export function readStepRun(dir: string): StepRecord[] {
  const records: StepRecord[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.json') || name.startsWith('.')) continue;
    records.push(readRecord(join(dir, name)));
  }
  return records;
}

/**
 * The run folders under `dir`: `dir` itself when it holds records, else its subfolders that
 * do (a results folder accumulating runs).
 */
export function stepRunFolders(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new StepRecordError(`${dir} is not a folder of step result records`);
  const holdsRecords = (folder: string) => readdirSync(folder).some((name) => name.endsWith('.json') && !name.startsWith('.'));
  if (holdsRecords(dir)) return [dir];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && holdsRecords(join(dir, entry.name)))
    .map((entry) => join(dir, entry.name))
    .sort();
}

const usable = (record: StepRecord) => record.status === 'succeeded' || record.status === 'cached';

/**
 * Finds outputs in step records: the record of this node in this run, else (cacheable
 * nodes) any run's record with the same cache key. A record whose artifacts are not all in
 * the store does not count.
 */
export class StepRecordIndex {
  private all: StepRecord[] | undefined;

  constructor(
    private readonly resultsDir: string,
    private readonly runId: string,
    private readonly artifacts: ArtifactStore,
  ) {}

  lookup(nodeId: string, cacheKey: string, cacheable: boolean): StepRecord | undefined {
    const own = join(stepRunDir(this.resultsDir, this.runId), `${nodeId}.json`);
    if (existsSync(own)) {
      const record = readRecord(own);
      if (record.cacheKey === cacheKey && usable(record) && this.intact(record.outputs)) return record;
    }
    if (!cacheable) return undefined;
    return this.records().find((record) => record.cacheable && record.cacheKey === cacheKey && usable(record) && this.intact(record.outputs));
  }

  private intact(outputs: OutputRecords): boolean {
    return Object.values(outputs).every((output) => this.artifacts.has(output.hash));
  }

  private records(): StepRecord[] {
    if (this.all) return this.all;
    this.all = [];
    if (!existsSync(this.resultsDir)) return this.all;
    for (const entry of readdirSync(this.resultsDir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      for (const name of readdirSync(join(this.resultsDir, entry.name))) {
        if (!name.endsWith('.json') || name.startsWith('.')) continue;
        try {
          this.all.push(readRecord(join(this.resultsDir, entry.name, name)));
        } catch {
          // Someone else's file, or one being replaced: not a source of outputs.
        }
      }
    }
    return this.all;
  }
}

/**
 * Records one step's execution into a run of the workspace store: the node execution with
 * its params and cache key, source files, outputs, attachments, metrics and logs, and (for
 * a computed, cacheable result) the cache entry, so a later local run reuses it.
 */
export function recordStep(store: WorkspaceStore, runId: string, record: StepRecord, options: { trials: boolean }): void {
  const final = record.status;
  store.upsertNodeExecution(runId, record.nodeId, {
    nodeType: record.nodeType,
    status: final,
    cached: final === 'cached',
    cacheKey: record.cacheKey,
    params: record.params,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    ms: record.ms,
    error: record.error,
  });
  if (record.sources.length > 0) store.recordRunSources(runId, record.nodeId, record.sources);
  if (Object.keys(record.outputs).length > 0) store.recordOutputs(runId, record.nodeId, record.outputs);
  for (const attachment of record.attachments) {
    const ref = store.artifacts.refOf(attachment.hash);
    if (ref) store.attachArtifact(runId, record.nodeId, attachment.name, ref);
  }
  for (const metric of record.metrics) store.recordMetric(runId, record.nodeId, metric.name, metric.value ?? Number.NaN, metric.step);
  for (const log of record.logs) store.recordLog(runId, record.nodeId, log.level, log.message);
  if (options.trials) for (const trial of record.trials) store.recordChildRun(runId, record.nodeId, trial);
  if (final === 'succeeded' && record.cacheable) store.saveCache(record.cacheKey, record.nodeType, record.outputs);
}

export interface ImportedRun {
  /** The run id the steps shared. */
  stepRunId: string;
  /** The run recorded in the workspace; for one imported before, that run. */
  runId: string;
  status: 'succeeded' | 'failed';
  /** Nodes with a record, and the pipeline's nodes without one (the step never ran). */
  nodes: Record<string, StepStatus | 'missing'>;
  alreadyImported: boolean;
}

/** The workspace run a step run was imported as, if it was. */
export function importedRunOf(store: WorkspaceStore, stepRunId: string): string | undefined {
  return store.tables().read((db) =>
    (db.prepare('SELECT run_id FROM run_tags WHERE key = ? AND value = ? LIMIT 1').get(IMPORTED_RUN_TAG, stepRunId) as { run_id: string } | undefined)?.run_id,
  );
}

/**
 * Merges one run's step records into the store as one run (trigger 'import', tagged with
 * the step run id; importing the same run again changes nothing). Every artifact a record
 * names must be in the store: a record is only imported with its files.
 */
export function importStepRun(store: WorkspaceStore, records: readonly StepRecord[], options: { order?: readonly string[] } = {}): ImportedRun {
  if (records.length === 0) throw new StepRecordError('no step records to import');
  const first = records[0]!;
  const stepRunId = first.runId;
  const other = records.find((record) => record.runId !== stepRunId || record.pipeline?.hash !== first.pipeline?.hash);
  if (other) throw new StepRecordError(`the records of run '${stepRunId}' mix runs or pipelines: node '${other.nodeId}' belongs to run '${other.runId}' of pipeline ${other.pipeline?.hash}`);
  for (const record of records) {
    for (const [port, output] of Object.entries(record.outputs)) {
      if (!store.artifacts.has(output.hash)) {
        throw new StepRecordError(`run '${stepRunId}': output '${port}' of node '${record.nodeId}' (${output.hash}) is not in this workspace's artifact store (${store.artifacts.artifactsDir}); import into the workspace whose artifact folder the steps shared`);
      }
    }
  }
  const pipelineNodes = pipelineNodeIds(first.pipeline.json);
  const byNode = new Map(records.map((record) => [record.nodeId, record]));
  const nodes: ImportedRun['nodes'] = {};
  for (const id of pipelineNodes) nodes[id] = byNode.get(id)?.status ?? 'missing';
  for (const record of records) nodes[record.nodeId] = record.status;
  const ok = Object.values(nodes).every((status) => status === 'succeeded' || status === 'cached');
  const status = ok ? 'succeeded' : 'failed';

  const existing = importedRunOf(store, stepRunId);
  if (existing !== undefined) return { stepRunId, runId: existing, status, nodes, alreadyImported: true };

  const runId = store.createRun({
    pipelineName: first.pipeline.name,
    pipelineHash: first.pipeline.hash,
    // Recorded relative to the steps' workspace; here, the same place in this workspace (runs record absolute paths).
    pipelinePath: first.pipeline.path === null ? null : join(dirname(store.dir), ...first.pipeline.path.split('/')),
    pipelineJson: first.pipeline.json,
    until: null,
    overrides: first.overrides ?? {},
    ...(first.experiment ? { experiment: first.experiment } : {}),
    trigger: 'import',
    ...(first.environment ? { environment: first.environment } : {}),
  });
  store.setRunTags(runId, { [IMPORTED_RUN_TAG]: stepRunId });
  const order = options.order ?? pipelineNodes;
  const rank = (id: string) => (order.includes(id) ? order.indexOf(id) : order.length);
  const sorted = [...records].sort((a, b) => rank(a.nodeId) - rank(b.nodeId) || a.startedAt - b.startedAt);
  for (const record of sorted) recordStep(store, runId, record, { trials: true });
  for (const [id, state] of Object.entries(nodes)) {
    if (state === 'missing') store.upsertNodeExecution(runId, id, { status: 'skipped', error: 'no step result: the step did not run (an upstream step failed, or the workflow stopped)' });
  }
  const backends = [...new Set(records.map((record) => record.backend).flatMap((names) => names.split(',')).filter((name) => name && name !== 'none'))];
  if (backends.length > 0) store.setRunBackend(runId, backends.join(','));
  const listed = (state: (value: StepStatus | 'missing') => boolean) => Object.entries(nodes).filter(([, value]) => state(value)).map(([id]) => id);
  const failed = listed((state) => state === 'failed' || state === 'cancelled');
  const missing = listed((state) => state === 'missing');
  const problems = [
    ...(failed.length > 0 ? [`node${failed.length > 1 ? 's' : ''} failed: ${failed.join(', ')}`] : []),
    ...(missing.length > 0 ? [`no result from node${missing.length > 1 ? 's' : ''}: ${missing.join(', ')}`] : []),
  ];
  store.finishRun(runId, status, problems.length === 0 ? undefined : problems.join('; '));
  return { stepRunId, runId, status, nodes, alreadyImported: false };
}

function pipelineNodeIds(json: string): string[] {
  try {
    const doc = JSON.parse(json) as { nodes?: { id?: unknown }[] };
    return (doc.nodes ?? []).map((node) => node.id).filter((id): id is string => typeof id === 'string');
  } catch {
    return [];
  }
}

/** The store folders under `dir` (each with `artifacts/`): `dir` itself, or its subfolders. */
export function storesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  if (existsSync(join(dir, 'artifacts'))) return [dir];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'artifacts')))
    .map((entry) => join(dir, entry.name))
    .sort();
}

export interface MergeReport {
  artifacts: number;
  records: number;
}

/**
 * Copies another store's artifacts and step records into this one (Argo's S3 mode hands each
 * step its upstream steps' store folders). Artifacts go through the store's own publish
 * (hashed again, so a damaged copy is refused; already present ones are skipped); records
 * already here are kept.
 */
export async function mergeStore(from: string, artifacts: ArtifactStore, resultsDir: string): Promise<MergeReport> {
  const report: MergeReport = { artifacts: 0, records: 0 };
  const cas = join(from, 'artifacts', 'sha256');
  if (existsSync(cas)) {
    for (const shard of readdirSync(cas)) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      for (const rest of readdirSync(join(cas, shard))) {
        if (!/^[0-9a-f]{62}$/.test(rest)) continue;
        const hash = `sha256:${shard}${rest}`;
        if (artifacts.has(hash)) continue;
        const source = join(cas, shard, rest);
        const temp = artifacts.tempPath('merge');
        cpSync(source, temp, { recursive: true });
        chmodWritable(temp);
        const stored = statSync(temp).isDirectory() ? await artifacts.putDir(temp) : await artifacts.putFile(temp);
        if (stored.hash !== hash) throw new StepRecordError(`${source} does not hold the content its name says (it hashes to ${stored.hash}); the upstream store is damaged`);
        report.artifacts += 1;
      }
    }
  }
  const results = join(from, 'results');
  if (existsSync(results)) {
    for (const run of readdirSync(results, { withFileTypes: true })) {
      if (!run.isDirectory()) continue;
      for (const name of readdirSync(join(results, run.name))) {
        if (!name.endsWith('.json') || name.startsWith('.')) continue;
        const target = join(resultsDir, run.name, name);
        if (existsSync(target)) continue;
        writeStepRecord(resultsDir, readRecord(join(results, run.name, name)));
        report.records += 1;
      }
    }
  }
  return report;
}

/** Copies of read-only artifacts: made writable again so publishing can fsync and chmod them. */
function chmodWritable(path: string): void {
  const info = statSync(path);
  chmodSync(path, info.isDirectory() ? 0o755 : 0o644);
  if (info.isDirectory()) for (const name of readdirSync(path)) chmodWritable(join(path, name));
}
