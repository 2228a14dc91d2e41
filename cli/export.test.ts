/** tensorloom export, export-pipeline and ci-workflow through the real CLI (no Docker engine needed here: see core/deploy/docker.e2e.test.ts). */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL } from '../core/deploy/dockerfile.js';
import { INSTALL_SCRIPT } from '../core/deploy/ci-workflow.js';
import { validateYamlManifests } from '../core/deploy/test-support/k8s-schema.js';
import { parseYaml } from '../core/deploy/test-support/yaml.js';
import { ArtifactStore } from '../core/store/index.js';
import { copyExamples as copyExamplesOnce, REPO, tensorloom } from './test-support/run-cli.js';

interface RunJson {
  runId: string;
  status: string;
  nodes: Record<string, { status: string; cached: boolean; error?: string }>;
  outputs: Record<string, Record<string, string>>;
}

const NO_ENGINE = { DOCKER_HOST: 'unix:///nonexistent/tensorloom-test/docker.sock' };
/** Training on the same backend as the bundled CLI in the batch image, so the models are the same bytes. */
const WASM = { TENSORLOOM_BACKEND: 'wasm' };

/** Temp folders of this file, removed at the end (build contexts are a few MB each). */
const made: string[] = [];
const temp = (prefix: string) => {
  const path = mkdtempSync(join(tmpdir(), prefix));
  made.push(path);
  return path;
};
const copyExamples = () => {
  const path = copyExamplesOnce();
  made.push(path);
  return path;
};
afterAll(() => {
  for (const path of made) rmSync(path, { recursive: true, force: true });
});

let dir: string;
let run: RunJson;
let pipelineHash: string;
beforeAll(() => {
  dir = copyExamples();
  const result = tensorloom(['run', 'penguins.pipeline.json', '--json'], { cwd: dir, env: WASM });
  expect(result.status, result.stderr).toBe(0);
  run = JSON.parse(result.stdout) as RunJson;
  pipelineHash = (JSON.parse(tensorloom(['show', run.runId, '--json'], { cwd: dir }).stdout) as { pipelineHash: string }).pipelineHash;
}, 120_000);

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1);

