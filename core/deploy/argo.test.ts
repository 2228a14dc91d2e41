/**
 * The Argo export: DAG shape, step commands, storage, resources, retries, labels, and the
 * Workflow / CronWorkflow validated against the Argo Workflows schema
 * (@kubernetes-models/argo-workflows). The steps themselves run for real in
 * argo-rehearsal.e2e.test.ts (Docker); the CLI command is tested in cli/export.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { composeRegistry, validatePipeline } from '../graph/index.js';
import type { PipelineDoc, ResolvedPipeline } from '../graph/types.js';
import { defineNode, port, z } from '../sdk/index.js';
import { argoManifest, argoYaml, cronProblem, RETRY_STRATEGY, stepArgs, taskNames, type ArgoOptions } from './argo.js';
import { deploymentManifest } from './k8s.js';
import { validateManifest, validateYamlManifests } from './test-support/k8s-schema.js';
import { parseYaml } from './test-support/yaml.js';

const node = (type: string, category: 'data' | 'feature' | 'train' | 'eval' | 'registry', inputs: string[]) =>
  defineNode({
    type,
    version: 1,
    category,
    title: type,
    description: type,
    inputs: Object.fromEntries(inputs.map((name) => [name, port('metrics')])),
    outputs: { out: port('metrics') },
    params: z.object({ path: z.string().optional() }),
    ...(category === 'data' ? { sourceFiles: (params: { path?: string }) => (params.path ? [{ param: 'path', path: params.path }] : []) } : {}),
    async run() {
      return { out: { value: 1 } };
    },
  });

const registry = composeRegistry({
  builtins: [
    node('fx.read', 'data', []),
    node('fx.prep', 'feature', ['table']),
    node('fx.train', 'train', ['table']),
    node('fx.score', 'eval', ['model', 'table']),
    node('fx.pick', 'eval', ['a', 'b']),
    node('fx.register', 'registry', ['model']),
  ],
});

/** Branches (two trainers from one table) and joins (each score reads a model and the table; pick reads both scores). */
function pipeline(extra: { nodes?: PipelineDoc['nodes']; edges?: PipelineDoc['edges'] } = {}): ResolvedPipeline {
  const validated = validatePipeline(
    {
      format: 'tensorloom/pipeline@1',
      name: 'Penguins Nightly_v2',
      nodes: [
        { id: 'read', type: 'fx.read', params: { path: 'data/p.csv' } },
        { id: 'prep', type: 'fx.prep', params: {} },
        { id: 'train', type: 'fx.train', params: {} },
        { id: 'train_big', type: 'fx.train', params: {} },
        { id: 'score', type: 'fx.score', params: {} },
        { id: 'score_big', type: 'fx.score', params: {} },
        { id: 'pick', type: 'fx.pick', params: {} },
        ...(extra.nodes ?? []),
      ],
      edges: [
        { from: 'read.out', to: 'prep.table' },
        { from: 'prep.out', to: 'train.table' },
        { from: 'prep.out', to: 'train_big.table' },
        { from: 'train.out', to: 'score.model' },
        { from: 'prep.out', to: 'score.table' },
        { from: 'train_big.out', to: 'score_big.model' },
        { from: 'prep.out', to: 'score_big.table' },
        { from: 'score.out', to: 'pick.a' },
        { from: 'score_big.out', to: 'pick.b' },
        ...(extra.edges ?? []),
      ],
    },
    registry,
  );
  if (!validated.ok) throw new Error(validated.issues.map((issue) => issue.message).join('; '));
  return validated.pipeline;
}

