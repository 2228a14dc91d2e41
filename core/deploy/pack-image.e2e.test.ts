/**
 * A model trained with a node pack's recipe step, exported as an image and served by a real
 * Docker engine: the image bundles the pack's step code, and answers exactly like the app's
 * predict.batch. The pack is installed into the workspace with `npm install` of its tarball.
 *
 * Needs a Docker engine and a local base image (TENSORLOOM_TEST_BASE_IMAGE, default
 * tensorloom/node-base:local from scripts/local-base-image.sh); skipped with the reason
 * without them, a failure with TENSORLOOM_REQUIRE_DOCKER=1 (CI).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCredit, workspaceWithExamplePack, type TrainedCredit } from '../packs/test-support/pack-workspace.js';
import { connect, dockerAvailable, imageExists } from './docker.js';
import { tensorloom } from './test-support/cli.js';

const BASE_IMAGE = process.env.TENSORLOOM_TEST_BASE_IMAGE || 'tensorloom/node-base:local';
const REQUIRED = process.env.TENSORLOOM_REQUIRE_DOCKER === '1';

async function dockerProblem(): Promise<string | undefined> {
  const available = await dockerAvailable();
  if (!available.ok) return `no Docker engine (${available.reason})`;
  if (!(await imageExists(await connect(), BASE_IMAGE))) return `the base image ${BASE_IMAGE} is not on the engine (make it with scripts/local-base-image.sh)`;
  return undefined;
}

const problem = await dockerProblem();
if (problem !== undefined && !REQUIRED) console.warn(`pack-image.e2e.test.ts skipped: ${problem}; set TENSORLOOM_REQUIRE_DOCKER=1 to make this a failure`);

describe.runIf(problem !== undefined && REQUIRED)('exported image with a node pack (Docker required)', () => {
  it('has a Docker engine and the base image', () => {
    throw new Error(`TENSORLOOM_REQUIRE_DOCKER=1 but ${problem}`);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.runIf(problem === undefined)('exported model image with a node pack on Docker', () => {
  const tag = `tensorloom-test/credit:${randomBytes(4).toString('hex')}`;
  const tmp = mkdtempSync(join(tmpdir(), 'tensorloom-pack-image-'));
  let docker: Docker;
  let workspace: string | undefined;
  let credit: TrainedCredit;
  let exported: { imageId: string; context: string };
  let container: Docker.Container | undefined;
  let base: string;

  beforeAll(async () => {
    docker = await connect();
    workspace = workspaceWithExamplePack('tarball');
    credit = runCredit(workspace);
    const result = tensorloom(['export', credit.modelId, '--tag', tag, '--name', 'credit', '--base-image', BASE_IMAGE, '--out', join(tmp, 'context'), '--workspace', workspace, '--json'], {
      cwd: tmp,
      timeoutMs: 300_000,
    });
    if (result.status !== 0) throw new Error(`tensorloom export failed (${String(result.status)}): ${result.stderr}`);
    exported = JSON.parse(result.stdout) as typeof exported;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    container = await docker.createContainer({ Image: tag, Env: [`PORT=${port}`], HostConfig: { NetworkMode: 'host' } });
    await container.start();
    // Loading TF.js and the model takes a moment on a loaded machine; the deadline only bounds a broken start.
    for (let attempt = 0; attempt < 600; attempt++) {
      const ready = await fetch(`${base}/v2/health/ready`).then((response) => response.status, () => 0);
      if (ready === 200) return;
      const state = (await container.inspect()).State;
      if (!state.Running) throw new Error(`the container stopped (exit ${state.ExitCode}): ${(await container.logs({ stdout: true, stderr: true })).toString()}`);
      await sleep(100);
    }
    throw new Error(`the container never became ready: ${(await container.logs({ stdout: true, stderr: true })).toString()}`);
  }, 600_000);

  afterAll(async () => {
    await container?.remove({ force: true }).catch(() => {});
    for (const image of [tag, exported?.imageId]) if (image) await docker?.getImage(image).remove({ force: true }).catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  }, 60_000);

  it("bundles the pack's step code and says so in runtime-lock.json", () => {
    const lock = JSON.parse(readFileSync(join(exported.context, 'runtime-lock.json'), 'utf8')) as { packs?: unknown };
    expect(lock.packs).toEqual([{ name: 'tensorloom-pack-skew', version: '1.0.0', stepKinds: ['skew.log'] }]);
  });

  it('replays the pack step: TF Serving and Open Inference answers equal predict.batch for every row', async () => {
    const post = async (path: string, body: unknown) => {
      const response = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const rows = await post('/v1/models/credit:predict', { instances: credit.records });
    expect(rows.status, JSON.stringify(rows.body)).toBe(200);
    const predictions = rows.body.predictions as { prediction: string; probabilities: number[] }[];
    expect(predictions.map((row) => row.prediction)).toEqual(credit.predictions);
    expect(predictions.map((row) => row.probabilities)).toEqual(credit.probabilities);

    const tensors = credit.bundle.inputs.map((input) => {
      const data = credit.records.map((record) => record[input.name] ?? null);
      return { name: input.name, shape: [data.length], datatype: input.type === 'number' ? 'FP64' : 'BYTES', data };
    });
    const v2 = await post('/v2/models/credit/infer', { inputs: tensors });
    expect(v2.status, JSON.stringify(v2.body)).toBe(200);
    const [predicted, probabilities] = v2.body.outputs as { name: string; data: unknown[] }[];
    expect(predicted!.data).toEqual(credit.predictions);
    expect(probabilities!.data).toEqual(credit.probabilities.flat());
  });

  it('refuses a row the pack step cannot read, naming the field, and keeps serving', async () => {
    const bad = await fetch(`${base}/v1/models/credit:predict`, { method: 'POST', body: JSON.stringify({ instances: [{ ...credit.records[0], income: 'a lot' }] }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/income/);
    const good = await fetch(`${base}/v1/models/credit:predict`, { method: 'POST', body: JSON.stringify({ instances: credit.records.slice(0, 1) }) });
    expect(good.status).toBe(200);
  });
});
