/** Every shipped example runs through the real CLI and reaches sensible quality. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyExamples, REPO, tensorloom } from './test-support/run-cli.js';

interface RunJson {
  status: string;
  nodes: Record<string, { status: string }>;
  outputs: Record<string, Record<string, string>>;
  backend: string;
  metrics: Record<string, Record<string, number>>;
}

/** The evaluation metric each example must reach on its test rows (well below what it gets). */
const BARS: Record<string, { metric: string; atLeast: number }> = {
  penguins: { metric: 'accuracy', atLeast: 0.95 },
  'penguins-sex': { metric: 'accuracy', atLeast: 0.8 },
  'cars-mpg': { metric: 'r2', atLeast: 0.75 },
  'seattle-weather': { metric: 'accuracy', atLeast: 0.75 },
};

describe('examples', () => {
  const names = readdirSync(join(REPO, 'examples'))
    .filter((file) => file.endsWith('.pipeline.json'))
    .map((file) => file.replace('.pipeline.json', ''));

  it('has a quality bar for every example pipeline', () => {
    expect(names.sort()).toEqual(Object.keys(BARS).sort());
  });

  it.each(names)('%s runs, trains on a TensorFlow.js backend and meets its bar', (name) => {
    const dir = copyExamples();
    const result = tensorloom(['run', `${name}.pipeline.json`, '--json'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const run = JSON.parse(result.stdout) as RunJson;
    expect(run.status).toBe('succeeded');
    expect(run.backend).not.toBe('none');
    for (const [id, node] of Object.entries(run.nodes)) {
      expect(node.status, `${name} ${id}`).toBe('succeeded');
      expect(Object.values(run.outputs[id] ?? {}).every((hash) => /^sha256:[0-9a-f]{64}$/.test(hash))).toBe(true);
    }
    const bar = BARS[name]!;
    expect(run.metrics.evaluate?.[bar.metric]).toBeGreaterThanOrEqual(bar.atLeast);
    // cars-mpg registers its model (gate r2 >= 0.7, first champion) in the copy's registry.
    if (name === 'cars-mpg') expect(run.metrics.register).toEqual({ registered: 1, version: 1 });
    if (name === 'seattle-weather') {
      const written = readFileSync(join(dir, 'out/seattle-weather-predictions.csv'), 'utf8').split('\n');
      expect(written[0]).toContain('prediction');
      expect(written.filter(Boolean)).toHaveLength(1462);
    } else {
      expect(existsSync(join(dir, 'out'))).toBe(false);
    }
  }, 120_000);
});
