import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyExamples, tensorloom } from './test-support/run-cli.js';

/** data.csv → data.validate with inferSchema: the schema baseline lives in ctx.state. */
function schemaPipeline(dir: string, csv: string): string {
  writeFileSync(
    join(dir, 'schema.pipeline.json'),
    JSON.stringify({
      format: 'tensorloom/pipeline@1',
      name: 'schema',
      nodes: [
        { id: 'load', type: 'data.csv', params: { path: csv } },
        { id: 'check', type: 'data.validate', params: { inferSchema: true } },
      ],
      edges: [{ from: 'load.table', to: 'check.table' }],
    }),
  );
  return 'schema.pipeline.json';
}

describe('tensorloom state', () => {
  it('lists the schema data.validate saved, and deleting it accepts a changed schema on the next run', () => {
    const work = copyExamples();
    const file = schemaPipeline(work, 'data/penguins.csv');
    expect(tensorloom(['run', file], { cwd: work }).status).toBe(0);

    const listed = JSON.parse(tensorloom(['state', '--json'], { cwd: work }).stdout) as { nodeType: string; key: string; nodeId: string; value: { columns: { name: string }[] } }[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ nodeType: 'data.validate', key: 'schema/check', nodeId: 'check' });
    expect(listed[0]!.value.columns.map((column) => column.name)).toContain('island');
    expect(tensorloom(['state', 'list'], { cwd: work }).stdout).toMatch(/^data\.validate {2}schema\/check {2}\d+ bytes, written .* by run \S+ \(node check\)\n$/);

    // Another file without 'island': the saved baseline flags it and says how to accept it.
    writeFileSync(join(work, 'data', 'fewer.csv'), 'species,bill_length_mm\nAdelie,39.1\nGentoo,47.5\n');
    schemaPipeline(work, 'data/fewer.csv');
    const changed = tensorloom(['run', file], { cwd: work });
    expect(changed.status).toBe(1);
    expect(changed.stderr + changed.stdout).toContain('(to accept it: tensorloom state delete data.validate schema/check)');

    const deleted = tensorloom(['state', 'delete', 'data.validate', 'schema/check'], { cwd: work });
    expect(deleted.stdout).toBe('deleted data.validate schema/check; the next run saves it afresh\n');
    expect(tensorloom(['run', file], { cwd: work }).status).toBe(0);

    const missing = tensorloom(['state', 'delete', 'data.validate', 'schema/nope'], { cwd: work });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("data.validate keeps nothing under 'schema/nope'; its keys: schema/check");
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  }, 180_000);
});
