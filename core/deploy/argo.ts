/**
 * A pipeline as an Argo Workflow (or CronWorkflow): one DAG task per node, the pipeline's
 * edges as dependencies, each task the pipeline's batch image running
 * `tensorloom run <pipeline> --only <node> --results-dir … --run-id {{workflow.name}}`, so
 * every step computes the cache key and the bytes a local run computes, and no step writes
 * the SQLite database (step results are JSON records; `tensorloom import-results` merges
 * them). The artifact store is shared one of two ways:
 * - a volume claim (ReadWriteMany) mounted as the workspace's `.tensorloom` in every task;
 * - S3 artifacts: each task saves its store folder as an Argo output artifact, and the next
 *   tasks load their upstream tasks' stores and merge them in (`--merge-from`).
 * See README.md (Argo Workflows) for what is run for real and what is checked against the
 * schema only.
 */
import type { ResolvedNode, ResolvedPipeline } from '../graph/types.js';
import { NodeError } from '../base/errors.js';
import { APP_DIR, RUNTIME_USER } from './dockerfile.js';
import { parseImageReference } from './names.js';
import { WORKSPACE_DIR } from './pipeline-context.js';
import { toYaml, type YamlValue } from './yaml.js';

export const ARGO_API_VERSION = 'argoproj.io/v1alpha1';
export const STORE_MOUNT = `${WORKSPACE_DIR}/.tensorloom`;
export const RESULTS_DIR = `${STORE_MOUNT}/results`;
/** S3 mode: where a task finds its upstream tasks' stores. */
export const UPSTREAM_DIR = `${WORKSPACE_DIR}/upstream`;
export const RUN_ID_LABEL = 'tensorloom.io/run-id';
/** The launcher of the batch image (pipeline-context.ts): given as the command, so Argo need not read the image's entrypoint. */
export const IMAGE_COMMAND = ['node', `${APP_DIR}/tensorloom.mjs`] as const;
/** The label GPU feature discovery (and the NVIDIA GPU operator) puts on GPU nodes. */
export const DEFAULT_GPU_SELECTOR: Readonly<Record<string, string>> = { 'nvidia.com/gpu.present': 'true' };

export type ArgoStorage =
  | { readonly kind: 'volume-claim'; readonly claim: string }
  | { readonly kind: 's3'; readonly bucket: string; readonly endpoint: string; readonly secret: string; readonly insecure: boolean };

export interface ArgoOptions {
  readonly pipeline: ResolvedPipeline;
  /** The pipeline file's name in the image (`/workspace/<file>`). */
  readonly pipelineFile: string;
  /** The batch image (`tensorloom export-pipeline --tag`), as the cluster pulls it. */
  readonly image: string;
  readonly storage: ArgoStorage;
  /** A cron schedule: a CronWorkflow instead of a Workflow. */
  readonly schedule?: string;
  readonly timezone?: string;
  /** Training nodes ask for one GPU each and run on nodes with these labels. */
  readonly gpu?: { readonly selector: Readonly<Record<string, string>> };
}

/** Per node category: what a task asks of the cluster. Training is the heavy one. */
const RESOURCES: Readonly<Record<string, { requests: Record<string, string>; limits: Record<string, string> }>> = {
  data: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } },
  feature: { requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '2Gi' } },
  train: { requests: { cpu: '2', memory: '2Gi' }, limits: { memory: '4Gi' } },
  eval: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } },
  deploy: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } },
};
const DEFAULT_RESOURCES = { requests: { cpu: '500m', memory: '512Mi' }, limits: { memory: '2Gi' } };

/**
 * Retries for what fails for reasons outside the pipeline (an evicted or deleted pod, a
 * lost node, memory: exit 137). Exit 1 (the node failed: its message says why), 2 (bad
 * input: an upstream result missing) and 130 (cancelled) would fail the same way again.
 */
export const RETRY_STRATEGY = {
  limit: 3,
  retryPolicy: 'Always',
  backoff: { duration: '20s', factor: 2, maxDuration: '10m' },
  expression: 'lastRetry.status == "Error" or (lastRetry.status == "Failed" and asInt(lastRetry.exitCode) not in [1, 2, 130])',
};

/** Node types a workflow step cannot run: they need the workspace database or a Docker engine. */
function unsupported(node: ResolvedNode): string | undefined {
  if (node.definition.category === 'registry') return 'registers models in the workspace database, which workflow steps never open';
  if (node.type === 'deploy.container') return 'builds an image on a Docker engine, which workflow pods do not have';
  return undefined;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Argo task and template names: lowercase letters, digits and '-'; node ids map one to one (collisions get a suffix). */
export function taskNames(pipeline: ResolvedPipeline): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set<string>(['pipeline']);
  for (const id of pipeline.order) {
    const base = id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '').slice(0, 50) || 'node';
    let name = base;
    for (let k = 2; taken.has(name); k++) name = `${base}-${k}`;
    taken.add(name);
    names.set(id, name);
  }
  return names;
}

