/**
 * The exported images on a real Docker engine. The model image: train penguins through the
 * CLI, export the model by its artifact id, run the container and check it answers exactly
 * like the app's predict.batch, refuses bad requests, reports metrics promtool accepts, and
 * stops cleanly on SIGTERM. The batch image: export-pipeline, run it on mounted data, and
 * get the model the CLI trains.
 *
 * Needs a Docker engine and a local base image (TENSORLOOM_TEST_BASE_IMAGE, default
 * tensorloom/node-base:local from scripts/local-base-image.sh). Containers use host
 * networking. Without them the test is skipped with the reason; with
 * TENSORLOOM_REQUIRE_DOCKER=1 (CI) their absence is a failure.
 */
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { columnValues } from '../data/table-ops.js';
import { trainExample, type TrainedExample } from '../serve/test-support/trained-model.js';
import { buildImage, connect, dockerAvailable, imageExists, isDockerError } from './docker.js';
import { LABEL } from './dockerfile.js';
import { REPO, tensorloom } from './test-support/cli.js';

const BASE_IMAGE = process.env.TENSORLOOM_TEST_BASE_IMAGE || 'tensorloom/node-base:local';
const REQUIRED = process.env.TENSORLOOM_REQUIRE_DOCKER === '1';
const PROMTOOL = '/usr/bin/promtool';
/** Set on the container (the image's settings come from its environment); all 344 rows fit well within it. */
const MAX_BODY_BYTES = 256 * 1024;

async function dockerProblem(): Promise<string | undefined> {
  const available = await dockerAvailable();
  if (!available.ok) return `no Docker engine (${available.reason})`;
  if (!(await imageExists(await connect(), BASE_IMAGE))) return `the base image ${BASE_IMAGE} is not on the engine (make it with scripts/local-base-image.sh)`;
  return undefined;
}

const problem = await dockerProblem();
if (problem !== undefined && !REQUIRED) console.warn(`docker.e2e.test.ts skipped: ${problem}; set TENSORLOOM_REQUIRE_DOCKER=1 to make this a failure`);

