/**
 * Writes runs in MLflow's file-store layout (mlflow/store/tracking/file_store.py), so
 * `mlflow ui --backend-store-uri DIR` opens them:
 *
 *   DIR/0/meta.yaml                        the Default experiment, as MLflow creates it (kept if there)
 *   DIR/.trash/
 *   DIR/<experiment_id>/meta.yaml          artifact_location, creation_time, experiment_id, last_update_time, lifecycle_stage, name
 *   DIR/<experiment_id>/<run_uuid>/meta.yaml
 *       artifact_uri, end_time, entry_point_name, experiment_id, lifecycle_stage, run_id, run_name, run_uuid,
 *       source_name, source_type, source_version, start_time, status (RunStatus as a number), tags: [], user_id
 *   …/<run_uuid>/params/<node>.<param>     the value as text
 *   …/<run_uuid>/metrics/<node>.<metric>   one line per point: `<timestamp ms> <value> <step>`
 *   …/<run_uuid>/tags/<key>                mlflow.runName, mlflow.source.*, mlflow.user, mlflow.note.content, …
 *   …/<run_uuid>/artifacts/                the pipeline snapshot, every output and attachment by node
 *
 * Ids are stable, so exporting again replaces the same folders: a run's uuid is derived from
 * its Tensorloom id (MLflow's run ids are 32 hex digits), an experiment's id from its name
 * (or taken from an experiment of that name already in DIR).
 */
import { createHash } from 'node:crypto';
import { constants, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { RunStatus, WorkspaceStore } from '../store/index.js';
import { canonicalText } from './values.js';
import { TrackingError } from './tracking-error.js';

/** mlflow.entities.RunStatus */
export const MLFLOW_RUN_STATUS = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 } as const;
/** mlflow.entities.SourceType.LOCAL */
const SOURCE_TYPE_LOCAL = 4;
/** MLflow's rule for param, metric and tag names. */
const MLFLOW_NAME = /^[/\w.\- ]*$/;

const STATUS: Record<RunStatus, number> = {
  running: MLFLOW_RUN_STATUS.RUNNING,
  succeeded: MLFLOW_RUN_STATUS.FINISHED,
  failed: MLFLOW_RUN_STATUS.FAILED,
  cancelled: MLFLOW_RUN_STATUS.KILLED,
  interrupted: MLFLOW_RUN_STATUS.KILLED,
};

const EXTENSIONS: Record<string, string> = { table: '.arrow', metrics: '.json', report: '.json', image: '.png', model: '' };

export interface MlflowExportOptions {
  store: WorkspaceStore;
  workspaceRoot: string;
  out: string;
  /** Only this experiment's runs (its child runs included); default every run. */
  experiment?: string;
  /** Copy outputs and attachments into each run's artifacts/ (default true). */
  artifacts?: boolean;
}

export interface MlflowExportReport {
  out: string;
  experiments: { name: string; id: string; runs: number }[];
  runs: { runId: string; mlflowRunId: string; experimentId: string }[];
  /** Params or metrics whose names MLflow cannot take, written under a cleaned name. */
  renamed: { runId: string; from: string; to: string }[];
}

/** The 32-hex-digit MLflow run id of a Tensorloom run: the same every export. */
export function mlflowRunId(runId: string): string {
  return createHash('sha256').update(`tensorloom-run:${runId}`).digest('hex').slice(0, 32);
}

function derivedExperimentId(name: string): string {
  // A positive integer of up to 18 digits, like the ids MLflow generates itself.
  return BigInt(`0x${createHash('sha256').update(`tensorloom-experiment:${name}`).digest('hex').slice(0, 15)}`).toString();
}