/** A Kubernetes label value: at most 63 of [A-Za-z0-9._-], alphanumeric at both ends. */
export function labelValue(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '') || 'unnamed';
}

/** The workflow's object name: the pipeline's name as a DNS label, short enough for Argo's generated suffixes. */
export function workflowName(pipelineName: string): string {
  const name = pipelineName.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^[^a-z]+|-$/g, '').slice(0, 40).replace(/-$/, '');
  return name === '' ? 'pipeline' : name;
}

const CRON_FIELD = /^[\d*/,?LW#A-Za-z-]+$/;

/** A standard five-field cron line or a macro (@daily…): what Argo's scheduler (robfig/cron) takes. */
export function cronProblem(schedule: string): string | undefined {
  const text = schedule.trim();
  if (/^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$/.test(text) || /^@every \d+[smh]/.test(text)) return undefined;
  const fields = text.split(/\s+/);
  if (fields.length !== 5) return `a schedule is five cron fields (minute hour day-of-month month day-of-week), e.g. "0 3 * * *", or @daily / @hourly; got ${fields.length} field${fields.length === 1 ? '' : 's'}`;
  const bad = fields.find((field) => !CRON_FIELD.test(field));
  return bad === undefined ? undefined : `'${bad}' is not a cron field`;
}

function checkOptions(options: ArgoOptions): void {
  parseImageReference(options.image, 'image');
  const refused = [...options.pipeline.nodes.values()].map((node) => [node, unsupported(node)] as const).filter(([, why]) => why !== undefined);
  if (refused.length > 0) {
    const listed = refused.map(([node, why]) => `'${node.id}' (${node.type}) ${why}`).join('; ');
    throw new NodeError(`cannot run as a workflow: node ${listed}; run the workflow without ${refused.length === 1 ? 'it' : 'them'} and that part locally after 'tensorloom import-results'`);
  }
  if (options.storage.kind === 'volume-claim' && !DNS_LABEL.test(options.storage.claim)) {
    throw new NodeError(`volume claim '${options.storage.claim}': a claim name is lowercase letters, digits and '-' (a DNS label)`, { field: 'volumeClaim' });
  }
  if (options.storage.kind === 's3' && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(options.storage.bucket)) {
    throw new NodeError(`S3 bucket '${options.storage.bucket}': a bucket name is 3 to 63 lowercase letters, digits, '.' and '-'`, { field: 's3Bucket' });
  }
  if (options.schedule !== undefined) {
    const problem = cronProblem(options.schedule);
    if (problem) throw new NodeError(`schedule '${options.schedule}': ${problem}`, { field: 'schedule' });
  }
}

/** The container arguments of one node's step. */
export function stepArgs(options: Pick<ArgoOptions, 'pipelineFile' | 'storage'>, nodeId: string, runId = '{{workflow.name}}'): string[] {
  return [
    'run',
    `${WORKSPACE_DIR}/${options.pipelineFile}`,
    '--workspace',
    WORKSPACE_DIR,
    '--only',
    nodeId,
    '--results-dir',
    RESULTS_DIR,
    '--run-id',
    runId,
    ...(options.storage.kind === 's3' ? ['--merge-from', UPSTREAM_DIR] : []),
    '--json',
  ];
}

const [USER_ID] = RUNTIME_USER.split(':').map(Number) as [number];

function s3Location(storage: Extract<ArgoStorage, { kind: 's3' }>, key: string): Record<string, unknown> {
  return {
    bucket: storage.bucket,
    endpoint: storage.endpoint,
    insecure: storage.insecure,
    key,
    accessKeySecret: { name: storage.secret, key: 'accessKey' },
    secretKeySecret: { name: storage.secret, key: 'secretKey' },
  };
}

function nodeTemplate(options: ArgoOptions, node: ResolvedNode, task: string, parents: readonly string[], names: Map<string, string>): Record<string, unknown> {
  const base = RESOURCES[node.definition.category] ?? DEFAULT_RESOURCES;
  const gpu = options.gpu !== undefined && node.definition.category === 'train';
  const resources = gpu
    ? { requests: { ...base.requests, 'nvidia.com/gpu': '1' }, limits: { ...base.limits, 'nvidia.com/gpu': '1' } }
    : { requests: { ...base.requests }, limits: { ...base.limits } };
  const s3 = options.storage.kind === 's3' ? options.storage : undefined;
  return {
    name: `node-${task}`,
    metadata: { labels: { 'tensorloom.io/node': labelValue(node.id), 'tensorloom.io/node-type': labelValue(node.type) } },
    ...(s3 && parents.length > 0 ? { inputs: { artifacts: parents.map((parent) => ({ name: `from-${names.get(parent)!}`, path: `${UPSTREAM_DIR}/${names.get(parent)!}` })) } } : {}),
    ...(s3 ? { outputs: { artifacts: [{ name: 'store', path: STORE_MOUNT, s3: s3Location(s3, `tensorloom/{{workflow.name}}/${task}.tgz`) }] } } : {}),
    retryStrategy: RETRY_STRATEGY,
    ...(gpu ? { nodeSelector: { ...options.gpu!.selector }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] } : {}),
    container: {
      name: 'main',
      image: options.image,
      command: [...IMAGE_COMMAND],
      args: stepArgs(options, node.id),
      // A GPU step picks the fastest backend the image has (the default batch image pins wasm).
      ...(gpu ? { env: [{ name: 'TENSORLOOM_BACKEND', value: '' }] } : {}),
      resources,
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      ...(options.storage.kind === 'volume-claim' ? { volumeMounts: [{ name: 'tensorloom-store', mountPath: STORE_MOUNT }] } : {}),
    },
  };
}

