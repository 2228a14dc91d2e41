/**
 * The feature store through the real CLI: a pipeline writes a feature view and trains on a
 * point-in-time join of it, `tensorloom features` lists, shows, materializes and looks up
 * the view, and `tensorloom serve --feature-store` answers requests that send only entity
 * keys exactly as it answers the full feature rows.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { beforeAll, describe, expect, it } from 'vitest';
import { MEASURES, penguinWorkspace, type Penguin } from './test-support/feature-workspace.js';
import { startModelServer, tensorloom } from './test-support/run-cli.js';

describe('feature store through the CLI and the model server', () => {
  let dir: string;
  let penguins: Penguin[];
  let modelId: string;
  beforeAll(() => {
    ({ dir, penguins } = penguinWorkspace());
    const run = tensorloom(['run', 'features.pipeline.json', '--json'], { cwd: dir });
    if (run.status !== 0) throw new Error(`run failed (${run.status}): ${run.stderr}${run.stdout}`);
    modelId = (JSON.parse(run.stdout) as { outputs: Record<string, Record<string, string>> }).outputs.train!.model!;
  }, 180_000);

  it('lists, shows, materializes and looks up views; an unknown entity has missing values', () => {
    const list = tensorloom(['features', 'list', '--json'], { cwd: dir });
    expect(list.stderr).toBe('');
    const [view] = JSON.parse(list.stdout) as { name: string; rows: number; onlineRows: number; ttl: string; partitions: number }[];
    expect(view).toMatchObject({ name: 'penguin_measures', rows: 2 * penguins.length, onlineRows: penguins.length, ttl: '90d', partitions: 1 });
    expect(tensorloom(['features'], { cwd: dir }).stdout).toMatch(/penguin_measures\s+penguin\s+5\s+688\s+344/);
    expect(tensorloom(['features', 'show', 'penguin_measures'], { cwd: dir }).stdout).toContain('features: island (string), bill_length_mm (number), bill_depth_mm (number), flipper_length_mm (number), body_mass_g (number)');
    expect(tensorloom(['features', 'materialize', 'penguin_measures'], { cwd: dir }).stdout).toBe("'penguin_measures' is up to date online\n");

    const get = tensorloom(['features', 'get', 'penguin_measures', 'penguin=7', 'penguin=99999', '--json'], { cwd: dir });
    expect(get.status).toBe(0);
    const rows = JSON.parse(get.stdout) as { key: Record<string, string>; found: boolean; timestamp: number | null; values: Record<string, unknown> }[];
    expect(rows[0]).toEqual({ key: { penguin: '7' }, found: true, timestamp: Date.parse('2024-02-01'), values: penguins[7]!.values });
    expect(rows[1]).toEqual({ key: { penguin: '99999' }, found: false, timestamp: null, values: Object.fromEntries(MEASURES.map((name) => [name, null])) });

    const unknownView = tensorloom(['features', 'show', 'penguins'], { cwd: dir });
    expect([unknownView.status, unknownView.stderr]).toEqual([2, "tensorloom: feature view 'penguins' not found; views are: penguin_measures\n"]);
    const badKey = tensorloom(['features', 'get', 'penguin_measures', 'id=3'], { cwd: dir });
    expect([badKey.status, badKey.stderr]).toEqual([2, "tensorloom: 'id=3' is not key=value for this view's entity columns: penguin\n"]);
  }, 120_000);

  it('serve --feature-store answers entity keys exactly as full feature rows, and reports the lookup latency', async () => {
    const plain = await startModelServer([modelId, '--workspace', dir, '--name', 'penguins', '--no-log', '--no-access-log']);
    const withStore = await startModelServer([modelId, '--workspace', dir, '--name', 'penguins', '--no-log', '--no-access-log', '--feature-store']);
    try {
      const predict = async (url: string, body: unknown) => {
        const answer = await fetch(`${url}/v1/models/penguins:predict`, { method: 'POST', body: JSON.stringify(body) });
        return { status: answer.status, body: (await answer.json()) as { predictions?: unknown[]; outputs?: unknown; error?: string } };
      };
      const full = await predict(plain.url, { instances: penguins.map((penguin) => penguin.values) });
      expect(full.status).toBe(200);
      const byKey = await predict(withStore.url, { instances: penguins.map((penguin) => ({ penguin: penguin.id })) });
      expect(byKey.status).toBe(200);
      expect(byKey.body.predictions).toEqual(full.body.predictions);
      // Columns format, and a request-time value wins over the store's.
      const columns = await predict(withStore.url, { inputs: { penguin: [0, 1], body_mass_g: [6000, null] } });
      const columnsFull = await predict(plain.url, { inputs: { ...Object.fromEntries(MEASURES.map((name) => [name, [penguins[0]!.values[name], penguins[1]!.values[name]]])), body_mass_g: [6000, null] } });
      expect(columns.status).toBe(200);
      expect(columns.body.outputs).toEqual(columnsFull.body.outputs);
      // An unknown entity: its features are missing and the recipe imputes them, as for a row sent with nulls.
      const unknown = await predict(withStore.url, { instances: [{ penguin: 123456 }] });
      const nulls = await predict(plain.url, { instances: [Object.fromEntries(MEASURES.map((name) => [name, null]))] });
      expect(unknown).toEqual(nulls);
      const noKey = await predict(withStore.url, { instances: [{ island: 'Biscoe' }] });
      expect(noKey).toEqual({ status: 400, body: { error: "instances[0]: send the entity key 'penguin' (feature view 'penguin_measures') or the features bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g" } });

      const metrics = await (await fetch(`${withStore.url}/metrics`)).text();
      expect(metrics).toMatch(/^tensorloom_feature_lookup_seconds_count 3$/m);
      expect(metrics).toContain(`tensorloom_feature_lookup_entities_total{view="penguin_measures",result="found"} ${penguins.length + 2}`);
      expect(metrics).toContain('tensorloom_feature_lookup_entities_total{view="penguin_measures",result="unknown"} 1');
      expect(withStore.stderr()).toContain("online features from 'penguin_measures'");
    } finally {
      for (const server of [plain, withStore]) {
        server.child.kill('SIGTERM');
        await once(server.child, 'exit');
      }
    }
  }, 120_000);

  it('serve --feature-store without a view holding the model inputs says so', () => {
    const other = mkdtempSync(join(tmpdir(), 'tensorloom-features-none-'));
    mkdirSync(join(other, '.tensorloom'));
    const served = tensorloom(['serve', join(dir, '.tensorloom', 'artifacts', 'sha256', modelId.slice(7, 9), modelId.slice(9)), '--workspace', other, '--feature-store', '--port', '0']);
    expect(served.status).toBe(2);
    expect(served.stderr).toContain('--feature-store: this workspace has no feature store');
  }, 60_000);
});