export function exportMlflow(options: MlflowExportOptions): MlflowExportReport {
  const { store } = options;
  const out = resolve(options.out);
  if (existsSync(out) && !statSync(out).isDirectory()) throw new TrackingError('output-exists', `--out ${options.out}: a file is in the way (it must be a folder)`);
  const filter = options.experiment === undefined ? {} : { experiment: options.experiment };
  const ids = store.trackedRunIds({ ...filter, children: true });
  if (options.experiment !== undefined && ids.length === 0) {
    const known = store.experiments().map((experiment) => experiment.name);
    throw new TrackingError('unknown-experiment', `no experiment '${options.experiment}' in this workspace; experiments are: ${known.join(', ') || 'none yet'}`);
  }
  mkdirSync(join(out, '.trash'), { recursive: true });
  if (!existsSync(join(out, '0', 'meta.yaml'))) writeExperimentMeta(out, '0', 'Default', Date.now(), Date.now());

  const existing = existingExperiments(out);
  const report: MlflowExportReport = { out, experiments: [], runs: [], renamed: [] };
  const rows = store.trackedRuns(ids);
  const byExperiment = new Map<string, typeof rows>();
  for (const row of rows) byExperiment.set(row.experiment, [...(byExperiment.get(row.experiment) ?? []), row]);

  for (const [name, runs] of byExperiment) {
    const experimentId = existing.get(name) ?? derivedExperimentId(name);
    const created = Math.min(...runs.map((run) => run.startedAt));
    const updated = Math.max(...runs.map((run) => run.finishedAt ?? run.startedAt));
    writeExperimentMeta(out, experimentId, name, created, updated);
    for (const run of runs) {
      const uuid = mlflowRunId(run.id);
      const runDir = join(out, experimentId, uuid);
      rmSync(runDir, { recursive: true, force: true });
      for (const sub of ['params', 'metrics', 'tags', 'artifacts']) mkdirSync(join(runDir, sub), { recursive: true });
      const environment = run.environment ?? {};
      const user = typeof environment.user === 'string' ? environment.user : '';
      writeYaml(join(runDir, 'meta.yaml'), {
        artifact_uri: pathToFileURL(join(runDir, 'artifacts')).href,
        end_time: run.finishedAt,
        entry_point_name: '',
        experiment_id: experimentId,
        lifecycle_stage: 'active',
        run_id: uuid,
        run_name: run.id,
        run_uuid: uuid,
        source_name: '',
        source_type: SOURCE_TYPE_LOCAL,
        source_version: '',
        start_time: run.startedAt,
        status: STATUS[run.status],
        tags: [],
        user_id: user,
      });

      const named = (folder: string, key: string, text: string) => {
        const clean = MLFLOW_NAME.test(key) && !key.split('/').some((part) => part === '' || part === '.' || part === '..') ? key : key.replace(/[^\w.\- ]/g, '_');
        if (clean !== key) report.renamed.push({ runId: run.id, from: key, to: clean });
        writeFileSync(join(runDir, folder, clean), text);
      };
      for (const node of run.nodes) {
        for (const [param, value] of Object.entries(node.params ?? {})) named('params', `${node.id}.${param}`, canonicalText(value));
      }
      const lines = new Map<string, string[]>();
      for (const point of store.metricPoints(run.id)) {
        const key = `${point.nodeId}.${point.name}`;
        lines.set(key, [...(lines.get(key) ?? []), `${point.time} ${metricValue(point.value)} ${point.step ?? 0}\n`]);
      }
      for (const [key, text] of lines) named('metrics', key, text.join(''));

      const git = environment.git as { commit?: string | null; branch?: string | null } | null | undefined;
      const tags: Record<string, string | null | undefined> = {
        ...run.tags,
        'mlflow.runName': run.id,
        'mlflow.source.type': 'LOCAL',
        'mlflow.source.name': run.pipelinePath === null ? run.pipelineName : relativePath(options.workspaceRoot, run.pipelinePath),
        'mlflow.user': user || undefined,
        'mlflow.source.git.commit': git?.commit,
        'mlflow.source.git.branch': git?.branch,
        'mlflow.note.content': run.note,
        'mlflow.parentRunId': run.parentRunId === null ? undefined : mlflowRunId(run.parentRunId),
        'tensorloom.runId': run.id,
        'tensorloom.pipeline': run.pipelineName,
        'tensorloom.pipelineHash': run.pipelineHash,
        'tensorloom.status': run.status,
        'tensorloom.trigger': run.trigger,
        'tensorloom.backend': run.backend,
        'tensorloom.until': run.until,
        'tensorloom.error': run.error,
        'tensorloom.environment': run.environment === null ? undefined : JSON.stringify(run.environment),
      };
      for (const [key, value] of Object.entries(tags)) if (value !== undefined && value !== null) named('tags', key, value);

      if (options.artifacts !== false) copyArtifacts(store, run.id, run.pipelineJson, join(runDir, 'artifacts'));
      report.runs.push({ runId: run.id, mlflowRunId: uuid, experimentId });
    }
    report.experiments.push({ name, id: experimentId, runs: runs.length });
  }
  return report;
}

