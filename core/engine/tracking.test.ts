/** What every run records without the user asking: experiment, trigger, environment, params, source file hashes, git state. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validatePipeline } from '../graph/index.js';
import { Harness, pipeline } from './test-support/harness.js';
import { defaultExperiment } from './experiment.js';
import type { RunRequest } from './executor.js';

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});

function start(root?: string): Harness {
  const harness = new Harness({}, undefined, root);
  harnesses.push(harness);
  return harness;
}

const doc = pipeline(
  [
    { id: 'load', type: 'test.source', params: { file: 'data/n.txt' } },
    { id: 'sum', type: 'test.add', params: { plus: 2 } },
  ],
  [['load.out', 'sum.a']],
  'adder',
);

async function run(harness: Harness, extra: Partial<RunRequest> = {}) {
  const validated = validatePipeline(doc, harness.registry);
  if (!validated.ok) throw new Error('invalid');
  return harness.engine.run({ pipeline: validated.pipeline, pipelinePath: join(harness.root, 'adder.pipeline.json'), pipelineDir: harness.root, ...extra });
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
}

describe('run tracking', () => {
  it('records experiment, trigger, environment, every node params (cached ones too) and source hashes', async () => {
    const harness = start();
    mkdirSync(join(harness.root, 'data'), { recursive: true });
    writeFileSync(join(harness.root, 'data', 'n.txt'), '40');
    const first = await run(harness, { trigger: 'cli' });
    const second = await run(harness, { trigger: 'ui', experiment: 'tuning', tags: { why: 'check' } });
    expect(second.nodes.sum).toMatchObject({ status: 'cached' });

    const one = harness.store.getRun(first.runId)!;
    expect(one).toMatchObject({ experiment: 'adder', trigger: 'cli', parentRunId: null, tags: {}, note: null });
    expect(one.environment).toMatchObject({
      tensorloom: expect.stringMatching(/^\d+\.\d+\.\d+/),
      tfjs: expect.stringMatching(/^\d+\.\d+\.\d+/),
      node: process.versions.node,
      os: { platform: process.platform, release: expect.any(String), arch: process.arch },
      cpu: { cores: expect.any(Number) },
      git: null, // a temp folder is in no repository
      backend: 'none',
      gpu: null,
    });
    expect(one.sources).toEqual([{ nodeId: 'load', path: 'data/n.txt', hash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), size: 2 }]);

    const two = harness.store.getRun(second.runId)!;
    expect(two).toMatchObject({ experiment: 'tuning', trigger: 'ui', tags: { why: 'check' } });
    // Reused from the cache, yet its params (defaults filled) and its file are tracked.
    expect(two.nodes.sum).toMatchObject({ cached: true, params: { plus: 2 } });
    expect(two.nodes.load).toMatchObject({ cached: true, params: { value: 1, file: 'data/n.txt' } });
    expect(two.sources).toEqual(one.sources);
    expect(harness.store.listRuns().map((summary) => [summary.id, summary.experiment])).toEqual([
      [second.runId, 'tuning'],
      [first.runId, 'adder'],
    ]);
  });

  it('records the commit and whether the tree is dirty, ignoring the workspace store', async () => {
    const harness = start();
    mkdirSync(join(harness.root, 'data'), { recursive: true });
    writeFileSync(join(harness.root, 'data', 'n.txt'), '1');
    git(harness.root, 'init', '-q', '-b', 'main');
    git(harness.root, 'add', 'data');
    git(harness.root, 'commit', '-q', '-m', 'data');
    const commit = git(harness.root, 'rev-parse', 'HEAD').trim();

    const clean = await run(harness);
    expect(harness.store.getRun(clean.runId)!.environment!.git).toEqual({ commit, branch: 'main', dirty: false });
    writeFileSync(join(harness.root, 'data', 'n.txt'), '2');
    const dirty = await run(harness);
    expect(harness.store.getRun(dirty.runId)!.environment!.git).toEqual({ commit, branch: 'main', dirty: true });
  });

  it('bypasses the cache when asked, without replacing what is cached', async () => {
    const harness = start();
    mkdirSync(join(harness.root, 'data'), { recursive: true });
    writeFileSync(join(harness.root, 'data', 'n.txt'), '5');
    await run(harness);
    const fresh = await run(harness, { useCache: false });
    expect(Object.values(fresh.nodes).map((node) => node.status)).toEqual(['succeeded', 'succeeded']);
    const again = await run(harness);
    expect(Object.values(again.nodes).map((node) => node.status)).toEqual(['cached', 'cached']);
  });

  it("names the experiment after the pipeline, or after its file while it is 'untitled'", () => {
    expect(defaultExperiment('wine', '/w/other.pipeline.json')).toBe('wine');
    expect(defaultExperiment('untitled', '/w/wine.pipeline.json')).toBe('wine');
    expect(defaultExperiment('  ', '/w/cars.json')).toBe('cars');
    expect(defaultExperiment('untitled', null)).toBe('untitled');
  });
});