describe('tensorloom export', () => {
  it('--no-build writes the build context for a model id, with the lineage of the run that trained it', () => {
    const model = run.outputs.train!.model!;
    const result = tensorloom(['export', model, '--tag', 'penguins:1', '--name', 'penguins', '--no-build', '--json'], { cwd: dir });
    expect(result.status, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as { context: string; imageId: null; modelDigest: string; manifests: string[]; labels: Record<string, string> };
    expect(out.context).toBe(join(dir, 'penguins-image'));
    expect(out.imageId).toBeNull();
    expect(out.modelDigest).toBe(model);
    expect(out.manifests).toEqual(['penguins-image/k8s/deployment.yaml', 'penguins-image/k8s/inferenceservice.yaml']);
    expect(out.labels).toMatchObject({ [LABEL.modelDigest]: model, [LABEL.runId]: run.runId, [LABEL.pipelineHash]: pipelineHash, [LABEL.dataHashes]: run.outputs.load!.table, [LABEL.modelName]: 'penguins' });
    expect(result.stderr).toContain('written to penguins-image');
    expect(result.stderr).toContain('not built (--no-build); build it with: docker build -t penguins:1 penguins-image');
    expect(readFileSync(join(dir, 'penguins-image', 'Dockerfile'), 'utf8')).toContain(`${LABEL.runId}="${run.runId}"`);
  });

  it('takes the model bundle folder too, and finds its lineage in the workspace', () => {
    const folder = new ArtifactStore(join(dir, '.tensorloom')).pathOf(run.outputs.train!.model!);
    const result = tensorloom(['export', folder, '--tag', 'penguins:1', '--out', 'from-folder', '--no-build', '--json'], { cwd: dir });
    expect(result.status, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as { labels: Record<string, string> }).labels).toMatchObject({ [LABEL.modelDigest]: run.outputs.train!.model, [LABEL.runId]: run.runId });
    // A copy outside any workspace: the labels say unknown.
    const copy = temp('tensorloom-bundle-');
    made.push(`${copy}-image`);
    cpSync(folder, copy, { recursive: true });
    const elsewhere = tensorloom(['export', copy, '--tag', 'penguins:1', '--out', join(copy, '..', `${copy.split('/').at(-1)}-image`), '--no-build', '--json'], { cwd: tmpdir() });
    expect(elsewhere.status, elsewhere.stderr).toBe(0);
    expect((JSON.parse(elsewhere.stdout) as { labels: Record<string, string> }).labels).toMatchObject({ [LABEL.modelDigest]: run.outputs.train!.model, [LABEL.runId]: 'unknown', [LABEL.dataHashes]: 'unknown' });
  });

  it('without a Docker engine: exit 1 with one line saying where it looked and how to go on, the context written', () => {
    const result = tensorloom(['export', run.outputs.train!.model!, '--tag', 'penguins:1', '--out', 'no-engine'], { cwd: dir, env: NO_ENGINE });
    expect(result.status).toBe(1);
    expect(lastLine(result.stderr)).toBe(
      'tensorloom: no Docker engine is reachable at /nonexistent/tensorloom-test/docker.sock (the socket does not exist); start Docker, or pass --no-build to only write the build context to no-engine',
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'no-engine', 'Dockerfile'))).toBe(true);
    expect(result.stdout).toBe('');
  });

  it.each([
    [['export', 'penguins@production', '--tag', 'p:1'], /no model 'penguins' in the registry/],
    [['export', `sha256:${'0'.repeat(64)}`, '--tag', 'p:1'], /no such artifact in the workspace .*; model ids are the train node's 'model' output/],
    [['export', 'sha256:abc', '--tag', 'p:1'], "model 'sha256:abc': not a model id (expected sha256: and 64 lowercase hex digits)"],
    [['export', 'no-such-folder', '--tag', 'p:1'], "model 'no-such-folder': no such folder; pass a model bundle folder, a sha256: model id from 'tensorloom show <run>', or a registered model as name@alias or name@version"],
    [['export', 'data', '--tag', 'p:1'], /model 'data': .*data is not a model bundle folder \(no bundle.json in it\)/],
    [['export', 'penguins.pipeline.json', '--tag', 'p:1'], "model 'penguins.pipeline.json': a file; pass the model bundle folder (the one holding bundle.json)"],
    [['export', 'MODEL'], "'tensorloom export' needs --tag NAME[:TAG], the image to build (e.g. --tag my-model:1)"],
    [['export', 'MODEL', '--tag', 'Penguins:1'], "--tag 'Penguins:1': repository names must be lowercase (try 'penguins:1')"],
    [['export', 'MODEL', '--tag', 'penguins:1', '--name', 'my model'], /--name 'my model': a model name is 1 to 63 letters/],
    [['export', 'MODEL', '--tag', 'penguins:1', '--base-image', 'Node:20'], /--base-image 'Node:20': repository names must be lowercase/],
    [['export', 'MODEL', '--tag', 'penguins:1', '--out', 'data'], "--out 'data' already holds files that are not a Tensorloom build context; choose an empty or new folder"],
    [['export', 'MODEL', '--tag', 'penguins:1', '--limit', '3'], "'tensorloom export' has no --limit option"],
  ])('refuses %j with one line and exit 2', (args, message) => {
    const resolved = args.map((arg) => (arg === 'MODEL' ? run.outputs.train!.model! : arg));
    const result = tensorloom(resolved, { cwd: dir });
    expect(result.status, result.stderr).toBe(2);
    const line = lastLine(result.stderr)!.replace(/^tensorloom: /, '');
    if (typeof message === 'string') expect(line).toBe(message);
    else expect(line).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses a sha256: id of a file artifact (not a model)', () => {
    const result = tensorloom(['export', run.outputs.load!.table!, '--tag', 'p:1'], { cwd: dir });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("that artifact is a file, not a model bundle; pass the 'model' output of a train node");
  });
});

