/** tensorloom export, export-pipeline and ci-workflow through the real CLI (no Docker engine needed here: see core/deploy/docker.e2e.test.ts). */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL } from '../core/deploy/dockerfile.js';
import { parseYaml } from '../core/deploy/test-support/yaml.js';
import { ArtifactStore } from '../core/store/index.js';
import { copyExamples as copyExamplesOnce, tensorloom } from './test-support/run-cli.js';

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

describe('tensorloom ci-workflow', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Workflow = Record<string, any>;

  it('writes a GitHub Actions workflow that validates, runs, keeps the run JSON and exports the model on the default branch', () => {
    const result = tensorloom(['ci-workflow', 'penguins.pipeline.json'], { cwd: dir });
    expect(result.status, result.stderr).toBe(0);
    const file = join(dir, '.github', 'workflows', 'tensorloom.yml');
    const workflow = parseYaml(readFileSync(file, 'utf8')) as Workflow;
    expect(Object.keys(workflow.on)).toEqual(['push', 'pull_request', 'workflow_dispatch']);
    const steps = workflow.jobs.pipeline.steps as Workflow[];
    expect(workflow.jobs.pipeline['runs-on']).toBe('ubuntu-latest');
    expect(steps[0]).toEqual({ uses: 'actions/checkout@v4' });
    expect(steps[1]).toMatchObject({ uses: 'actions/setup-node@v4', with: { 'node-version': 20 } });
    expect(steps[2]).toMatchObject({ run: 'npm ci' });
    expect(steps[3]!.run).toBe("npx tensorloom validate 'penguins.pipeline.json'");
    expect(steps[4]!.run).toBe("npx tensorloom run 'penguins.pipeline.json' --workspace '.' --json > tensorloom-run.json");
    expect(steps[5]).toMatchObject({ uses: 'actions/upload-artifact@v4', if: 'always()', with: { path: 'tensorloom-run.json' } });
    const exportStep = steps[6]!;
    expect(exportStep.if).toBe("github.event_name != 'pull_request' && github.ref == format('refs/heads/{0}', github.event.repository.default_branch)");
    expect(exportStep.run).toContain(`npx tensorloom export "$model" --workspace '.' --name 'penguins' --tag 'penguins:\${{ github.sha }}' --save model-image.tar`);
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
