/**
 * The registry on a real workspace store (SQLite, artifact files): versions, the same bytes
 * registered twice, gates, aliases and their audit trail, schema differences, archiving, and
 * the messages for names, versions and aliases that are not there. Bundles are small
 * hand-written bundle.json folders; the node and CLI tests register trained models.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RegisterRequest } from '../base/context.js';
import { sampleRun, tempDirs } from '../store/test-fixtures/temp-dirs.js';
import { WorkspaceStore } from '../store/index.js';
import { isRegistryError, ModelRegistry, type RegistryError } from './index.js';

const dirs = tempDirs();
let store: WorkspaceStore;
let registry: ModelRegistry;
let runId: string;
beforeEach(() => {
  store = WorkspaceStore.open(join(dirs.make(), '.tensorloom'));
  registry = new ModelRegistry(store);
  runId = store.createRun({ ...sampleRun, pipelineJson: JSON.stringify(pipeline) });
});
afterEach(() => {
  store.close();
  dirs.cleanup();
});

const pipeline = {
  format: 'tensorloom/pipeline@1',
  name: 'sample',
  nodes: [
    { id: 'load', type: 'data.csv', params: { path: 'data/penguins.csv' } },
    { id: 'train', type: 'train.dense', params: {} },
    { id: 'register', type: 'registry.register', params: {} },
  ],
  edges: [
    { from: 'load.table', to: 'train.table' },
    { from: 'train.model', to: 'register.model' },
  ],
};

const INPUTS = [
  { name: 'bill_length_mm', type: 'number' },
  { name: 'island', type: 'string' },
];

let modelCount = 0;
/** A model bundle folder stored as train's output in the run (distinct bytes each call unless `seed` repeats). */
async function model(inputs = INPUTS, seed = ++modelCount): Promise<string> {
  const data = await store.artifacts.putBytes('penguins rows');
  store.upsertNodeExecution(runId, 'load', { status: 'succeeded' });
  store.recordOutputs(runId, 'load', { table: { hash: data.hash, type: 'table', size: data.size } });
  const dir = store.artifacts.tempPath('model');
  mkdirSync(dir);
  const bundle = { format: 'tensorloom/model@1', task: 'classification', target: { name: 'species' }, classes: ['Adelie', 'Gentoo'], inputs, lineage: { backend: 'cpu' }, seed };
  writeFileSync(join(dir, 'bundle.json'), JSON.stringify(bundle));
  writeFileSync(join(dir, 'model.json'), '{}');
  writeFileSync(join(dir, 'weights.bin'), String(seed));
  const stored = await store.artifacts.putDir(dir);
  store.upsertNodeExecution(runId, 'train', { status: 'succeeded' });
  store.recordOutputs(runId, 'train', { model: { hash: stored.hash, type: 'model', size: stored.size } });
  return stored.hash;
}

const by = () => ({ runId, nodeId: 'register' });
const register = (hash: string, request: Partial<RegisterRequest> = {}) => registry.register(hash, { name: 'penguins', ...request }, by());

function registryError(work: () => unknown): RegistryError {
  try {
    work();
  } catch (error) {
    if (isRegistryError(error)) return error;
    throw error;
  }
  throw new Error('expected a RegistryError');
}

async function rejected(work: Promise<unknown>): Promise<RegistryError> {
  try {
    await work;
  } catch (error) {
    if (isRegistryError(error)) return error;
    throw error;
  }
  throw new Error('expected a RegistryError');
}