describe('deploy.container in a pipeline', () => {
  it('writes the context under the pipeline folder with the lineage of its run, runs every time, and fails clearly without an engine', () => {
    const work = copyExamples();
    const file = join(work, 'deploy.pipeline.json');
    const pipeline = JSON.parse(readFileSync(join(work, 'penguins.pipeline.json'), 'utf8')) as { nodes: object[]; edges: object[] };
    pipeline.nodes.push({ id: 'image', type: 'deploy.container', params: { tag: 'penguins:1', name: 'penguins', build: false } });
    pipeline.edges.push({ from: 'train.model', to: 'image.model' });
    writeFileSync(file, JSON.stringify(pipeline));
    const first = tensorloom(['run', file, '--json'], { cwd: work });
    expect(first.status, first.stderr).toBe(0);
    const firstRun = JSON.parse(first.stdout) as RunJson;
    const store = new ArtifactStore(join(work, '.tensorloom'));
    const report = (output: RunJson) => JSON.parse(readFileSync(store.pathOf(output.outputs.image!.report!), 'utf8')) as Record<string, unknown> & { labels: Record<string, string> };
    expect(report(firstRun)).toMatchObject({
      tag: 'penguins:1',
      imageId: null,
      contextDir: 'deploy/penguins',
      manifests: { deployment: 'deploy/penguins/k8s/deployment.yaml', inferenceService: 'deploy/penguins/k8s/inferenceservice.yaml' },
      modelDigest: firstRun.outputs.train!.model,
      saved: null,
    });
    expect(report(firstRun).labels).toMatchObject({ [LABEL.runId]: firstRun.runId, [LABEL.dataHashes]: firstRun.outputs.load!.table });
    expect(existsSync(join(work, 'deploy', 'penguins', 'server.mjs'))).toBe(true);

    const second = JSON.parse(tensorloom(['run', file, '--json'], { cwd: work }).stdout) as RunJson;
    expect(second.nodes.train).toMatchObject({ status: 'cached' });
    expect(second.nodes.image).toMatchObject({ status: 'succeeded', cached: false });
    // The model was computed by the first run: that is its lineage.
    expect(report(second).labels[LABEL.runId]).toBe(firstRun.runId);

    const building = tensorloom(['run', file, '--json', '--set', 'image.build=true'], { cwd: work, env: NO_ENGINE });
    expect(building.status).toBe(1);
    const failed = JSON.parse(building.stdout) as RunJson;
    expect(failed.nodes.image!.status).toBe('failed');
    const detail = JSON.parse(tensorloom(['show', failed.runId, '--json'], { cwd: work }).stdout) as { nodes: Record<string, { error: string }> };
    expect(detail.nodes.image!.error).toMatch(/^no Docker engine is reachable at .*; start Docker, or set the param 'build' to false to only write the build context to /);
  }, 120_000);
});

