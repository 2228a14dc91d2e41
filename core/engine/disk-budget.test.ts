import { afterEach, describe, expect, it } from 'vitest';
import { budgetLimit, formatBytePair, formatBytes, parseDiskBudget, resolveDiskBudget } from './disk-budget.js';
import { Harness, pipeline } from './test-support/harness.js';

describe('disk budget settings', () => {
  it('parses sizes, shares and off, and says what a bad one should look like', () => {
    expect(parseDiskBudget('2GB')).toEqual({ kind: 'bytes', bytes: 2e9 });
    expect(parseDiskBudget('1.5 GiB')).toEqual({ kind: 'bytes', bytes: 1.5 * 1024 ** 3 });
    expect(parseDiskBudget('4096')).toEqual({ kind: 'bytes', bytes: 4096 });
    expect(parseDiskBudget('30%')).toEqual({ kind: 'share', percent: 30 });
    expect(parseDiskBudget('off')).toEqual({ kind: 'off' });
    for (const bad of ['lots', '150%', '0%', '-1GB', '2 parsecs']) expect(() => parseDiskBudget(bad)).toThrow(/is not a disk budget; use a size/);
  });

  it('a share leaves a reserve free: 1 GiB, or 10% of a small disk', () => {
    const gib = 1024 ** 3;
    expect(budgetLimit({ kind: 'share', percent: 50 }, { free: 100 * gib, size: 500 * gib })).toBe(50 * gib);
    expect(budgetLimit({ kind: 'share', percent: 50 }, { free: 1.5 * gib, size: 500 * gib })).toBe(0.5 * gib);
    expect(budgetLimit({ kind: 'share', percent: 50 }, { free: 0.5 * gib, size: 500 * gib })).toBe(0);
    expect(budgetLimit({ kind: 'share', percent: 50 }, { free: 1000, size: 2000 })).toBe(500);
    expect(budgetLimit({ kind: 'bytes', bytes: 10 }, { free: 0, size: 1 })).toBe(10);
    expect(budgetLimit({ kind: 'off' }, { free: 0, size: 1 })).toBeUndefined();
  });

  it('the flag wins over the environment, which wins over the default', () => {
    expect(resolveDiskBudget('1GB', '2GB')).toMatchObject({ budget: { kind: 'bytes', bytes: 1e9 }, source: '--disk-budget 1GB' });
    expect(resolveDiskBudget(undefined, '2GB')).toMatchObject({ budget: { kind: 'bytes', bytes: 2e9 }, source: 'TENSORLOOM_DISK_BUDGET=2GB' });
    expect(resolveDiskBudget(undefined, '')).toMatchObject({ budget: { kind: 'share', percent: 50 } });
    expect(() => resolveDiskBudget(undefined, 'plenty')).toThrow(/^TENSORLOOM_DISK_BUDGET: 'plenty' is not a disk budget/);
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(31_000_000_000)).toBe('31.0 GB');
    expect(formatBytePair(50_004_000, 50_000_000)).toEqual(['50.004 MB', '50.000 MB']);
    expect(formatBytePair(3_100, 2_500)).toEqual(['3.1 KB', '2.5 KB']);
  });
});

describe('a run over its disk budget', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  // Three 1 kB reports in a chain, and an independent branch: the third crosses 2.5 kB.
  const doc = (seed: number) =>
    pipeline(
      [
        { id: 'a', type: 'test.blob', params: { seed } },
        { id: 'b', type: 'test.blob', params: { seed: seed + 0.1 } },
        { id: 'c', type: 'test.blob', params: { seed: seed + 0.2 } },
        { id: 'd', type: 'test.blob', params: { seed: seed + 0.3 } },
        { id: 'other', type: 'test.source' },
      ],
      [['a.out', 'b.in'], ['b.out', 'c.in'], ['c.out', 'd.in']],
    );

  it('fails the node that crosses it with the sizes and the setting, and skips the rest', async () => {
    harness = new Harness({ concurrency: 1, diskBudget: '2500B' });
    const result = await harness.run(doc(1));
    expect(result.status).toBe('failed');
    expect(result.nodes.a!.status).toBe('succeeded');
    expect(result.nodes.b!.status).toBe('succeeded');
    expect(result.nodes.c).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(
        /^the run has written 3\.\d KB of artifacts, over the workspace's disk budget of 2\.5 KB \(setting: --disk-budget 2500B\); free space with `tensorloom gc` or raise the budget$/,
      ),
    });
    expect(result.nodes.d).toMatchObject({ status: 'skipped', error: 'skipped: the run stopped (over its disk budget)' });
    expect(result.error).toBe(result.nodes.c!.error);
    const stored = harness.store.getRun(result.runId)!;
    expect(stored).toMatchObject({ status: 'failed', error: result.nodes.c!.error });
    expect(stored.nodes.c!.outputs).toEqual({}); // nothing recorded for the node over the budget, and nothing cached
  });

  it('counts only new bytes: a run served from the cache fits any budget', async () => {
    harness = new Harness({ concurrency: 1, diskBudget: 'off' });
    expect((await harness.run(doc(2))).status).toBe('succeeded');
    // The same workspace again, with a tiny budget from the environment.
    await harness.close();
    process.env.TENSORLOOM_DISK_BUDGET = '10B';
    try {
      harness = new Harness({ concurrency: 1 }, undefined, harness.root);
      const cached = await harness.run(doc(2));
      expect(cached.status).toBe('succeeded');
      expect(Object.values(cached.nodes).every((node) => node.cached)).toBe(true);
      const fresh = await harness.run(doc(3));
      expect(fresh.status).toBe('failed');
      expect(fresh.error).toContain('(setting: TENSORLOOM_DISK_BUDGET=10B)');
    } finally {
      delete process.env.TENSORLOOM_DISK_BUDGET;
    }
  });
});