function writeExperimentMeta(out: string, id: string, name: string, created: number, updated: number): void {
  const dir = join(out, id);
  mkdirSync(dir, { recursive: true });
  writeYaml(join(dir, 'meta.yaml'), {
    artifact_location: pathToFileURL(dir).href,
    creation_time: created,
    experiment_id: id,
    last_update_time: updated,
    lifecycle_stage: 'active',
    name,
  });
}

/** Experiment names → ids of the experiments already in DIR, so a re-export lands in them. */
function existingExperiments(out: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of readdirSync(out, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === '.trash') continue;
    try {
      const meta = parseYaml(readFileSync(join(out, entry.name, 'meta.yaml'), 'utf8')) as { name?: unknown; experiment_id?: unknown };
      if (typeof meta?.name === 'string' && String(meta.experiment_id) === entry.name) found.set(meta.name, entry.name);
    } catch {
      // Not an experiment folder.
    }
  }
  return found;
}

function writeYaml(path: string, data: Record<string, unknown>): void {
  // MLflow writes its meta files with yaml.safe_dump: block style, keys in order.
  writeFileSync(path, stringifyYaml(data, { sortMapEntries: true }));
}

/** Python's float() reads these back: 'nan', 'inf', '-inf'. */
function metricValue(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return String(value);
}

function relativePath(root: string, path: string): string {
  const inside = relative(root, path);
  return inside.startsWith('..') ? path : inside.split('\\').join('/');
}

/** The snapshot, and every output (`<node>/<port>.<ext>`; a model as a folder) and attachment (`<node>/<name>`). */
function copyArtifacts(store: WorkspaceStore, runId: string, pipelineJson: string, dir: string): void {
  writeFileSync(join(dir, 'pipeline.json'), JSON.stringify(JSON.parse(pipelineJson), null, 2) + '\n');
  const detail = store.getRun(runId);
  if (detail === undefined) return;
  for (const [node, execution] of Object.entries(detail.nodes)) {
    const copies: [string, string, boolean][] = [
      ...Object.entries(execution.outputs).map(([port, ref]): [string, string, boolean] => [`${port}${EXTENSIONS[ref.type] ?? ''}`, ref.hash, ref.type === 'model']),
      ...Object.entries(execution.attachments).map(([name, ref]): [string, string, boolean] => [name.replace(/[/\\]/g, '_'), ref.hash, ref.kind === 'dir']),
    ];
    for (const [name, hash, isDir] of copies) {
      const source = store.artifacts.pathOf(hash);
      if (!existsSync(source)) continue; // collected by gc since
      const target = join(dir, node, name);
      mkdirSync(join(dir, node), { recursive: true });
      // Copies, never links: the exported files may be edited, the store's must not be.
      if (isDir) cpSync(source, target, { recursive: true });
      else copyFileSync(source, target, constants.COPYFILE_FICLONE);
    }
  }
}