describe('tensorloom export-pipeline', () => {
  it('--no-build writes a batch context whose bundled CLI (worker threads, SQLite addon) trains the same model', () => {
    const result = tensorloom(['export-pipeline', 'penguins.pipeline.json', '--tag', 'penguins-batch:1', '--no-build', '--json'], { cwd: dir });
    expect(result.status, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as { context: string; pipeline: string; copiedData: string[]; notCopied: string[]; labels: Record<string, string> };
    expect(out).toMatchObject({ context: join(dir, 'penguins-batch-image'), pipeline: '/workspace/penguins.pipeline.json', copiedData: ['data/penguins.csv'], notCopied: [] });
    expect(out.labels).toMatchObject({ [LABEL.pipelineHash]: pipelineHash, [LABEL.pipelineName]: 'penguins' });
    const context = out.context;
    const dockerfile = readFileSync(join(context, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node","\/app\/tensorloom.mjs","run","\/workspace\/penguins.pipeline.json","--workspace","\/workspace"\]$/m);
    expect(dockerfile).toMatch(/^USER 10001:10001$/m);
    expect(dockerfile).toMatch(/^COPY --chown=10001:10001 writable\/ \/workspace\/$/m);
    expect(dockerfile).toMatch(/^ARG BASE_IMAGE=node:20-bookworm-slim$/m);
    const lock = JSON.parse(readFileSync(join(context, 'runtime-lock.json'), 'utf8')) as { kind: string; node: { abi: string; major: number }; copied: { name: string; version: string }[]; bundled: { name: string }[] };
    expect(lock).toMatchObject({ kind: 'pipeline-batch', node: { abi: process.versions.modules, major: 20 } });
    expect(lock.copied.map((entry) => entry.name)).toEqual(['better-sqlite3', 'bindings', 'file-uri-to-path', 'parquet-wasm']);
    expect(lock.bundled.map((entry) => entry.name)).toEqual(expect.arrayContaining(['apache-arrow', '@tensorflow/tfjs-core', 'zod']));
    expect(lock.bundled.map((entry) => entry.name)).not.toContain('better-sqlite3');
    for (const path of ['app/tensorloom.mjs', 'app/cli/entry.js', 'app/core/engine/worker-main.js', 'app/nodes/train/dense.js', 'app/node_modules/better-sqlite3/build/Release/better_sqlite3.node', 'workspace/data/penguins.csv', 'workspace/penguins.pipeline.json']) {
      expect(existsSync(join(context, path)), path).toBe(true);
    }

    // What the image runs, run here from a copy outside the repository (no node_modules to fall back on).
    const copy = temp('tensorloom-batch-');
    cpSync(context, copy, { recursive: true });
    const batch = spawnSync(process.execPath, [join(copy, 'app', 'tensorloom.mjs'), 'run', join(copy, 'workspace', 'penguins.pipeline.json'), '--workspace', join(copy, 'workspace'), '--json'], {
      cwd: copy,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', TENSORLOOM_WASM_DIR: join(copy, 'app', 'wasm'), TENSORLOOM_BACKEND: 'wasm', NO_COLOR: '1' },
      timeout: 120_000,
    });
    expect(batch.status, batch.stderr).toBe(0);
    const batchRun = JSON.parse(batch.stdout) as RunJson;
    expect(batchRun.status).toBe('succeeded');
    expect(batchRun.outputs.train!.model).toBe(run.outputs.train!.model);
  }, 120_000);

  it('says which data files it could not copy', () => {
    const work = copyExamples();
    const outside = temp('tensorloom-outside-');
    cpSync(join(work, 'data', 'penguins.csv'), join(outside, 'p.csv'));
    const pipeline = JSON.parse(readFileSync(join(work, 'penguins.pipeline.json'), 'utf8')) as { nodes: { id: string; params: Record<string, unknown> }[] };
    pipeline.nodes.find((node) => node.id === 'load')!.params.path = join(outside, 'p.csv');
    mkdirSync(join(work, 'sub'));
    writeFileSync(join(work, 'sub', 'x.pipeline.json'), JSON.stringify(pipeline));
    const result = tensorloom(['export-pipeline', 'sub/x.pipeline.json', '--tag', 'x:1', '--no-build', '--json'], { cwd: work });
    expect(result.status, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ copiedData: [], notCopied: [join(outside, 'p.csv')] });
    expect(result.stderr).toContain(`not copied into the image (outside the pipeline's folder or missing): ${join(outside, 'p.csv')}; mount them under /workspace`);
  });
});

describe('tensorloom export-pipeline --target argo', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Manifest = Record<string, any>;

  it('writes a Workflow of the pipeline\'s steps that validates against the Argo schema, and says what to run next', () => {
    const result = tensorloom(['export-pipeline', 'penguins.pipeline.json', '--target', 'argo', '--image', 'registry.example.com/penguins-batch:1', '--volume-claim', 'ml-store', '--gpu'], { cwd: dir });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('wrote penguins.workflow.yaml: 7 steps of penguins.pipeline.json as an Argo Workflow');
    expect(result.stdout).toContain('tensorloom export-pipeline penguins.pipeline.json --tag registry.example.com/penguins-batch:1');
    expect(result.stdout).toContain('argo submit penguins.workflow.yaml --watch');
    const text = readFileSync(join(dir, 'penguins.workflow.yaml'), 'utf8');
    const [workflow] = validateYamlManifests(text) as Manifest[];
    expect(parseYaml(text)).toEqual(workflow);
    expect(workflow!.metadata.annotations['tensorloom.io/pipeline-hash']).toBe(pipelineHash);
    const templates = Object.fromEntries((workflow!.spec.templates as Manifest[]).map((template) => [template.name, template]));
    expect((templates.pipeline.dag.tasks as Manifest[]).map((task) => `${task.name}<${(task.dependencies ?? []).join(',')}`)).toEqual([
      'load<', 'split<load', 'impute<split', 'encode<impute', 'scale<encode', 'train<scale', 'evaluate<scale,train',
    ]);
    expect(templates['node-train'].container.args).toEqual(['run', '/workspace/penguins.pipeline.json', '--workspace', '/workspace', '--only', 'train', '--results-dir', '/workspace/.tensorloom/results', '--run-id', '{{workflow.name}}', '--json']);
    expect(templates['node-train'].container.resources.limits['nvidia.com/gpu']).toBe('1');
    expect(templates['node-train'].nodeSelector).toEqual({ 'nvidia.com/gpu.present': 'true' });
    expect(templates['node-evaluate'].nodeSelector).toBeUndefined();

    const cron = tensorloom(['export-pipeline', 'penguins.pipeline.json', '--target', 'argo', '--image', 'penguins-batch:1', '--s3-bucket', 'ml-runs', '--s3-endpoint', 'http://minio:9000', '--schedule', '30 2 * * *', '--out', 'argo/nightly.yaml', '--json'], { cwd: dir });
    expect(cron.status, cron.stderr).toBe(0);
    expect(JSON.parse(cron.stdout)).toMatchObject({ kind: 'CronWorkflow', name: 'penguins', storage: { kind: 's3', bucket: 'ml-runs', endpoint: 'minio:9000', insecure: true, secret: 'tensorloom-s3' } });
    const [cronWorkflow] = validateYamlManifests(readFileSync(join(dir, 'argo', 'nightly.yaml'), 'utf8')) as Manifest[];
    expect(cronWorkflow!.spec.schedules).toEqual(['30 2 * * *']);
  });

  it('refuses, in one line each, a pipeline reading a file outside its folder and incomplete flags', () => {
    const work = copyExamples();
    const outside = temp('tensorloom-outside-');
    cpSync(join(work, 'data', 'penguins.csv'), join(outside, 'p.csv'));
    const pipeline = JSON.parse(readFileSync(join(work, 'penguins.pipeline.json'), 'utf8')) as { nodes: { id: string; params: Record<string, unknown> }[] };
    pipeline.nodes.find((node) => node.id === 'load')!.params.path = join(outside, 'p.csv');
    writeFileSync(join(work, 'outside.pipeline.json'), JSON.stringify(pipeline));
    pipeline.nodes.find((node) => node.id === 'load')!.params.path = '../penguins.csv';
    mkdirSync(join(work, 'sub'));
    writeFileSync(join(work, 'sub', 'up.pipeline.json'), JSON.stringify(pipeline));
    const argo = ['--target', 'argo', '--image', 'penguins-batch:1', '--volume-claim', 'store'];
    const cases: [string[], string][] = [
      [['outside.pipeline.json', ...argo], `cannot export outside.pipeline.json as a workflow: its steps read only files inside the pipeline's folder, which the image holds: node 'load' param 'path' reads ${join(outside, 'p.csv')}, outside the pipeline's folder`],
      [['sub/up.pipeline.json', ...argo], "node 'load' param 'path' reads ../penguins.csv, outside the pipeline's folder"],
      [['penguins.pipeline.json', '--target', 'argo', '--volume-claim', 'store'], "'--target argo' needs --image IMG"],
      [['penguins.pipeline.json', '--target', 'argo', '--image', 'x:1'], "'--target argo' needs the shared artifact store: --volume-claim NAME"],
      [['penguins.pipeline.json', ...argo, '--s3-bucket', 'b'], '--volume-claim and --s3-bucket do not go together'],
      [['penguins.pipeline.json', ...argo, '--schedule', 'nightly'], "--schedule 'nightly': a schedule is five cron fields"],
      [['penguins.pipeline.json', ...argo, '--tag', 'x:1'], "'--target argo' writes a workflow, no image"],
      [['penguins.pipeline.json', '--target', 'k8s'], '--target k8s: the targets are image'],
      [['penguins.pipeline.json', '--tag', 'x:1', '--image', 'y:1'], '--image goes with --target argo'],
    ];
    for (const [args, message] of cases) {
      const result = tensorloom(['export-pipeline', ...args], { cwd: work });
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr.trimEnd().split('\n'), result.stderr).toHaveLength(1);
    }
  });
});