describe('model registry', () => {
  it('numbers versions per name and keeps each one linked to its run, metrics, schema, backend and lineage', async () => {
    const first = await model();
    const outcome = await register(first, { metrics: { accuracy: 0.9 }, description: 'first', tags: { team: 'ml' } });
    expect(outcome).toEqual({ name: 'penguins', registered: true, version: 1, created: true });
    expect((await register(await model())).version).toBe(2);
    expect((await registry.register(await model(), { name: 'other' }, by())).version).toBe(1);

    const record = registry.version('penguins', 1);
    expect(record).toMatchObject({
      name: 'penguins',
      version: 1,
      artifact: first,
      archivedAt: null,
      registeredBy: { runId, nodeId: 'register' },
      lineage: { runId, nodeId: 'train', pipelineHash: sampleRun.pipelineHash, dataHashes: [expect.stringMatching(/^sha256:/)] },
      metrics: { accuracy: 0.9 },
      schema: { task: 'classification', target: 'species', classes: ['Adelie', 'Gentoo'], inputs: INPUTS },
      backend: 'cpu',
      description: 'first',
      tags: { team: 'ml' },
      aliases: [],
    });
    const lineage = registry.lineage(record);
    expect(lineage.trainedBy).toMatchObject({ runId, nodeId: 'train', found: true, pipelineName: 'sample' });
    expect(lineage.sources).toEqual([{ nodeId: 'load', type: 'data.csv', path: 'data/penguins.csv', hash: record.lineage.dataHashes[0] }]);

    expect(registry.list().map((summary) => [summary.name, summary.versionCount, summary.latestVersion])).toEqual([
      ['other', 1, 1],
      ['penguins', 2, 2],
    ]);
    expect(registry.resolve('penguins').record.version).toBe(2);
    expect(registry.resolve('penguins@latest').record.version).toBe(2);
    expect(registry.resolve('penguins@v1').record.version).toBe(1);
  });

  it('registering the same model bytes again gives the same version back', async () => {
    const hash = await model();
    await register(hash);
    expect(await register(hash)).toEqual({ name: 'penguins', registered: true, version: 1, created: false });
    expect(registry.model('penguins').versions).toHaveLength(1);
    expect(registry.events('penguins').filter((event) => event.kind === 'register')).toHaveLength(1);
  });

  it('a gate that holds registers; one that does not registers nothing and records why', async () => {
    const passed = await register(await model(), { gate: 'accuracy >= 0.9 and rocAuc >= 0.95', metrics: { accuracy: 0.93, rocAuc: 0.97 } });
    expect(passed).toMatchObject({ registered: true, version: 1, gate: { holds: true } });
    const failed = await register(await model(), { gate: 'accuracy >= 0.9 and rocAuc >= 0.95', metrics: { accuracy: 0.93, rocAuc: 0.9 } });
    expect(failed).toEqual({
      name: 'penguins',
      registered: false,
      version: null,
      created: false,
      gate: { holds: false, checks: [expect.objectContaining({ holds: true }), { text: 'rocAuc >= 0.95', holds: false, detail: 'rocAuc 0.9 not >= 0.95' }] },
      reason: "gate 'accuracy >= 0.9 and rocAuc >= 0.95' does not hold: rocAuc 0.9 not >= 0.95",
    });
    expect(registry.model('penguins').versions).toHaveLength(1);
    const skipped = registry.events('penguins').find((event) => event.kind === 'gate-failed');
    expect(skipped).toMatchObject({ runId, nodeId: 'register', version: null, detail: { gate: 'accuracy >= 0.9 and rocAuc >= 0.95', metrics: { accuracy: 0.93, rocAuc: 0.9 } } });
  });

  it("'beats champion' compares with the version the alias points at, and the alias moves only when it holds", async () => {
    const v1 = await register(await model(), { alias: 'champion', gate: 'beats champion on accuracy by 0.01', metrics: { accuracy: 0.9 } });
    expect(v1).toMatchObject({ version: 1, alias: { name: 'champion', from: null, to: 1 }, gate: { checks: [{ detail: "no 'champion' yet: nothing to beat" }] } });
    const worse = await register(await model(), { alias: 'champion', gate: 'beats champion on accuracy by 0.01', metrics: { accuracy: 0.905 } });
    expect(worse).toMatchObject({ registered: false, reason: "gate 'beats champion on accuracy by 0.01' does not hold: accuracy 0.905 vs champion v1 0.9: +0.005, needs a gain of at least 0.01" });
    const better = await register(await model(), { alias: 'champion', gate: 'beats champion on accuracy by 0.01', metrics: { accuracy: 0.95 } });
    expect(better).toMatchObject({ registered: true, version: 2, alias: { name: 'champion', from: 1, to: 2 } });
    expect(registry.resolve('penguins@champion')).toMatchObject({ via: 'alias', alias: 'champion', record: { version: 2, aliases: ['champion'] } });
  });

  it('aliases move with an audit trail: when, from, to, by which run or command', async () => {
    await register(await model(), { alias: 'champion' });
    await register(await model(), { alias: 'challenger' });
    const move = registry.setAlias('penguins', 'champion', 2, { command: 'tensorloom models alias penguins champion 2' });
    expect(move).toEqual({ name: 'penguins', alias: 'champion', from: 1, to: 2, changed: true });
    expect(registry.setAlias('penguins', 'champion', 2, { command: 'again' }).changed).toBe(false);
    registry.removeAlias('penguins', 'challenger', { command: 'api' });
    const detail = registry.model('penguins');
    expect(detail.aliases.map((alias) => [alias.alias, alias.version])).toEqual([['champion', 2]]);
    expect(detail.aliases[0]!.history.map((event) => [event.fromVersion, event.toVersion, event.runId, event.command])).toEqual([
      [null, 1, runId, null],
      [1, 2, null, 'tensorloom models alias penguins champion 2'],
    ]);
    const removal = detail.events.filter((event) => event.alias === 'challenger').at(-1)!;
    expect(removal).toMatchObject({ kind: 'alias', fromVersion: 2, toVersion: null, command: 'api', time: expect.any(Number) });
    expect(detail.versions.map((version) => [version.version, version.aliases])).toEqual([
      [2, ['champion']],
      [1, []],
    ]);
  });

  it('records and returns how the input schema differs from the version before', async () => {
    await register(await model());
    const changed = await register(await model([{ name: 'bill_length_mm', type: 'string' }, { name: 'flipper_length_mm', type: 'number' }]));
    expect(changed.schemaChange).toEqual({
      fromVersion: 1,
      added: [{ name: 'flipper_length_mm', type: 'number' }],
      removed: [{ name: 'island', type: 'string' }],
      retyped: [{ name: 'bill_length_mm', from: 'number', to: 'string' }],
      other: [],
      summary: "added 'flipper_length_mm' (number); removed 'island' (string); 'bill_length_mm' number → string",
    });
    expect(registry.events('penguins').find((event) => event.kind === 'schema-changed')).toMatchObject({ version: 2, detail: { fromVersion: 1 } });
    expect((await register(await model([{ name: 'bill_length_mm', type: 'string' }, { name: 'flipper_length_mm', type: 'number' }]))).schemaChange).toBeUndefined();
  });

  it('archives versions, refusing one an alias points at (naming the alias) and aliases to archived versions', async () => {
    await register(await model(), { alias: 'champion' });
    await register(await model());
    await register(await model());
    expect(registryError(() => registry.archive('penguins', 1, { command: 'c' }))).toMatchObject({
      code: 'conflict',
      message: "model 'penguins' version 1 is what 'champion' points at; point it at another version (or remove it) first",
    });
    expect(registry.archive('penguins', 3, { command: 'c' })).toEqual({ name: 'penguins', version: 3, changed: true });
    expect(registry.archive('penguins', 3, { command: 'c' }).changed).toBe(false);
    expect(registry.resolve('penguins@latest').record.version).toBe(2);
    expect(registry.resolve('penguins@3').record.archivedAt).toEqual(expect.any(Number));
    expect(registryError(() => registry.setAlias('penguins', 'champion', 3, { command: 'c' })).message).toBe(
      "model 'penguins' version 3 is archived; an alias points at a live version (1, 2)",
    );
    // The next registration compares schemas with the latest live version and numbers after the archived one.
    expect((await register(await model())).version).toBe(4);
  });

  it('names what is there when a model, version or alias is not', async () => {
    expect(registryError(() => registry.resolve('penguins@champion')).message).toBe("no model 'penguins' in the registry: it is empty (a registry.register node adds versions)");
    await register(await model(), { alias: 'champion' });
    await register(await model());
    expect(registryError(() => registry.resolve('wine@1')).message).toBe("no model 'wine' in the registry; models: penguins");
    expect(registryError(() => registry.resolve('penguins@prod'))).toMatchObject({ code: 'not-found', field: 'alias', message: "model 'penguins' has no alias 'prod'; its aliases: champion (v1)" });
    expect(registryError(() => registry.resolve('penguins@7')).message).toBe("model 'penguins' has no version 7; its versions: 1, 2");
    expect(registryError(() => registry.setAlias('penguins', 'champion', 9, { command: 'c' })).message).toBe("model 'penguins' has no version 9; its versions: 1, 2");
    expect(registryError(() => registry.setAlias('penguins', 'v2', 2, { command: 'c' })).message).toBe("alias 'v2' would read as a version number; start an alias with a letter (e.g. champion)");
    expect(registryError(() => registry.setAlias('penguins', 'latest', 2, { command: 'c' })).message).toContain('reserved');
    expect(registryError(() => registry.resolve('pen guins')).message).toContain("model name 'pen guins' must be 1 to 63 letters");
    expect((await rejected(register(await model(), { name: 'bad/name' }))).field).toBe('name');
    expect(await rejected(register(await model(), { gate: 'acuracy >= 0.9', metrics: { accuracy: 0.9 } }))).toMatchObject({
      field: 'gate',
      message: "the gate reads metric 'acuracy', which the metrics input does not have; it has: accuracy",
    });
    expect((await rejected(register(await model(), { gate: 'accuracy >= 0.9' }))).message).toContain('no metrics input is connected');
    expect((await rejected(register(await model(), { gate: 'accuracy >=' }))).message).toBe("gate: expected a number after 'accuracy >=', found the end (at column 12)");
    expect((await rejected(register(await model(), { tags: { 'a key': 'x' } }))).field).toBe('tags');
  });

  it('a version keeps its artifact alive through gc when no run output names it any more', async () => {
    const hash = await model();
    await register(hash);
    store.finishRun(runId, 'succeeded');
    store.tables().write('forget the outputs', (db) => db.prepare('DELETE FROM run_outputs').run());
    const report = store.collectGarbage();
    expect(report.artifacts.removed).toBe(1); // the table nothing references now
    expect(store.artifacts.kindOf(hash)).toBe('dir');
  });
});
