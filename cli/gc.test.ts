import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArtifactStore } from '../core/store/index.js';
import { deadPid } from '../core/store/test-fixtures/temp-dirs.js';
import { copyExamples, REPO, startTensorloom, tensorloom } from './test-support/run-cli.js';

const PLUGIN = join(REPO, 'cli', 'test-support', 'slow-plugin.ts');

interface GcJson {
  dryRun: boolean;
  artifacts: { removed: number; bytes: number };
  temp: { removed: number; bytes: number };
  kept: { referenced: number; recent: number };
  liveRuns: string[];
  freedBytes: number;
}

interface RunJson {
  runId: string;
  status: string;
  error?: string;
  nodes: Record<string, { status: string; cached: boolean; error?: string }>;
  outputs: Record<string, Record<string, string>>;
}

/** Every artifact in the store, by hash. */
function storedHashes(dir: string): string[] {
  const cas = join(dir, '.tensorloom', 'artifacts', 'sha256');
  return readdirSync(cas).flatMap((shard) => readdirSync(join(cas, shard)).map((rest) => `sha256:${shard}${rest}`)).sort();
}

function writePipeline(dir: string, name: string, nodes: unknown[], edges: unknown[]): string {
  writeFileSync(join(dir, `${name}.pipeline.json`), JSON.stringify({ format: 'tensorloom/pipeline@1', name, nodes, edges }));
  return `${name}.pipeline.json`;
}