describe('tensorloom ci-workflow', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Workflow = Record<string, any>;

  it('writes a GitHub Actions workflow that installs Tensorloom, validates, runs, keeps the run JSON and exports the model on the default branch', () => {
    const result = tensorloom(['ci-workflow', 'penguins.pipeline.json', '--install-from', 'https://git.example.com/tensorloom.git#v0.1.0'], { cwd: dir });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('the workflow installs Tensorloom from https://git.example.com/tensorloom.git#v0.1.0 (the repository needs nothing but its pipelines and data)');
    const file = join(dir, '.github', 'workflows', 'tensorloom.yml');
    const workflow = parseYaml(readFileSync(file, 'utf8')) as Workflow;
    expect(Object.keys(workflow.on)).toEqual(['push', 'pull_request', 'workflow_dispatch']);
    // A promotion rolls out by dispatching the workflow with model=name@champion.
    expect(workflow.on.workflow_dispatch.inputs.model).toMatchObject({ required: false, default: '' });
    expect(workflow.env).toEqual({ TENSORLOOM_SOURCE: 'https://git.example.com/tensorloom.git#v0.1.0' });
    const steps = workflow.jobs.pipeline.steps as Workflow[];
    expect(workflow.jobs.pipeline['runs-on']).toBe('ubuntu-latest');
    expect(steps[0]).toEqual({ uses: 'actions/checkout@v4' });
    // No npm cache: the repository has no package-lock.json for setup-node to key it on.
    expect(steps[1]).toEqual({ uses: 'actions/setup-node@v4', with: { 'node-version': 20 } });
    expect(steps[2]).toMatchObject({ name: 'Install Tensorloom', run: expect.stringContaining('git clone --quiet "${source%%#*}" "$home"') });
    expect(steps[3]!.run).toBe("tensorloom validate 'penguins.pipeline.json'");
    expect(steps[4]!.run).toBe("tensorloom run 'penguins.pipeline.json' --workspace '.' --json > tensorloom-run.json");
    expect(steps[5]).toMatchObject({ uses: 'actions/upload-artifact@v4', if: 'always()', with: { path: 'tensorloom-run.json' } });
    const exportStep = steps[6]!;
    expect(exportStep.if).toBe("github.event_name != 'pull_request' && github.ref == format('refs/heads/{0}', github.event.repository.default_branch)");
    expect(exportStep.run).toContain(`tensorloom export "$model" --workspace '.' --name 'penguins' --tag 'penguins:\${{ github.sha }}' --save model-image.tar`);
    expect(steps[7]).toMatchObject({ uses: 'actions/upload-artifact@v4', with: { name: 'model-image' } });

    // The step's script finds the model id in a real run's JSON.
    const script = /node -e '([^']*)'/.exec(exportStep.run as string)![1]!;
    const scratch = temp('tensorloom-ci-');
    writeFileSync(join(scratch, 'tensorloom-run.json'), JSON.stringify(run));
    const found = spawnSync(process.execPath, ['-e', script], { cwd: scratch, encoding: 'utf8' });
    expect(found.stdout.trim()).toBe(run.outputs.train!.model);
    writeFileSync(join(scratch, 'tensorloom-run.json'), JSON.stringify({ ...run, outputs: {} }));
    expect(spawnSync(process.execPath, ['-e', script], { cwd: scratch, encoding: 'utf8' }).status).toBe(1);
  });

  it('runs its steps here, as the runner would, in a repository that holds only a pipeline and its data', () => {
    // The repository: the pipeline and its data, no package.json.
    const repository = temp('tensorloom-repo-');
    cpSync(join(dir, 'penguins.pipeline.json'), join(repository, 'penguins.pipeline.json'));
    cpSync(join(dir, 'data'), join(repository, 'data'), { recursive: true });
    // Installed from a folder holding a checkout (this one); a URL would be cloned the same way.
    const written = tensorloom(['ci-workflow', 'penguins.pipeline.json', '--install-from', REPO], { cwd: repository });
    expect(written.status, written.stderr).toBe(0);
    const workflow = parseYaml(readFileSync(join(repository, '.github', 'workflows', 'tensorloom.yml'), 'utf8')) as Workflow;
    const runner = temp('tensorloom-runner-');
    const githubPath = join(runner, 'github-path');
    writeFileSync(githubPath, '');
    const outcomes: { name: string; status: number | null; stderr: string }[] = [];
    for (const step of workflow.jobs.pipeline.steps as Workflow[]) {
      if (step.run === undefined) continue; // actions (checkout, setup-node, upload-artifact) are GitHub's own
      const added = readFileSync(githubPath, 'utf8').split('\n').filter(Boolean);
      // GitHub fills in its expressions before the shell runs: the commit id is the only one these steps use.
      const script = (step.run as string).replaceAll('${{ github.sha }}', '4b825dc642cb6eb9a060e54bf8d69288fbee4904');
      expect(script).not.toContain('${{');
      const result = spawnSync('bash', ['-e', '-c', script], {
        cwd: repository,
        encoding: 'utf8',
        timeout: 180_000,
        env: {
          ...process.env,
          ...workflow.env,
          ...WASM,
          ...NO_ENGINE,
          NO_COLOR: '1',
          RUNNER_TEMP: runner,
          GITHUB_PATH: githubPath,
          PATH: [...added, process.env.PATH].join(':'),
        },
      });
      outcomes.push({ name: step.name as string, status: result.status, stderr: result.stderr });
    }
    expect(outcomes.map((outcome) => outcome.name)).toEqual(['Install Tensorloom', 'Validate the pipeline', 'Run the pipeline', 'Export the model image']);
    for (const outcome of outcomes.slice(0, 3)) expect(outcome.status, `${outcome.name}: ${outcome.stderr}`).toBe(0);
    expect(readFileSync(githubPath, 'utf8')).toBe(`${join(runner, 'bin')}\n`);
    const ran = JSON.parse(readFileSync(join(repository, 'tensorloom-run.json'), 'utf8')) as RunJson;
    expect(ran.status).toBe('succeeded');
    expect(ran.outputs.train!.model).toBe(run.outputs.train!.model);
    // Export: the model id found, its build context written; no Docker engine here, so the build itself is refused in one line.
    const exported = outcomes[3]!;
    expect(exported.status, exported.stderr).toBe(1);
    expect(exported.stderr).toMatch(/^tensorloom: no Docker engine is reachable at /m);
    expect(existsSync(join(repository, 'model-image', 'Dockerfile'))).toBe(true);
  }, 240_000);

  it('installs from a git URL at a pinned ref, or from a source tarball: npm ci there, tensorloom on the PATH', () => {
    // A stand-in for Tensorloom's repository (package.json, lock file, bin/tensorloom.mjs), in git with a tag, and as a tarball.
    const origin = temp('tensorloom-origin-');
    const version = (v: string) => {
      writeFileSync(join(origin, 'package.json'), JSON.stringify({ name: 'tensorloom', version: v, private: true, type: 'module' }));
      writeFileSync(join(origin, 'package-lock.json'), JSON.stringify({ name: 'tensorloom', version: v, lockfileVersion: 3, requires: true, packages: { '': { name: 'tensorloom', version: v } } }));
    };
    mkdirSync(join(origin, 'bin'));
    writeFileSync(join(origin, 'bin', 'tensorloom.mjs'), "import { readFileSync } from 'node:fs';\nconsole.log(JSON.parse(readFileSync(new URL('../package.json', import.meta.url))).version, process.argv.slice(2).join(' '));\n");
    const git = (...args: string[]) => expect(spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-C', origin, ...args], { encoding: 'utf8' }).status).toBe(0);
    version('1.0.0');
    git('init', '--quiet');
    git('add', '.');
    git('commit', '--quiet', '-m', 'one');
    git('tag', 'v1');
    version('2.0.0');
    git('commit', '--quiet', '-am', 'two');
    const tarball = join(temp('tensorloom-release-'), 'tensorloom-2.0.0.tar.gz');
    expect(spawnSync('tar', ['-czf', tarball, '--exclude=.git', '-C', join(origin, '..'), origin.split('/').at(-1)!]).status).toBe(0);

    for (const [source, expected] of [[`file://${origin}#v1`, '1.0.0'], [`file://${tarball}`, '2.0.0']] as const) {
      const runner = temp('tensorloom-runner-');
      const githubPath = join(runner, 'github-path');
      const install = spawnSync('bash', ['-e', '-c', INSTALL_SCRIPT], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, TENSORLOOM_SOURCE: source, RUNNER_TEMP: runner, GITHUB_PATH: githubPath } });
      expect(install.status, install.stderr).toBe(0);
      const lines = install.stdout.trim().split('\n');
      expect(lines.at(-1), source).toBe(`${expected} --version`);
      expect(install.stdout, 'npm ci ran').toMatch(/up to date|added \d+ package/);
      const next = spawnSync('tensorloom', ['validate', 'x.json'], { encoding: 'utf8', env: { ...process.env, PATH: `${readFileSync(githubPath, 'utf8').trim()}:${process.env.PATH}` } });
      expect(next.stdout.trim()).toBe(`${expected} validate x.json`);
    }
  }, 180_000);

  it('without a source (Tensorloom not run from a git checkout with a remote) installs from the repository variable, and says so', () => {
    const work = copyExamples();
    // Whatever checkout runs the tests (a CI clone has an origin), git finds no repository here.
    const result = tensorloom(['ci-workflow', 'penguins.pipeline.json'], { cwd: work, env: { GIT_DIR: join(work, 'not-a-git-dir') } });
    expect(result.status, result.stderr).toBe(0);
    const workflow = parseYaml(readFileSync(join(work, '.github', 'workflows', 'tensorloom.yml'), 'utf8')) as Workflow;
    expect(workflow.env).toEqual({ TENSORLOOM_SOURCE: '${{ vars.TENSORLOOM_SOURCE }}' });
    expect(result.stderr).toContain('the workflow installs Tensorloom from the repository variable TENSORLOOM_SOURCE');
    const install = spawnSync('bash', ['-e', '-c', (workflow.jobs.pipeline.steps as Workflow[])[2]!.run as string], { cwd: work, encoding: 'utf8', env: { ...process.env, TENSORLOOM_SOURCE: '', RUNNER_TEMP: temp('tensorloom-runner-'), GITHUB_PATH: '/dev/null' } });
    expect(install.status).toBe(1);
    expect(install.stdout).toContain('::error::no Tensorloom to install: set the repository variable TENSORLOOM_SOURCE');
  });

  it('takes --model-node, --tag and --out, and refuses a node without a model', () => {
    const ok = tensorloom(['ci-workflow', 'penguins.pipeline.json', '--model-node', 'train', '--tag', 'registry.example.com/penguins:${{ github.run_number }}', '--out', 'ci/flow.yml'], { cwd: dir });
    expect(ok.status, ok.stderr).toBe(0);
    const workflow = parseYaml(readFileSync(join(dir, 'ci', 'flow.yml'), 'utf8')) as Workflow;
    expect(workflow.jobs.pipeline.steps[6].run).toContain("--tag 'registry.example.com/penguins:${{ github.run_number }}'");
    const bad = tensorloom(['ci-workflow', 'penguins.pipeline.json', '--model-node', 'split'], { cwd: dir });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--model-node split: no node with a 'model' output of that id in penguins.pipeline.json; nodes with one: train");
    const badTag = tensorloom(['ci-workflow', 'penguins.pipeline.json', '--tag', 'UPPER'], { cwd: dir });
    expect(badTag.status).toBe(2);
    expect(badTag.stderr).toContain("--tag 'UPPER': repository names must be lowercase");
  });
});
