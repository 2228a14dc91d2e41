/**
 * registry.register: its params and reports against a stand-in registry, then the real thing
 * through the CLI: seeded penguins models trained and registered into a workspace's SQLite
 * registry: gates that hold and that do not (skip and fail), `beats champion`, alias moves,
 * a schema difference, and the same model registered twice.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, expectNodeError } from '../../core/sdk/testing.js';
import type { ModelRegistryAccess, RegisterOutcome, RegisterRequest } from '../../core/sdk/index.js';
import { tensorloom } from '../../cli/test-support/run-cli.js';
import { registryPipeline, registryWorkspace, runRegistry } from '../../cli/test-support/registry-workspace.js';
import node from './register.js';

const model = { dir: '/nowhere' };

function standIn(outcome: Partial<RegisterOutcome>): ModelRegistryAccess & { requests: RegisterRequest[] } {
  const requests: RegisterRequest[] = [];
  return {
    requests,
    register: async (_model, request) => {
      requests.push(request);
      return { name: request.name, registered: true, version: 1, created: true, ...outcome };
    },
  };
}

const run = (params: Record<string, unknown>, registry: ModelRegistryAccess, metrics: Record<string, unknown> | undefined = { accuracy: 0.97, rows: 69, split: 'test', confusionMatrix: { labels: [] } }) => {
  const ctx = createTestContext({ nodeId: 'register', nodeType: 'registry.register', registry });
  return { ctx, result: node.run({ inputs: { model, metrics: metrics as never }, params: node.params.parse({ name: 'penguins', ...params }) }, ctx) };
};

describe('registry.register: params and reports', () => {
  it('refuses a gate that does not parse, a bad name or alias, naming the problem', () => {
    const issue = (params: Record<string, unknown>) => node.params.safeParse({ name: 'penguins', ...params }).error?.issues[0];
    expect(issue({ gate: 'accuracy >= ' })).toMatchObject({ path: ['gate'], message: "expected a number after 'accuracy >=', found the end (at column 13)" });
    expect(issue({ gate: 'accuracy >= 0.9 or rocAuc > 0.9' })?.message).toContain("'or' is not supported");
    expect(issue({ name: 'my model' })).toMatchObject({ path: ['name'], message: expect.stringContaining("model name 'my model' must be 1 to 63") });
    expect(issue({ alias: 'v2' })).toMatchObject({ path: ['alias'], message: expect.stringContaining('would read as a version number') });
    expect(issue({ onGateFail: 'maybe' })?.path).toEqual(['onGateFail']);
    expect(node.inputKeys!(node.params.parse({ name: 'p', gate: 'accuracy >= 0.9 and beats champion on rocAuc' }))).toEqual([{ port: 'metrics', field: 'gate', keys: ['accuracy', 'rocAuc'] }]);
    expect(node.cacheable!(node.params.parse({ name: 'p' }))).toBe(false);
  });

  it('passes the numbers of the metrics to the registry and reports the version, the alias move and a schema difference', async () => {
    const registry = standIn({ version: 3, alias: { name: 'champion', from: 2, to: 3 }, schemaChange: { fromVersion: 2, added: [], removed: [{ name: 'year', type: 'number' }], retyped: [], other: [], summary: "removed 'year' (number)" } });
    const { ctx, result } = run({ alias: 'champion', gate: 'accuracy >= 0.9', tags: { team: 'ml' } }, registry);
    const { report } = await result;
    expect(registry.requests).toEqual([{ name: 'penguins', alias: 'champion', gate: 'accuracy >= 0.9', tags: { team: 'ml' }, metrics: { accuracy: 0.97, rows: 69 } }]);
    expect(report).toMatchObject({ registered: true, version: 3, gateText: 'accuracy >= 0.9', metrics: { accuracy: 0.97, rows: 69 } });
    expect(ctx.metrics).toEqual([
      { name: 'registered', value: 1, step: undefined },
      { name: 'version', value: 3, step: undefined },
    ]);
    expect(ctx.logs).toContainEqual({ level: 'info', message: "alias 'champion' → version 3 (was version 2)" });
    expect(ctx.logs).toContainEqual({ level: 'warn', message: "the input schema differs from penguins version 2: removed 'year' (number)" });
  });

  it("a gate that does not hold: succeeds with registered 0, or fails with onGateFail 'fail'", async () => {
    const kept = { registered: false, version: null, created: false, reason: "gate 'accuracy >= 0.99' does not hold: accuracy 0.97 not >= 0.99" };
    const skipped = run({ gate: 'accuracy >= 0.99' }, standIn(kept));
    expect((await skipped.result).report).toMatchObject({ registered: false, version: null, reason: kept.reason });
    expect(skipped.ctx.metrics).toEqual([{ name: 'registered', value: 0, step: undefined }]);
    expect(skipped.ctx.logs).toContainEqual({ level: 'warn', message: `model 'penguins' not registered: ${kept.reason}` });
    const failed = await expectNodeError(run({ gate: 'accuracy >= 0.99', onGateFail: 'fail' }, standIn(kept)).result);
    expect(failed.message).toBe(`model 'penguins' not registered: ${kept.reason} (onGateFail is 'fail')`);
    expect(failed.field).toBe('gate');
  });
});

describe('registry.register through the CLI (real training, real SQLite)', () => {
  let dir: string;
  const models = () => JSON.parse(tensorloom(['models', 'show', 'penguins', '--json'], { cwd: dir }).stdout) as {
    versions: { version: number; metrics: Record<string, number>; aliases: string[]; lineage: { runId: string }; registeredBy: { runId: string } }[];
    aliases: { alias: string; version: number; history: { fromVersion: number | null; toVersion: number | null; runId: string | null }[] }[];
    events: { kind: string; runId: string | null; detail: { summary?: string } | null }[];
  };
  const logs = (runId: string) =>
    (JSON.parse(tensorloom(['show', runId, '--json'], { cwd: dir }).stdout) as { logs: { nodeId: string; level: string; message: string }[] }).logs.filter((log) => log.nodeId === 'register');

  beforeAll(() => {
    // A deliberately weak first champion (one epoch), so a better model can beat it.
    dir = registryWorkspace({ alias: 'champion', gate: 'accuracy >= 0.2', description: 'first' }, 1);
  });

  it('registers version 1 when the gate holds, linked to its run and the evaluation', () => {
    const first = runRegistry(dir);
    expect(first.status, first.stderr).toBe(0);
    expect(first.json!.metrics.register).toEqual({ registered: 1, version: 1 });
    const registry = models();
    expect(registry.versions).toHaveLength(1);
    expect(registry.versions[0]).toMatchObject({ version: 1, aliases: ['champion'], registeredBy: { runId: first.json!.runId }, lineage: { runId: first.json!.runId } });
    expect(registry.versions[0]!.metrics.accuracy).toBe(first.json!.metrics.evaluate!.accuracy);
    expect(logs(first.json!.runId).map((log) => log.message)).toEqual(['gate: holds: accuracy ' + String(Number(first.json!.metrics.evaluate!.accuracy!.toPrecision(6))) + ' >= 0.2', 'registered penguins version 1', "alias 'champion' → version 1 (new alias)"]);
    // The node is never served from the cache; the same model bytes are the same version.
    const again = runRegistry(dir);
    expect(again.json!.nodes.train!.cached).toBe(true);
    expect(again.json!.nodes.register!.cached).toBe(false);
    expect(again.json!.metrics.register).toEqual({ registered: 1, version: 1 });
    expect(models().versions).toHaveLength(1);
  }, 120_000);

  it("a gate that does not hold registers nothing: the run succeeds (skip) or the node fails (onGateFail 'fail')", () => {
    const skipped = runRegistry(dir, { 'train.epochs': 2, 'register.gate': 'logLoss < 0.000001' });
    expect(skipped.status, skipped.stderr).toBe(0);
    expect(skipped.json!.nodes.register!.status).toBe('succeeded');
    expect(skipped.json!.metrics.register).toEqual({ registered: 0 });
    expect(logs(skipped.json!.runId)).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringMatching(/^model 'penguins' not registered: gate 'logLoss < 0.000001' does not hold: logLoss [\d.]+ not < 0.000001$/) }));
    expect(models().versions).toHaveLength(1);
    expect(models().events.at(-1)).toMatchObject({ kind: 'gate-failed', runId: skipped.json!.runId });

    const failed = runRegistry(dir, { 'train.epochs': 2, 'register.gate': 'logLoss < 0.000001', 'register.onGateFail': 'fail' });
    expect(failed.status).toBe(1);
    expect(failed.json!.nodes.register).toMatchObject({ status: 'failed', error: expect.stringMatching(/^model 'penguins' not registered: gate 'logLoss < 0.000001' does not hold: .*\(onGateFail is 'fail'\)$/) });
    expect(failed.stderr).not.toMatch(/\n\s+at /);
    expect(models().versions).toHaveLength(1);
  }, 120_000);

  it("'beats champion' registers a better model and moves the alias, with the move in the audit trail; a worse one is kept out", () => {
    const gate = 'beats champion on logLoss by 0.05';
    const better = runRegistry(dir, { 'train.epochs': 25, 'register.gate': gate });
    expect(better.status, better.stderr).toBe(0);
    expect(better.json!.metrics.register).toEqual({ registered: 1, version: 2 });
    // Version 1's bytes again (one epoch, from the cache): not better than the new champion.
    const worse = runRegistry(dir, { 'register.gate': gate });
    expect(worse.json!.nodes.train!.cached).toBe(true);
    expect(worse.json!.metrics.register).toEqual({ registered: 0 });
    expect(logs(worse.json!.runId)).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringContaining('vs champion v2') }));
    const registry = models();
    expect(registry.aliases).toEqual([
      {
        alias: 'champion',
        version: 2,
        updatedAt: expect.any(Number),
        history: [expect.objectContaining({ fromVersion: null, toVersion: 1 }), expect.objectContaining({ fromVersion: 1, toVersion: 2, runId: better.json!.runId })],
      },
    ]);
  }, 180_000);

  it('registering into a name whose input schema differs warns and records the difference', () => {
    const changed = runRegistry(dir, { 'train.epochs': 25, 'cols.drop': ['sex'], 'register.alias': 'challenger', 'register.gate': '' });
    expect(changed.status, changed.stderr).toBe(0);
    expect(changed.json!.metrics.register).toEqual({ registered: 1, version: 3 });
    const warning = "the input schema differs from penguins version 2: added 'year' (number); removed 'sex' (any)";
    expect(logs(changed.json!.runId)).toContainEqual(expect.objectContaining({ level: 'warn', message: warning }));
    expect(models().events.find((event) => event.kind === 'schema-changed')?.detail?.summary).toBe("added 'year' (number); removed 'sex' (any)");
  }, 120_000);

  it('validation refuses a gate that does not parse, a metric the evaluation never has, and a gate with no metrics wired, before anything runs', () => {
    const doc = registryPipeline({ gate: 'accuracy >= 0.9 and acuracy >= 0.9' }) as { nodes: object[]; edges: object[] };
    doc.nodes.push({ id: 'broken', type: 'registry.register', params: { name: 'penguins', gate: 'accuracy >> 0.9' } });
    doc.nodes.push({ id: 'blind', type: 'registry.register', params: { name: 'penguins', gate: 'accuracy >= 0.9' } });
    doc.edges.push({ from: 'train.model', to: 'broken.model' }, { from: 'evaluate.metrics', to: 'broken.metrics' }, { from: 'train.model', to: 'blind.model' });
    writeFileSync(join(dir, 'bad.pipeline.json'), JSON.stringify(doc, null, 2));
    const validated = tensorloom(['validate', 'bad.pipeline.json'], { cwd: dir });
    expect(validated.status).toBe(2);
    expect(validated.stderr).toContain("node 'register': 'gate' reads 'acuracy', which 'evaluate.metrics' never has (did you mean 'accuracy'?); it has 'accuracy', 'precisionMacro'");
    expect(validated.stderr).toMatch(/node 'broken': param 'gate'.*expected a number after 'accuracy >', found '>' \(at column 11\)/);
    expect(validated.stderr).toContain("node 'blind': 'gate' reads 'accuracy' from input 'metrics', which is not connected; connect it (or leave 'gate' out)");
    expect(validated.stderr).not.toMatch(/\n\s+at /);
    const refused = runRegistry(dir, {}, 'bad.pipeline.json');
    expect(refused.status).toBe(2);
    expect(models().versions).toHaveLength(3);
  }, 60_000);
});
