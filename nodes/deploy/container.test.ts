import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ModelValue } from '../../core/sdk/index.js';
import { createTestContext, expectNodeError } from '../../core/sdk/testing.js';
import { load, PENGUINS, split, train } from '../train/test-support/ml.js';
import containerNode from './container.js';

let model: ModelValue;
beforeAll(async () => {
  const rows = await split(await load(PENGUINS), createTestContext(), { stratifyBy: 'species', seed: 1 });
  model = (await train(rows, { target: 'species', hiddenLayers: [8], epochs: 5, seed: 1 }, createTestContext())).model;
});

let saved: string | undefined;
beforeEach(() => {
  saved = process.env.DOCKER_HOST;
  process.env.DOCKER_HOST = 'unix:///nonexistent/tensorloom-test/docker.sock';
});
afterEach(() => {
  if (saved === undefined) delete process.env.DOCKER_HOST;
  else process.env.DOCKER_HOST = saved;
});

const context = () => createTestContext({ nodeId: 'image', nodeType: 'deploy.container' });
const run = (params: Record<string, unknown>, ctx = context()) => containerNode.run({ inputs: { model }, params: containerNode.params.parse(params) }, ctx);

describe('deploy.container node', () => {
  it('declares a model in, a report out, and is never cached', () => {
    expect(containerNode.inputs.model.type).toBe('model');
    expect(containerNode.outputs.report.type).toBe('report');
    expect(containerNode.cacheable?.(containerNode.params.parse({ tag: 'p:1' }))).toBe(false);
    expect(containerNode.params.parse({ tag: 'p:1' })).toEqual({ tag: 'p:1', name: 'model', build: true });
  });

  it('checks the tag, the base image and the name when the pipeline is validated', () => {
    const problems = (params: Record<string, unknown>) => containerNode.params.safeParse(params).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(problems({ tag: 'Penguins:1' })).toEqual(["tag: repository names must be lowercase (try 'penguins:1')"]);
    expect(problems({ tag: `p@sha256:${'a'.repeat(64)}` })).toEqual(['tag: an image to build is named name[:tag]; a digest (@sha256:…) cannot be given to a build']);
    expect(problems({ tag: 'p:1', baseImage: `node:20@sha256:${'a'.repeat(64)}` })).toBeUndefined();
    expect(problems({ tag: 'p:1', name: 'a b' })).toEqual(["name: 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit"]);
    expect(problems({})).toHaveLength(1);
  });

  it('with build false: writes the context under the pipeline folder and reports it, paths relative to the workspace', async () => {
    const ctx = context();
    const { report } = await run({ tag: 'penguins:1', name: 'penguins', build: false }, ctx);
    expect(report).toMatchObject({
      tag: 'penguins:1',
      imageId: null,
      contextDir: 'deploy/penguins',
      manifests: { deployment: 'deploy/penguins/k8s/deployment.yaml', inferenceService: 'deploy/penguins/k8s/inferenceservice.yaml' },
      modelDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      baseImage: 'node:20-bookworm-slim',
      saved: null,
    });
    // A model outside any workspace store: its run is not known.
    expect(report.labels).toMatchObject({ 'io.tensorloom.model.name': 'penguins', 'io.tensorloom.run-id': 'unknown', 'io.tensorloom.model.digest': report.modelDigest });
    for (const file of ['Dockerfile', 'server.mjs', 'model/bundle.json', 'k8s/deployment.yaml']) expect(existsSync(join(ctx.workspace.root, 'deploy', 'penguins', file)), file).toBe(true);
    expect(ctx.progressReports.at(-1)).toBe(1);
    expect(ctx.logs.at(-1)).toEqual({ level: 'info', message: 'wrote the build context to deploy/penguins (not built)' });
    const other = await run({ tag: 'penguins:1', build: false, outDir: 'images/x', baseImage: 'tensorloom/node-base:local' }, ctx);
    expect(other.report).toMatchObject({ contextDir: 'images/x', baseImage: 'tensorloom/node-base:local' });
    expect(readFileSync(join(ctx.workspace.root, 'images', 'x', 'Dockerfile'), 'utf8')).toMatch(/^ARG BASE_IMAGE=tensorloom\/node-base:local$/m);
  });

  it('without a Docker engine: a node error naming build, saying how to go on, with the context written', async () => {
    const ctx = context();
    const error = await expectNodeError(run({ tag: 'penguins:1' }, ctx));
    expect(error.field).toBe('build');
    expect(error.message).toMatch(/^no Docker engine is reachable at \/nonexistent\/tensorloom-test\/docker.sock \(the socket does not exist\); start Docker, or set the param 'build' to false to only write the build context to .*deploy\/model$/);
    expect(existsSync(join(ctx.workspace.root, 'deploy', 'model', 'Dockerfile'))).toBe(true);
  });

  it('refuses paths in the workspace store or outside the workspace, a folder of other files, and save without build', async () => {
    expect((await expectNodeError(run({ tag: 'p:1', build: false, outDir: '.tensorloom/x' }))).field).toBe('outDir');
    expect((await expectNodeError(run({ tag: 'p:1', build: false, outDir: '/etc/x' }))).message).toMatch(/outside the workspace/);
    expect((await expectNodeError(run({ tag: 'p:1', save: '.tensorloom/i.tar' }))).field).toBe('save');
    const noBuild = await expectNodeError(run({ tag: 'p:1', build: false, save: 'image.tar' }));
    expect(noBuild).toMatchObject({ field: 'save', message: "param 'save': saving a tarball needs the image built; set 'build' to true or leave 'save' out" });
    const ctx = context();
    mkdirSync(join(ctx.workspace.root, 'mine'));
    writeFileSync(join(ctx.workspace.root, 'mine', 'notes.txt'), 'keep');
    const occupied = await expectNodeError(run({ tag: 'p:1', build: false, outDir: 'mine' }, ctx));
    expect(occupied).toMatchObject({ field: 'outDir' });
    expect(occupied.message).toMatch(/already holds files that are not a Tensorloom build context/);
  });
});