describe('tensorloom gc', () => {
  it('frees what no run or cache entry references, keeps the rest, and --dry-run deletes nothing', () => {
    const dir = copyExamples();
    const file = writePipeline(
      dir,
      'split',
      [
        { id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } },
        { id: 'split', type: 'data.split', params: { seed: 1 } },
      ],
      [{ from: 'load.table', to: 'split.table' }],
    );
    const run = (...extra: string[]) => {
      const result = tensorloom(['run', file, '--json', ...extra], { cwd: dir });
      return { ...result, json: JSON.parse(result.stdout) as RunJson };
    };
    const first = run();
    const second = run('--set', 'split.seed=2'); // supersedes the first run's cache entry for 'split'
    expect([first.status, second.status]).toEqual([0, 0]);
    // A run stopped by its disk budget: 'split' wrote its table, which nothing records.
    const stopped = run('--set', 'split.seed=3', '--disk-budget', '1KB');
    expect(stopped.status).toBe(1);
    expect(stopped.json.nodes.split!.error).toMatch(/^the run has written .+ of artifacts, over the workspace's disk budget of 1\.0 KB \(setting: --disk-budget 1KB\); free space with `tensorloom gc` or raise the budget$/);
    // And a temp entry left by a process that died mid-write.
    const leftover = join(dir, '.tensorloom', 'tmp', `${deadPid()}.0a1b2c.job-train`);
    mkdirSync(leftover);
    writeFileSync(join(leftover, 'weights.bin'), Buffer.alloc(2048));
    const referenced = [first, second].flatMap((result) => Object.values(result.json.outputs).flatMap((ports) => Object.values(ports)));
    const before = storedHashes(dir);
    expect(before).toEqual(expect.arrayContaining(referenced));
    expect(before.length).toBe(new Set(referenced).size + 1);

    const dry = tensorloom(['gc', '--dry-run', '--json'], { cwd: dir });
    expect(dry.status, dry.stderr).toBe(0);
    const dryReport = JSON.parse(dry.stdout) as GcJson;
    expect(dryReport).toMatchObject({ dryRun: true, artifacts: { removed: 1 }, temp: { removed: 1, bytes: 2048 }, liveRuns: [] });
    expect(dryReport.artifacts.bytes).toBeGreaterThan(1000);
    expect(storedHashes(dir)).toEqual(before);
    expect(readdirSync(join(dir, '.tensorloom', 'tmp'))).toHaveLength(1);
    expect(tensorloom(['gc', '--dry-run'], { cwd: dir }).stdout).toMatch(/^would remove 1 unreferenced artifact \(.+\) and 1 leftover temp entry \(2\.0 KB\): .+; nothing was removed \(--dry-run\)$/m);

    const done = tensorloom(['gc'], { cwd: dir });
    expect(done.status, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/^removed 1 unreferenced artifact \(.+\) and 1 leftover temp entry \(2\.0 KB\): .+ freed$/m);
    expect(done.stdout).toMatch(new RegExp(`kept ${new Set(referenced).size} artifacts that runs, the cache or the registry reference`));
    expect(storedHashes(dir)).toEqual([...new Set(referenced)].sort());
    expect(readdirSync(join(dir, '.tensorloom', 'tmp'))).toEqual([]);
    const store = new ArtifactStore(join(dir, '.tensorloom'));
    for (const hash of referenced) expect(store.has(hash)).toBe(true);

    // The cache still serves the current params; the stopped node runs again.
    expect(Object.values(run('--set', 'split.seed=2').json.nodes).every((node) => node.cached)).toBe(true);
    expect(run('--set', 'split.seed=3').json.nodes.split).toMatchObject({ status: 'succeeded', cached: false });
    expect(JSON.parse(tensorloom(['gc', '--json'], { cwd: dir }).stdout)).toMatchObject({ artifacts: { removed: 0 }, temp: { removed: 0 }, freedBytes: 0 });
  });

  it('leaves alone what a run in another process may still be recording', async () => {
    const dir = copyExamples();
    const file = writePipeline(
      dir,
      'slow',
      [
        { id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } },
        { id: 'nap', type: 'test.sleep', params: { ms: 120_000 } },
      ],
      [],
    );
    const child = startTensorloom(['run', file], { cwd: dir, env: { TENSORLOOM_PLUGINS: PLUGIN } });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(child, /running: .*nap|✓ load/);
      const store = new ArtifactStore(join(dir, '.tensorloom'));
      // Orphans: one from long ago, one as the live run would have just published (not recorded yet).
      const old = await store.putBytes('orphaned by a run long ago');
      const longAgo = new Date(Date.now() - 24 * 60 * 60 * 1000);
      utimesSync(old.path, longAgo, longAgo);
      const fresh = await store.putBytes('just published by the live run');

      const report = JSON.parse(tensorloom(['gc', '--json'], { cwd: dir }).stdout) as GcJson;
      const [live] = JSON.parse(tensorloom(['runs', '--json'], { cwd: dir }).stdout) as { id: string; status: string }[];
      expect(live!.status).toBe('running');
      expect(report.liveRuns).toEqual([live!.id]);
      expect(report.artifacts.removed).toBe(1);
      expect(report.kept.recent).toBeGreaterThanOrEqual(1);
      expect(store.has(old.hash)).toBe(false);
      expect(store.has(fresh.hash)).toBe(true);
      const human = tensorloom(['gc'], { cwd: dir }).stdout;
      expect(human).toContain(`written while run ${live!.id} is in progress (it may still record them); run gc again after it ends`);

      child.kill('SIGINT');
      expect(await exited).toBe(130);
      // The run is over: its 'load' output is recorded and kept; the orphan goes.
      const shown = JSON.parse(tensorloom(['show', live!.id, '--json'], { cwd: dir }).stdout) as { nodes: Record<string, { outputs: Record<string, { hash: string }> }> };
      const loadOutput = shown.nodes.load!.outputs.table!.hash;
      expect(JSON.parse(tensorloom(['gc', '--json'], { cwd: dir }).stdout)).toMatchObject({ liveRuns: [], artifacts: { removed: 1 } });
      expect(store.has(fresh.hash)).toBe(false);
      expect(await store.verify(loadOutput)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });
});

function waitFor(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`the run never got going; stderr: ${seen}`)), 60_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

describe('tensorloom run --disk-budget', () => {
  it('refuses a setting that does not parse, in one line, before running anything', () => {
    const dir = copyExamples();
    const flag = tensorloom(['run', 'penguins.pipeline.json', '--disk-budget', 'lots'], { cwd: dir });
    expect(flag.status).toBe(2);
    expect(flag.stderr.trim()).toBe("tensorloom: --disk-budget: 'lots' is not a disk budget; use a size (500MB, 2GB, 1.5GiB), a share of the free space (50%), or off");
    const env = tensorloom(['run', 'penguins.pipeline.json'], { cwd: dir, env: { TENSORLOOM_DISK_BUDGET: '-3' } });
    expect(env.status).toBe(2);
    expect(env.stderr.trim()).toBe("tensorloom: TENSORLOOM_DISK_BUDGET: '-3' is not a disk budget; use a size (500MB, 2GB, 1.5GiB), a share of the free space (50%), or off");
  });
});