/** The workflow spec: the DAG, one template per node, the shared store. */
function workflowSpec(options: ArgoOptions): Record<string, unknown> {
  const { pipeline } = options;
  const names = taskNames(pipeline);
  const parentsOf = (node: ResolvedNode) => [...new Set(Object.values(node.inputs).map((ref) => ref.node))].sort((a, b) => pipeline.order.indexOf(a) - pipeline.order.indexOf(b));
  const tasks = pipeline.order.map((id) => {
    const node = pipeline.nodes.get(id)!;
    const parents = parentsOf(node);
    const task = names.get(id)!;
    return {
      name: task,
      template: `node-${task}`,
      ...(parents.length > 0 ? { dependencies: parents.map((parent) => names.get(parent)!) } : {}),
      ...(options.storage.kind === 's3' && parents.length > 0
        ? { arguments: { artifacts: parents.map((parent) => ({ name: `from-${names.get(parent)!}`, from: `{{tasks.${names.get(parent)!}.outputs.artifacts.store}}` })) } }
        : {}),
    };
  });
  return {
    entrypoint: 'pipeline',
    securityContext: { runAsNonRoot: true, runAsUser: USER_ID, runAsGroup: USER_ID, fsGroup: USER_ID },
    ...(options.storage.kind === 'volume-claim' ? { volumes: [{ name: 'tensorloom-store', persistentVolumeClaim: { claimName: options.storage.claim } }] } : {}),
    templates: [
      { name: 'pipeline', dag: { tasks } },
      ...pipeline.order.map((id) => {
        const node = pipeline.nodes.get(id)!;
        return nodeTemplate(options, node, names.get(id)!, parentsOf(node), names);
      }),
    ],
  };
}

/** The Workflow (or CronWorkflow with a schedule) as a plain object. Throws a NodeError naming what cannot be exported. */
export function argoManifest(options: ArgoOptions): Record<string, unknown> {
  checkOptions(options);
  const name = workflowName(options.pipeline.doc.name);
  const labels = { 'app.kubernetes.io/managed-by': 'tensorloom', 'tensorloom.io/pipeline': labelValue(options.pipeline.doc.name) };
  const annotations = { 'tensorloom.io/pipeline-hash': options.pipeline.hash, 'tensorloom.io/pipeline-file': options.pipelineFile };
  // Every run of the workflow is labelled with its own name: the --run-id its steps record, and the tag import-results gives the run.
  const workflowMetadata = { labels, labelsFrom: { [RUN_ID_LABEL]: { expression: 'workflow.name' } } };
  const spec = { ...workflowSpec(options), workflowMetadata };
  if (options.schedule === undefined) {
    return { apiVersion: ARGO_API_VERSION, kind: 'Workflow', metadata: { generateName: `${name}-`, labels, annotations }, spec };
  }
  return {
    apiVersion: ARGO_API_VERSION,
    kind: 'CronWorkflow',
    metadata: { name, labels, annotations },
    spec: {
      schedules: [options.schedule.trim()],
      ...(options.timezone === undefined ? {} : { timezone: options.timezone }),
      // A run still going when the next is due: the next waits for its turn rather than compete for the store.
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 300,
      workflowMetadata: { labels },
      workflowSpec: spec,
    },
  };
}

export function argoYaml(options: ArgoOptions): string {
  return toYaml(argoManifest(options) as YamlValue);
}
