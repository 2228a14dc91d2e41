/**
 * A rehearsal of the exported Argo workflow on the local Docker engine, since no Kubernetes
 * cluster runs here. The real batch image is built (`export-pipeline --tag`), the workflow is
 * exported (`--target argo --volume-claim`), and each DAG task of the YAML runs as a
 * container of that image with the task's own command, arguments, user and environment:
 * in dependency order, independent branches at the same time, all sharing one folder
 * mounted where the workflow mounts its volume claim, with networking off. Every step's
 * outputs must be the artifacts a local `tensorloom run` computes (content hashes; the
 * files re-hashed on the shared folder), and `import-results` must make the steps one run.
 *
 * What this does not run: Argo's controller, its executor sidecars, the cluster's
 * scheduling, retries, resources, GPUs and the S3 mode; those parts of the YAML are only
 * checked against the Argo schema (argo.test.ts). Needs a Docker engine and the base image
 * (TENSORLOOM_TEST_BASE_IMAGE, default tensorloom/node-base:local); skipped without them
 * unless TENSORLOOM_REQUIRE_DOCKER=1.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactStore } from '../store/index.js';
import { connect, dockerAvailable, imageExists } from './docker.js';
import { validateManifest } from './test-support/k8s-schema.js';
import { REPO, tensorloom } from './test-support/cli.js';

const BASE_IMAGE = process.env.TENSORLOOM_TEST_BASE_IMAGE || 'tensorloom/node-base:local';
const REQUIRED = process.env.TENSORLOOM_REQUIRE_DOCKER === '1';

async function dockerProblem(): Promise<string | undefined> {
  const available = await dockerAvailable();
  if (!available.ok) return `no Docker engine (${available.reason})`;
  if (!(await imageExists(await connect(), BASE_IMAGE))) return `the base image ${BASE_IMAGE} is not on the engine (make it with scripts/local-base-image.sh)`;
  return undefined;
}

const problem = await dockerProblem();
if (problem !== undefined && !REQUIRED) console.warn(`argo-rehearsal.e2e.test.ts skipped: ${problem}; set TENSORLOOM_REQUIRE_DOCKER=1 to make this a failure`);

describe.runIf(problem !== undefined && REQUIRED)('Argo rehearsal (Docker required)', () => {
  it('has a Docker engine and the base image', () => {
    throw new Error(`TENSORLOOM_REQUIRE_DOCKER=1 but ${problem}`);
  });
});

/** Penguins with two trainers side by side (branches) and nodes reading two upstream nodes (joins). */
const PIPELINE = {
  format: 'tensorloom/pipeline@1',
  name: 'penguins-rehearsal',
  nodes: [
    { id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } },
    { id: 'split', type: 'data.split', params: { test: 0.2, stratifyBy: 'species', seed: 1 } },
    { id: 'impute', type: 'feature.impute', params: { target: 'species' } },
    { id: 'encode', type: 'feature.encode', params: { target: 'species' } },
    { id: 'scale', type: 'feature.scale', params: { target: 'species' } },
    { id: 'train', type: 'train.dense', params: { target: 'species', seed: 1, epochs: 40, hiddenLayers: [16] } },
    { id: 'train_wide', type: 'train.dense', params: { target: 'species', seed: 2, epochs: 40, hiddenLayers: [48, 24] } },
    { id: 'evaluate', type: 'eval.model', params: {} },
    { id: 'evaluate_wide', type: 'eval.model', params: {} },
    { id: 'predict', type: 'predict.batch', params: {} },
  ],
  edges: [
    { from: 'load.table', to: 'split.table' },
    { from: 'split.table', to: 'impute.table' },
    { from: 'impute.table', to: 'encode.table' },
    { from: 'encode.table', to: 'scale.table' },
    { from: 'scale.table', to: 'train.table' },
    { from: 'scale.table', to: 'train_wide.table' },
    { from: 'train.model', to: 'evaluate.model' },
    { from: 'scale.table', to: 'evaluate.table' },
    { from: 'train_wide.model', to: 'evaluate_wide.model' },
    { from: 'scale.table', to: 'evaluate_wide.table' },
    { from: 'train.model', to: 'predict.model' },
    { from: 'load.table', to: 'predict.table' },
  ],
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;
interface StepJson {
  node: string;
  status: string;
  cacheKey: string;
  outputs: Record<string, string>;
}
interface TaskRun {
  task: string;
  started: number;
  ended: number;
  step: StepJson;
}

