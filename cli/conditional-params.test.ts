/**
 * Conditional params through the CLI: `nodes` shows the rules, `validate` ignores a hidden
 * param, and `run` reuses the cache when only a hidden param changed.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyExamples, tensorloom } from './test-support/run-cli.js';

interface CatalogJson {
  type: string;
  params: { properties: Record<string, { showWhen?: Record<string, unknown[]>; description?: string }> };
}

interface RunJson {
  status: string;
  nodes: Record<string, { status: string; cached: boolean }>;
}

describe('tensorloom nodes: conditional params', () => {
  it('exposes each rule in --json, on the param it hides, and says it in the listing', () => {
    const result = tensorloom(['nodes', '--json']);
    expect(result.status, result.stderr).toBe(0);
    const catalog = JSON.parse(result.stdout) as CatalogJson[];
    const impute = catalog.find((entry) => entry.type === 'feature.impute')!;
    expect(impute.params.properties.value).toMatchObject({ showWhen: { strategy: ['constant'] }, description: "The fill value for strategy 'constant'" });
    expect(impute.params.properties.strategy!.showWhen).toBeUndefined();
    const dense = catalog.find((entry) => entry.type === 'train.dense')!;
    expect(dense.params.properties.classWeight!.showWhen).toEqual({ task: ['auto', 'classification'] });

    const text = tensorloom(['nodes']).stdout;
    expect(text).toMatch(/value .*\(only when strategy is 'constant'\)/);
  });
});

describe('tensorloom validate / run: a hidden param does not apply', () => {
  const dir = copyExamples();
  const write = (imputeParams: Record<string, unknown>) => {
    const pipeline = {
      format: 'tensorloom/pipeline@1',
      name: 'fill',
      nodes: [
        { id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } },
        { id: 'split', type: 'data.split', params: { seed: 1 } },
        { id: 'impute', type: 'feature.impute', params: imputeParams },
      ],
      edges: [
        { from: 'load.table', to: 'split.table' },
        { from: 'split.table', to: 'impute.table' },
      ],
    };
    writeFileSync(join(dir, 'fill.pipeline.json'), JSON.stringify(pipeline, null, 2));
  };
  const run = () => {
    const result = tensorloom(['run', 'fill.pipeline.json', '--json'], { cwd: dir });
    expect(result.status, result.stderr).toBe(0);
    return JSON.parse(result.stdout) as RunJson;
  };

  it('validates a file whose hidden value the schema would refuse, and names node and param once it applies', () => {
    write({ strategy: 'mean', value: { stale: true } });
    const hidden = tensorloom(['validate', 'fill.pipeline.json'], { cwd: dir });
    expect(hidden.status, hidden.stdout + hidden.stderr).toBe(0);

    write({ strategy: 'constant' });
    const missing = tensorloom(['validate', 'fill.pipeline.json'], { cwd: dir });
    expect(missing.status).toBe(2);
    expect(missing.stdout + missing.stderr).toContain("node 'impute': param 'value' is required when strategy is 'constant'");
  });

  it('reuses the cached result when only a hidden param changed, and runs again when it applies', () => {
    write({ columns: ['bill_length_mm'], strategy: 'median', value: 1 });
    expect(run().nodes.impute).toMatchObject({ status: 'succeeded', cached: false });
    write({ columns: ['bill_length_mm'], strategy: 'median', value: 'changed while hidden' });
    expect(run().nodes.impute).toMatchObject({ status: 'cached', cached: true });
    write({ columns: ['bill_length_mm'], strategy: 'constant', value: 0 });
    expect(run().nodes.impute).toMatchObject({ status: 'succeeded', cached: false });
  });
});