const base = (overrides: Partial<ArgoOptions> = {}): ArgoOptions => ({
  pipeline: pipeline(),
  pipelineFile: 'nightly.pipeline.json',
  image: 'registry.example.com/ml/penguins-batch:1.4',
  storage: { kind: 'volume-claim', claim: 'tensorloom-store' },
  ...overrides,
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
const templatesOf = (spec: Json): Json => Object.fromEntries((spec.templates as Json[]).map((template) => [template.name as string, template]));

describe('argo export', () => {
  it('writes a Workflow that validates: one task per node, edges as dependencies, each task the image with --only', () => {
    const manifest = argoManifest(base()) as Json;
    validateManifest(manifest);
    expect(manifest).toMatchObject({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 'penguins-nightly-v2-' } });
    expect(manifest.metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'tensorloom', 'tensorloom.io/pipeline': 'Penguins-Nightly_v2' });
    expect(manifest.metadata.annotations['tensorloom.io/pipeline-hash']).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Each run is labelled with its own name, the --run-id its steps share.
    expect(manifest.spec.workflowMetadata.labelsFrom).toEqual({ 'tensorloom.io/run-id': { expression: 'workflow.name' } });
    const templates = templatesOf(manifest.spec);
    expect(manifest.spec.entrypoint).toBe('pipeline');
    const tasks = templates.pipeline.dag.tasks as Json[];
    expect(tasks.map((task) => [task.name, task.dependencies ?? []])).toEqual([
      ['read', []],
      ['prep', ['read']],
      ['train', ['prep']],
      ['train-big', ['prep']],
      ['score', ['prep', 'train']],
      ['score-big', ['prep', 'train-big']],
      ['pick', ['score', 'score-big']],
    ]);
    const train = templates['node-train-big'];
    expect(train.container).toMatchObject({
      name: 'main',
      image: 'registry.example.com/ml/penguins-batch:1.4',
      command: ['node', '/app/tensorloom.mjs'],
      args: ['run', '/workspace/nightly.pipeline.json', '--workspace', '/workspace', '--only', 'train_big', '--results-dir', '/workspace/.tensorloom/results', '--run-id', '{{workflow.name}}', '--json'],
      volumeMounts: [{ name: 'tensorloom-store', mountPath: '/workspace/.tensorloom' }],
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    });
    expect(train.metadata.labels).toEqual({ 'tensorloom.io/node': 'train_big', 'tensorloom.io/node-type': 'fx.train' });
    expect(manifest.spec.volumes).toEqual([{ name: 'tensorloom-store', persistentVolumeClaim: { claimName: 'tensorloom-store' } }]);
    expect(manifest.spec.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 });
    // Training asks for more than a data step; no GPU unless asked.
    expect(train.container.resources).toEqual({ requests: { cpu: '2', memory: '2Gi' }, limits: { memory: '4Gi' } });
    expect(templates['node-read'].container.resources.requests).toEqual({ cpu: '500m', memory: '1Gi' });
    expect(train.nodeSelector).toBeUndefined();
    for (const template of Object.values(templates) as Json[]) if (template.container) expect(template.retryStrategy).toEqual(RETRY_STRATEGY);
  });

  it('gives training steps a GPU and a node selector when asked', () => {
    const manifest = argoManifest(base({ gpu: { selector: { 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' } } })) as Json;
    validateManifest(manifest);
    const templates = templatesOf(manifest.spec);
    for (const name of ['node-train', 'node-train-big']) {
      expect(templates[name].container.resources).toEqual({ requests: { cpu: '2', memory: '2Gi', 'nvidia.com/gpu': '1' }, limits: { memory: '4Gi', 'nvidia.com/gpu': '1' } });
      expect(templates[name].nodeSelector).toEqual({ 'nvidia.com/gpu.product': 'NVIDIA-H100-80GB-HBM3' });
      expect(templates[name].tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
      expect(templates[name].container.env).toEqual([{ name: 'TENSORLOOM_BACKEND', value: '' }]);
    }
    for (const name of ['node-read', 'node-prep', 'node-score', 'node-pick']) {
      expect(templates[name].container.resources.limits['nvidia.com/gpu']).toBeUndefined();
      expect(templates[name].nodeSelector).toBeUndefined();
    }
  });

  it('with S3 artifacts: each step saves its store and gets its upstream steps\' stores to merge', () => {
    const manifest = argoManifest(base({ storage: { kind: 's3', bucket: 'ml-artifacts', endpoint: 'minio.minio:9000', secret: 'minio-creds', insecure: true } })) as Json;
    validateManifest(manifest);
    expect(manifest.spec.volumes).toBeUndefined();
    const templates = templatesOf(manifest.spec);
    const score = templates['node-score'];
    expect(score.inputs.artifacts).toEqual([
      { name: 'from-prep', path: '/workspace/upstream/prep' },
      { name: 'from-train', path: '/workspace/upstream/train' },
    ]);
    expect(score.outputs.artifacts).toEqual([
      {
        name: 'store',
        path: '/workspace/.tensorloom',
        s3: { bucket: 'ml-artifacts', endpoint: 'minio.minio:9000', insecure: true, key: 'tensorloom/{{workflow.name}}/score.tgz', accessKeySecret: { name: 'minio-creds', key: 'accessKey' }, secretKeySecret: { name: 'minio-creds', key: 'secretKey' } },
      },
    ]);
    expect(score.container.args).toContain('--merge-from');
    expect(score.container.volumeMounts).toBeUndefined();
    expect(templates['node-read'].inputs).toBeUndefined();
    const task = (templatesOf(manifest.spec).pipeline.dag.tasks as Json[]).find((item) => item.name === 'score')!;
    expect(task.arguments.artifacts).toEqual([
      { name: 'from-prep', from: '{{tasks.prep.outputs.artifacts.store}}' },
      { name: 'from-train', from: '{{tasks.train.outputs.artifacts.store}}' },
    ]);
  });

  it('with a schedule: a CronWorkflow that validates, one run at a time', () => {
    const manifest = argoManifest(base({ schedule: '0 3 * * 1-5' })) as Json;
    validateManifest(manifest);
    expect(manifest).toMatchObject({ kind: 'CronWorkflow', metadata: { name: 'penguins-nightly-v2' }, spec: { schedules: ['0 3 * * 1-5'], concurrencyPolicy: 'Forbid' } });
    expect(manifest.spec.workflowSpec.entrypoint).toBe('pipeline');
    expect(manifest.spec.workflowSpec.workflowMetadata.labelsFrom['tensorloom.io/run-id']).toEqual({ expression: 'workflow.name' });
    expect(cronProblem('@daily')).toBeUndefined();
    expect(cronProblem('0 3 * *')).toMatch(/five cron fields.*got 4 fields/);
  });

  it('the YAML reads back (PyYAML) as the manifest', () => {
    const options = base({ gpu: { selector: { 'nvidia.com/gpu.present': 'true' } } });
    const text = argoYaml(options);
    expect(parseYaml(text)).toEqual(argoManifest(options));
    expect(validateYamlManifests(text)).toHaveLength(1);
    // Quoted where YAML 1.1 would read something else: the GPU count, the selector's 'true', the empty backend.
    expect(text).toContain("nvidia.com/gpu: \"1\"");
    expect(text).toContain('nvidia.com/gpu.present: "true"');
  });

  it('refuses what a workflow step cannot run, and bad names, with the reason', () => {
    const withRegistry = pipeline({ nodes: [{ id: 'register', type: 'fx.register', params: {} }], edges: [{ from: 'train.out', to: 'register.model' }] });
    expect(() => argoManifest(base({ pipeline: withRegistry }))).toThrow(
      "cannot run as a workflow: node 'register' (fx.register) registers models in the workspace database, which workflow steps never open; run the workflow without it and that part locally after 'tensorloom import-results'",
    );
    expect(() => argoManifest(base({ image: 'Bad Image' }))).toThrow(/^image 'Bad Image': /);
    expect(() => argoManifest(base({ storage: { kind: 'volume-claim', claim: 'My_Claim' } }))).toThrow("volume claim 'My_Claim': a claim name is lowercase letters, digits and '-' (a DNS label)");
    expect(() => argoManifest(base({ schedule: 'every day' }))).toThrow(/^schedule 'every day': a schedule is five cron fields/);
  });

  it('the schema check catches what Argo would refuse', () => {
    const manifest = argoManifest(base()) as Json;
    const broken = structuredClone(manifest);
    templatesOf(broken.spec)['node-train']!.container.args = 'run --only train';
    expect(() => validateManifest(broken)).toThrow(/Workflow does not validate: \/spec\/templates\/3\/container\/args must be array/);
    const unnamed = structuredClone(manifest);
    delete (unnamed.spec.templates as Json[])[1]!.container.name;
    expect(() => validateManifest(unnamed)).toThrow("Workflow does not validate: /spec/templates/1/container must have required property name");
  });

  it('maps node ids to task names one to one, and steps carry the true id', () => {
    const names = taskNames(pipeline());
    expect([...names.values()]).toEqual(['read', 'prep', 'train', 'train-big', 'score', 'score-big', 'pick']);
    expect(stepArgs({ pipelineFile: 'p.json', storage: { kind: 'volume-claim', claim: 'c' } }, 'train_big', 'wf-1')).toContain('train_big');
  });
});

describe('the other manifests Tensorloom writes', () => {
  it('the model image\'s Deployment and Service validate against the Kubernetes schema', () => {
    const documents = validateYamlManifests(deploymentManifest({ name: 'penguins', image: 'penguins:1', modelName: 'penguins', modelVersion: '3', modelDigest: `sha256:${'a'.repeat(64)}` }));
    expect(documents.map((document) => (document as Json).kind)).toEqual(['Deployment', 'Service']);
  });
});