describe.runIf(problem !== undefined && REQUIRED)('exported image (Docker required)', () => {
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

describe.runIf(problem === undefined)('exported model image on Docker', () => {
  const tag = `tensorloom-test/penguins:${randomBytes(4).toString('hex')}`;
  const tmp = mkdtempSync(join(tmpdir(), 'tensorloom-export-e2e-'));
  const tarball = join(tmp, 'image.tar');
  let docker: Docker;
  let example: TrainedExample;
  let exported: { imageId: string; context: string; labels: Record<string, string> };
  let container: Docker.Container | undefined;
  let base: string;
  const images: string[] = [];

  async function post(path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const response = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  /**
   * A body over MAX_BODY_BYTES: the server answers 413 before reading it all and closes the
   * connection, so the client may fail to write the rest after the answer came.
   */
  function postTooLarge(path: string, bytes: number): Promise<{ status: number; body: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      let answered = false;
      const request = httpRequest(base + path, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': bytes } }, (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
      });
      request.on('error', (error) => answered || reject(error));
      request.end(`{"instances": [${' '.repeat(bytes - 17)}]}`);
    });
  }

  /** predict.batch's classes and per-class probabilities for the same rows. */
  function appAnswers() {
    const prediction = columnValues(example.predictions, 'prediction', 'prediction');
    const columns = (example.bundle.classes ?? []).map((label) => columnValues(example.predictions, `probability_${label}`, label) as number[]);
    return { prediction, probabilityRows: prediction.map((_, row) => columns.map((column) => column[row]!)) };
  }

  beforeAll(async () => {
    docker = await connect();
    example = trainExample('penguins');
    const result = tensorloom(
      ['export', example.modelId, '--tag', tag, '--name', 'penguins', '--base-image', BASE_IMAGE, '--save', tarball, '--out', join(tmp, 'context'), '--workspace', example.workspace, '--json'],
      { cwd: tmp, timeoutMs: 240_000 },
    );
    if (result.status !== 0) throw new Error(`tensorloom export failed (${result.status}): ${result.stderr}`);
    exported = JSON.parse(result.stdout) as typeof exported;
    images.push(tag, exported.imageId);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    container = await docker.createContainer({ Image: tag, Env: [`PORT=${port}`, `MAX_BODY_BYTES=${MAX_BODY_BYTES}`], HostConfig: { NetworkMode: 'host' } });
    await container.start();
    // Loading TF.js and the model takes a moment; the deadline only bounds a broken start.
    for (let attempt = 0; attempt < 300; attempt++) {
      const ready = await fetch(`${base}/v2/health/ready`).then((response) => response.status, () => 0);
      if (ready === 200) return;
      const state = (await container.inspect()).State;
      if (!state.Running) throw new Error(`the container stopped (exit ${state.ExitCode}): ${(await container.logs({ stdout: true, stderr: true })).toString()}`);
      await sleep(100);
    }
    throw new Error(`the container never became ready: ${(await container.logs({ stdout: true, stderr: true })).toString()}`);
  }, 300_000);

  afterAll(async () => {
    // Everything this test made goes, also when it failed.
    await container?.remove({ force: true }).catch(() => {});
    for (const image of images) await docker?.getImage(image).remove({ force: true }).catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
    if (example) rmSync(example.workspace, { recursive: true, force: true });
  }, 60_000);

  it('is labelled with the model and its lineage, and runs as a non-root user with a healthcheck', async () => {
    const info = await docker.getImage(tag).inspect();
    expect(info.Id).toBe(exported.imageId);
    expect(info.Config.User).toBe('10001:10001');
    expect(info.Config.Entrypoint).toEqual(['node', '/app/server.mjs']);
    expect(info.Config.Healthcheck?.Test).toEqual(['CMD', 'node', '/app/healthcheck.mjs']);
    expect(info.Config.ExposedPorts).toHaveProperty(['8080/tcp']);
    const labels = info.Config.Labels ?? {};
    expect(labels[LABEL.modelDigest]).toBe(example.modelId);
    expect(labels[LABEL.modelName]).toBe('penguins');
    expect(labels[LABEL.runId]).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/);
    expect(labels[LABEL.pipelineHash]).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(labels[LABEL.dataHashes]).toMatch(/^sha256:[0-9a-f]{64}$/);
    // Every label the export wrote; the base image's own labels are inherited beside them.
    expect(labels).toMatchObject(exported.labels);
    const health = await container!.inspect();
    expect(health.Config.User).toBe('10001:10001');
  });

  it('answers TF Serving rows, columns and Open Inference requests for all 344 rows exactly like predict.batch', async () => {
    const { prediction, probabilityRows } = appAnswers();
    const metadata = await fetch(`${base}/v1/models/penguins/metadata`).then((response) => response.json() as Promise<{ tensorloom: { classes: string[]; backend?: string } }>);
    expect(metadata.tensorloom.classes).toEqual(example.bundle.classes);

    const rows = await post('/v1/models/penguins:predict', { instances: example.records });
    expect(rows.status).toBe(200);
    const predictions = rows.body.predictions as { prediction: string; probabilities: number[] }[];
    expect(predictions.map((row) => row.prediction)).toEqual(prediction);
    expect(predictions.map((row) => row.probabilities)).toEqual(probabilityRows);

    const inputs = Object.fromEntries(example.bundle.inputs.map((input) => [input.name, example.records.map((record) => record[input.name])]));
    const columns = await post('/v1/models/penguins:predict', { inputs });
    expect(columns.status).toBe(200);
    expect(columns.body.outputs).toEqual({ prediction, probabilities: probabilityRows });

    const tensors = example.bundle.inputs.map((input) => {
      const data = example.records.map((record) => record[input.name] ?? null);
      return { name: input.name, shape: [data.length], datatype: input.type === 'number' ? 'FP64' : 'BYTES', data };
    });
    const v2 = await post('/v2/models/penguins/infer', { inputs: tensors });
    expect(v2.status).toBe(200);
    expect(v2.body).toMatchObject({ model_name: 'penguins', model_version: '1' });
    const [predicted, probabilities] = v2.body.outputs as { name: string; shape: number[]; data: unknown[] }[];
    expect(predicted).toMatchObject({ name: 'prediction', shape: [344], data: prediction });
    expect(probabilities).toMatchObject({ name: 'probabilities', shape: [344, 3] });
    expect(probabilities!.data).toEqual(probabilityRows.flat());
  });

  it('refuses bad requests with 4xx naming the field, and keeps serving', async () => {
    const good = example.records[0]!;
    const { island: _island, ...withoutIsland } = good;
    const cases: [unknown, number, RegExp][] = [
      [{ instances: [{ ...good, bill_length_mm: 'long' }] }, 400, /bill_length_mm/],
      [{ instances: [withoutIsland] }, 400, /missing feature 'island'/],
      [{ instances: [{ ...good, wingspan: 3 }] }, 400, /unknown field 'wingspan'/],
      [JSON.stringify({ instances: [good] }).replace(/"bill_depth_mm":[^,]+/, '"bill_depth_mm":NaN'), 400, /bill_depth_mm: NaN/],
    ];
    for (const [body, status, message] of cases) {
      const answer = await post('/v1/models/penguins:predict', body);
      expect(answer.status, JSON.stringify(answer.body)).toBe(status);
      expect(answer.body.error).toMatch(message);
    }
    const tooLarge = await postTooLarge('/v1/models/penguins:predict', MAX_BODY_BYTES + 1);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error).toMatch(/MAX_BODY_BYTES/);
    const wrongType = await post('/v2/models/penguins/infer', { inputs: [{ name: 'body_mass_g', shape: [1], datatype: 'BYTES', data: ['heavy'] }] });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error).toMatch(/body_mass_g/);
    expect((await fetch(`${base}/v2/health/ready`)).status).toBe(200);
    expect((await post('/v1/models/penguins:predict', { instances: [good] })).status).toBe(200);
    expect((await container!.inspect()).State.Running).toBe(true);
  });

  it('reports Prometheus metrics that promtool accepts', async () => {
    const text = await fetch(`${base}/metrics`).then((response) => response.text());
    expect(text).toMatch(/^tensorloom_model_info\{model="penguins",version="1",task="classification",backend="wasm-fused"/m);
    expect(text).toContain(`digest="${example.modelId}"`);
    if (!existsSync(PROMTOOL)) {
      if (REQUIRED) throw new Error(`${PROMTOOL} is missing (Debian package prometheus); TENSORLOOM_REQUIRE_DOCKER=1 needs it`);
      console.warn(`promtool check skipped: ${PROMTOOL} is missing`);
      return;
    }
    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  it('saved a tarball that docker load reads', async () => {
    const listing = spawnSync('tar', ['-tf', tarball], { encoding: 'utf8' });
    expect(listing.status).toBe(0);
    expect(listing.stdout.split('\n')).toContain('manifest.json');
    const stream = await docker.loadImage(tarball);
    const events: { stream?: string; error?: string }[] = await new Promise((resolve, reject) => docker.modem.followProgress(stream, (error: Error | null, output: { stream?: string }[]) => (error ? reject(error) : resolve(output))));
    expect(events.map((event) => event.error).filter(Boolean)).toEqual([]);
    expect(events.map((event) => event.stream ?? '').join('')).toMatch(new RegExp(`Loaded image: ${tag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|Loaded image ID: ${exported.imageId}`));
  });

  it('stops on SIGTERM with exit code 0 within the grace period', async () => {
    await container!.stop({ t: 20 });
    const state = (await container!.inspect()).State;
    expect(state.Running).toBe(false);
    expect(state.ExitCode).toBe(0);
    const logs = (await container!.logs({ stdout: true, stderr: true })).toString();
    expect(logs).toContain('SIGTERM');
  });
});

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

describe.runIf(problem === undefined)('exported batch image on Docker', () => {
  const tag = `tensorloom-test/penguins-batch:${randomBytes(4).toString('hex')}`;
  const tmp = mkdtempSync(join(tmpdir(), 'tensorloom-batch-e2e-'));
  const workspace = join(tmp, 'workspace');
  let docker: Docker;
  let container: Docker.Container | undefined;
  let imageId: string | undefined;

  beforeAll(() => {
    cpSync(join(REPO, 'examples'), workspace, { recursive: true, filter: (path) => !path.includes('.tensorloom') });
    const result = tensorloom(['export-pipeline', 'penguins.pipeline.json', '--tag', tag, '--base-image', BASE_IMAGE, '--out', join(tmp, 'context'), '--json'], { cwd: workspace, timeoutMs: 240_000 });
    if (result.status !== 0) throw new Error(`tensorloom export-pipeline failed (${result.status}): ${result.stderr}`);
    imageId = (JSON.parse(result.stdout) as { imageId: string }).imageId;
  }, 300_000);

  afterAll(async () => {
    docker ??= await connect();
    await container?.remove({ force: true }).catch(() => {});
    for (const image of [tag, imageId]) if (image) await docker.getImage(image).remove({ force: true }).catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  it('runs the pipeline as the non-root user on mounted data, keeps the runs in the mounted store, and trains the model the CLI trains', async () => {
    docker = await connect();
    const local = tensorloom(['run', 'penguins.pipeline.json', '--json'], { cwd: workspace, env: { TENSORLOOM_BACKEND: 'wasm' } });
    expect(local.status, local.stderr).toBe(0);
    const expected = (JSON.parse(local.stdout) as { outputs: { train: { model: string } } }).outputs.train.model;
    const runs = join(tmp, 'runs');
    const data = join(tmp, 'data');
    mkdirSync(runs, { mode: 0o777 });
    chmodSync(runs, 0o777); // the container's user (10001) writes here
    mkdirSync(data);
    cpSync(join(workspace, 'data', 'penguins.csv'), join(data, 'mine.csv'));
    container = await docker.createContainer({
      Image: tag,
      Cmd: ['--set', 'load.path=input/mine.csv', '--json'],
      HostConfig: { NetworkMode: 'host', Binds: [`${runs}:/workspace/.tensorloom`, `${data}:/workspace/input:ro`] },
    });
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    const logs = demux((await container.logs({ stdout: true, stderr: true })) as unknown as Buffer);
    expect(StatusCode, logs.stderr).toBe(0);
    const run = JSON.parse(logs.stdout) as { status: string; backend: string; outputs: { train: { model: string }; load: { table: string } } };
    // Trained and evaluated on the fused kernel, exactly as the CLI does.
    expect(run).toMatchObject({ status: 'succeeded', backend: 'wasm-fused' });
    expect(run.outputs.train.model).toBe(expected);
    expect(existsSync(join(runs, 'tensorloom.db'))).toBe(true);
    expect((await docker.getImage(tag).inspect()).Config.User).toBe('10001:10001');
  }, 120_000);
});

describe.runIf(problem === undefined)('a failing build', () => {
  it('surfaces the engine error as one DockerError, after streaming the steps', async () => {
    const context = mkdtempSync(join(tmpdir(), 'tensorloom-bad-build-'));
    try {
      writeFileSync(join(context, 'Dockerfile'), `ARG BASE_IMAGE=${BASE_IMAGE}\nFROM \${BASE_IMAGE}\nCOPY missing.txt /app/\n`);
      const lines: string[] = [];
      const error = await buildImage(context, { tag: `tensorloom-test/broken:${randomBytes(4).toString('hex')}`, onProgress: (line) => lines.push(line) }).catch((caught: unknown) => caught);
      expect(isDockerError(error)).toBe(true);
      expect(error).toMatchObject({ code: 'build-failed', message: expect.stringMatching(/^the image build of tensorloom-test\/broken:\w+ failed: .*missing\.txt/) });
      expect(lines.filter((line) => line.startsWith('Step '))).toEqual([`Step 1/3 : ARG BASE_IMAGE=${BASE_IMAGE}`, 'Step 2/3 : FROM ${BASE_IMAGE}', 'Step 3/3 : COPY missing.txt /app/']);

      // A base image the engine does not have and cannot pull (no network here, no such repository anywhere).
      const missing = `tensorloom-test/no-such-base:${randomBytes(4).toString('hex')}`;
      writeFileSync(join(context, 'Dockerfile'), `ARG BASE_IMAGE=${missing}\nFROM \${BASE_IMAGE}\n`);
      lines.length = 0;
      const pull = await buildImage(context, { tag: 'tensorloom-test/broken:1', onProgress: (line) => lines.push(line) }).catch((caught: unknown) => caught);
      expect(pull).toMatchObject({ code: 'base-image-missing', message: expect.stringContaining(`base image ${missing} is not on this engine and could not be pulled (`) });
      expect((pull as Error).message).toMatch(/; docker load it, or pass --base-image with an image the engine has$/);
      expect(lines[0]).toBe(`base image ${missing} is not on this engine: the engine will try to pull it (load it first with docker load for an offline build)`);
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  });
});