/** `docker logs` of a container without a TTY: frames of [stream, 0, 0, 0, size (4 bytes)] + payload. */
function demux(buffer: Buffer): { stdout: string; stderr: string } {
  const out = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  for (let at = 0; at + 8 <= buffer.length; ) {
    const size = buffer.readUInt32BE(at + 4);
    (buffer[at] === 2 ? out.stderr : out.stdout).push(buffer.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return { stdout: Buffer.concat(out.stdout).toString('utf8'), stderr: Buffer.concat(out.stderr).toString('utf8') };
}

describe.runIf(problem === undefined)('the Argo workflow rehearsed on Docker', () => {
  const tag = `tensorloom-test/rehearsal:${randomBytes(4).toString('hex')}`;
  const tmp = mkdtempSync(join(tmpdir(), 'tensorloom-argo-e2e-'));
  const workspace = join(tmp, 'workspace');
  /** What the volume claim holds: the `.tensorloom` folder of a workspace, so import-results can run on it. */
  const claim = join(tmp, 'claim', '.tensorloom');
  let docker: Docker;
  let imageId: string | undefined;
  let workflow: Json;
  const containers: Docker.Container[] = [];

  beforeAll(() => {
    cpSync(join(REPO, 'examples'), workspace, { recursive: true, filter: (path) => !path.includes('.tensorloom') });
    writeFileSync(join(workspace, 'rehearsal.pipeline.json'), JSON.stringify(PIPELINE, null, 2));
    const built = tensorloom(['export-pipeline', 'rehearsal.pipeline.json', '--tag', tag, '--base-image', BASE_IMAGE, '--out', join(tmp, 'context'), '--json'], { cwd: workspace, timeoutMs: 300_000 });
    if (built.status !== 0) throw new Error(`export-pipeline --tag failed (${built.status}): ${built.stderr}`);
    imageId = (JSON.parse(built.stdout) as { imageId: string }).imageId;
    const exported = tensorloom(['export-pipeline', 'rehearsal.pipeline.json', '--target', 'argo', '--image', tag, '--volume-claim', 'tensorloom-store', '--out', join(tmp, 'workflow.yaml')], { cwd: workspace });
    if (exported.status !== 0) throw new Error(`export-pipeline --target argo failed (${exported.status}): ${exported.stderr}`);
    workflow = parse(readFileSync(join(tmp, 'workflow.yaml'), 'utf8')) as Json;
  }, 330_000);

  afterAll(async () => {
    docker ??= await connect();
    for (const container of containers) await container.remove({ force: true }).catch(() => {});
    for (const image of [tag, imageId]) if (image) await docker.getImage(image).remove({ force: true }).catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  /** Runs one DAG task as Kubernetes would run its container: command, args (Argo's variables filled in), user, env, the claim's mount. */
  async function runTask(task: string, workflowName: string): Promise<TaskRun> {
    const template = (workflow.spec.templates as Json[]).find((item) => item.name === (workflow.spec.templates[0].dag.tasks as Json[]).find((entry) => entry.name === task)!.template)!;
    const { container: spec } = template;
    const fill = (text: string) => text.replaceAll('{{workflow.name}}', workflowName);
    const mounts = (spec.volumeMounts as Json[]).map((mount) => {
      const volume = (workflow.spec.volumes as Json[]).find((item) => item.name === mount.name)!;
      expect(volume.persistentVolumeClaim.claimName).toBe('tensorloom-store');
      return `${claim}:${mount.mountPath}`;
    });
    const { runAsUser, runAsGroup } = workflow.spec.securityContext as { runAsUser: number; runAsGroup: number };
    const container = await docker.createContainer({
      Image: spec.image,
      Entrypoint: spec.command,
      Cmd: (spec.args as string[]).map(fill),
      User: `${runAsUser}:${runAsGroup}`,
      Env: ((spec.env ?? []) as { name: string; value: string }[]).map((item) => `${item.name}=${item.value}`),
      HostConfig: { NetworkMode: 'none', Binds: mounts },
    });
    containers.push(container);
    const started = Date.now();
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const ended = Date.now();
    const logs = demux((await container.logs({ stdout: true, stderr: true })) as unknown as Buffer);
    expect(StatusCode, `task ${task}: ${logs.stderr}`).toBe(0);
    return { task, started, ended, step: JSON.parse(logs.stdout) as StepJson };
  }

  it('runs every task in its own container in dependency order, branches at once, and reproduces the local run', async () => {
    docker = await connect();
    validateManifest(workflow);
    mkdirSync(claim, { recursive: true });
    chmodSync(claim, 0o777); // the pods' user (10001) writes here, as fsGroup makes a claim writable
    const workflowName = `penguins-rehearsal-${randomBytes(3).toString('hex')}`;
    const tasks = workflow.spec.templates[0].dag.tasks as { name: string; dependencies?: string[] }[];
    expect(tasks).toHaveLength(PIPELINE.nodes.length);

    // Argo's DAG semantics: a task starts once all its dependencies succeeded.
    const done = new Map<string, TaskRun>();
    const running = new Map<string, Promise<TaskRun>>();
    while (done.size < tasks.length) {
      for (const task of tasks) {
        if (done.has(task.name) || running.has(task.name)) continue;
        if ((task.dependencies ?? []).every((dependency) => done.has(dependency))) running.set(task.name, runTask(task.name, workflowName));
      }
      const finished = await Promise.race(running.values());
      running.delete(finished.task);
      done.set(finished.task, finished);
    }
    for (const task of tasks) for (const dependency of task.dependencies ?? []) expect(done.get(task.name)!.started).toBeGreaterThanOrEqual(done.get(dependency)!.ended);
    // Independent branches ran at the same time: each trainer started before the other ended.
    const [narrow, wide] = [done.get('train')!, done.get('train-wide')!];
    expect(narrow.started).toBeLessThan(wide.ended);
    expect(wide.started).toBeLessThan(narrow.ended);

    // The same pipeline run locally, on the backend the image uses.
    const local = tensorloom(['run', 'rehearsal.pipeline.json', '--json'], { cwd: workspace, env: { TENSORLOOM_BACKEND: 'wasm' }, timeoutMs: 240_000 });
    expect(local.status, local.stderr).toBe(0);
    const expected = JSON.parse(local.stdout) as { outputs: Record<string, Record<string, string>> };
    const shown = JSON.parse(tensorloom(['show', JSON.parse(local.stdout).runId, '--json'], { cwd: workspace }).stdout) as { nodes: Record<string, { cacheKey: string }> };
    const shared = new ArtifactStore(claim);
    const localStore = new ArtifactStore(join(workspace, '.tensorloom'));
    for (const node of PIPELINE.nodes) {
      const { step } = done.get(node.id.replace('_', '-'))!;
      expect(step).toMatchObject({ node: node.id, status: 'succeeded', cacheKey: shown.nodes[node.id]!.cacheKey });
      for (const [port, hash] of Object.entries(expected.outputs[node.id]!)) {
        const mine = step.outputs[port]!;
        // Every file on the shared folder holds the content its name says.
        expect(await shared.verify(mine), `${node.id}.${port}`).toBe(true);
        if (node.type === 'train.dense' && port === 'metrics') {
          // Training's metrics record the seconds per epoch: equal apart from that (as between two local runs).
          const timeless = (path: string) => ({ ...(JSON.parse(readFileSync(path, 'utf8')) as object), secondsPerEpoch: 0 });
          expect(timeless(shared.pathOf(mine))).toEqual(timeless(localStore.pathOf(hash)));
        } else expect(mine, `${node.id}.${port}`).toBe(hash);
      }
    }

    // The steps' records become one run of the workspace that owns the claim.
    const imported = tensorloom(['import-results', join(claim, 'results'), '--json'], { cwd: tmp });
    expect(imported.status, imported.stderr).toBe(0);
    const report = JSON.parse(imported.stdout) as { runs: { stepRunId: string; status: string; nodes: Record<string, string> }[] };
    expect(report.runs).toEqual([expect.objectContaining({ stepRunId: workflowName, status: 'succeeded', nodes: Object.fromEntries(PIPELINE.nodes.map((node) => [node.id, 'succeeded'])) })]);
  }, 600_000);
});
