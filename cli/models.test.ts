/**
 * `tensorloom models` and registry references in `serve` and `export`, on a workspace where
 * real runs registered two penguins versions (v1 champion; v2 challenger, whose inputs
 * differ), through the real CLI and, for serve, over real HTTP.
 */
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { registryWorkspace, runRegistry } from './test-support/registry-workspace.js';
import { startTensorloom, tensorloom } from './test-support/run-cli.js';

describe('tensorloom models', () => {
  let dir: string;
  let firstRun: string;
  const cli = (...args: string[]) => tensorloom(args, { cwd: dir });
  const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at |internal error/);

  beforeAll(() => {
    dir = registryWorkspace({ alias: 'champion', gate: 'accuracy >= 0.5', description: 'the first one', tags: { team: 'ml' } });
    const first = runRegistry(dir);
    if (first.status !== 0) throw new Error(first.stderr);
    firstRun = first.json!.runId;
    const second = runRegistry(dir, { 'cols.drop': ['sex'], 'register.alias': 'challenger', 'register.description': 'without sex' });
    if (second.status !== 0 || second.json!.metrics.register?.version !== 2) throw new Error(second.stderr);
  }, 180_000);

  it('lists models with their versions and aliases (text and JSON)', () => {
    const text = cli('models');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^model\s+versions\s+latest\s+aliases\s+updated\npenguins\s+2\s+v2\s+challenger → v2, champion → v1\s+\d{4}-/);
    const json = JSON.parse(cli('models', '--json').stdout) as unknown[];
    expect(json).toEqual([{ name: 'penguins', createdAt: expect.any(Number), updatedAt: expect.any(Number), versionCount: 2, archivedCount: 0, latestVersion: 2, aliases: { challenger: 2, champion: 1 } }]);
    expect(JSON.parse(tensorloom(['models', '--workspace', dir, '--json'], { cwd: tmpdir() }).stdout)).toEqual(json);
    const elsewhere = mkdtempSync(join(tmpdir(), 'tensorloom-empty-'));
    mkdirSync(join(elsewhere, '.tensorloom'));
    expect(tensorloom(['models', '--workspace', elsewhere]).stdout).toBe('no models registered in this workspace yet (a registry.register node in a pipeline adds versions)\n');
  });

  it('shows a model: aliases with their history, versions with metrics, the audit trail', () => {
    const text = cli('models', 'show', 'penguins');
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('penguins  2 versions');
    expect(text.stdout).toMatch(/champion → v1 since .* by run \d{8}-\d{6}-[0-9a-f]{4} \(node register\)/);
    expect(text.stdout).toMatch(/v2\s+\d{4}-.*accuracy [\d.]+, rocAuc [\d.]+, f1Macro [\d.]+, …\s+run \S+\s+challenger/);
    expect(text.stdout).toContain("v2: input schema differs from v1: added 'year' (number); removed 'sex' (any)");
    const json = JSON.parse(cli('models', 'show', 'penguins', '--json').stdout) as { versions: { version: number; description: string }[]; aliases: { alias: string }[]; events: { kind: string }[] };
    expect(json.versions.map((version) => [version.version, version.description])).toEqual([
      [2, 'without sex'],
      [1, 'the first one'],
    ]);
    expect(json.aliases.map((alias) => alias.alias)).toEqual(['challenger', 'champion']);
    expect(json.events.map((event) => event.kind)).toEqual(['register', 'alias', 'register', 'schema-changed', 'alias']);
  });

  it('shows one version by alias or number: metrics, schema and lineage back to the run, pipeline and data', () => {
    const text = cli('models', 'show', 'penguins@champion');
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('penguins version 1  (champion)');
    expect(text.stdout).toMatch(new RegExp(`trained by\\s+run ${firstRun} \\(node train\\) · pipeline 'registry' \\(.*registry\\.pipeline\\.json\\)`));
    expect(text.stdout).toMatch(/data\s+load \(data\.csv\) data\/penguins\.csv sha256:[0-9a-f]{64}/);
    expect(text.stdout).toMatch(/task\s+classification of 'species' \(3 classes: Adelie, Chinstrap, Gentoo\)/);
    expect(text.stdout).toMatch(/tags\s+team=ml/);
    const json = JSON.parse(cli('models', 'show', 'penguins@1', '--json').stdout) as Record<string, unknown>;
    expect(json).toMatchObject({
      name: 'penguins',
      version: 1,
      resolvedVia: 'version',
      aliases: ['champion'],
      schema: { task: 'classification', target: 'species', inputs: expect.arrayContaining([{ name: 'sex', type: 'any' }]) },
      metrics: { accuracy: expect.any(Number), rocAuc: expect.any(Number) },
      provenance: { trainedBy: { runId: firstRun, nodeId: 'train', found: true, pipelineName: 'registry' }, sources: [{ nodeId: 'load', type: 'data.csv', path: 'data/penguins.csv' }] },
    });
    expect((JSON.parse(cli('models', 'show', 'penguins@latest', '--json').stdout) as { version: number }).version).toBe(2);
  });

  it('says what is there when a model, version or alias is not, without a stack trace', () => {
    const cases: [string[], string][] = [
      [['models', 'show', 'wine'], "tensorloom: no model 'wine' in the registry; models: penguins"],
      [['models', 'show', 'penguins@prod'], "tensorloom: model 'penguins' has no alias 'prod'; its aliases: challenger (v2), champion (v1)"],
      [['models', 'show', 'penguins@7'], "tensorloom: model 'penguins' has no version 7; its versions: 1, 2"],
      [['models', 'alias', 'penguins', 'champion', '9'], "tensorloom: model 'penguins' has no version 9; its versions: 1, 2"],
      [['models', 'alias', 'penguins', 'champion', 'two'], "tensorloom: version 'two': expected a version number, e.g. 3 (see: tensorloom models show penguins)"],
      [['models', 'alias', 'penguins', '3rd', '2'], "tensorloom: alias '3rd' must be 1 to 64 letters, digits, '_' or '-', starting with a letter"],
      [['models', 'alias', 'penguins', 'prod', '--delete'], "tensorloom: model 'penguins' has no alias 'prod'; its aliases: challenger (v2), champion (v1)"],
      [['models', 'archive', 'penguins@champion'], "tensorloom: 'tensorloom models archive' takes a version number: penguins@<version> ('champion' is an alias; archive the version itself)"],
      [['models', 'archive', 'penguins'], "tensorloom: 'penguins' names no version; write penguins@<version> (e.g. penguins@2)"],
      [['models', 'promote', 'penguins'], "tensorloom: unknown 'models' action 'promote'"],
      [['models', 'show', 'penguins', '--delete'], "tensorloom: --delete goes with 'tensorloom models alias <name> <alias> --delete'"],
    ];
    for (const [args, message] of cases) {
      const result = cli(...args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr.split('\n')[0], args.join(' ')).toContain(message);
      noStack(result.stderr);
    }
  });

  it('moves aliases with an audit trail, and archives only versions no alias points at', () => {
    const refused = cli('models', 'archive', 'penguins@1');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain("tensorloom: model 'penguins' version 1 is what 'champion' points at; point it at another version (or remove it) first (tensorloom models alias penguins <alias> <version>, or --delete)");
    const moved = cli('models', 'alias', 'penguins', 'champion', '2');
    expect(moved.stdout).toBe('✓ penguins: champion → v2 (was v1)\n');
    expect(cli('models', 'alias', 'penguins', 'champion', '2').stdout).toBe('penguins: champion already points at v2\n');
    expect(JSON.parse(cli('models', 'alias', 'penguins', 'challenger', '--delete', '--json').stdout)).toEqual({ name: 'penguins', alias: 'challenger', from: 2, to: null, changed: true });
    expect(cli('models', 'archive', 'penguins@1').stdout).toBe('✓ archived penguins v1\n');
    expect(cli('models', 'archive', 'penguins@1').stdout).toBe('penguins v1 was archived already\n');
    const toArchived = cli('models', 'alias', 'penguins', 'champion', '1');
    expect(toArchived.stderr).toContain("tensorloom: model 'penguins' version 1 is archived; an alias points at a live version (2)");
    const detail = JSON.parse(cli('models', 'show', 'penguins', '--json').stdout) as { aliases: { alias: string; history: { fromVersion: number | null; toVersion: number | null; command: string | null; runId: string | null }[] }[]; events: { kind: string; command: string | null }[] };
    expect(detail.aliases.map((alias) => alias.alias)).toEqual(['champion']);
    expect(detail.aliases[0]!.history.map((move) => [move.fromVersion, move.toVersion, move.command])).toEqual([
      [null, 1, null],
      [1, 2, 'tensorloom models alias penguins champion 2'],
    ]);
    expect(detail.events.at(-1)).toMatchObject({ kind: 'archive', command: 'tensorloom models archive penguins@1' });
    expect(cli('models').stdout).toMatch(/penguins\s+2 \(1 archived\)\s+v2\s+champion → v2/);
    // Put things back for the tests after this one.
    cli('models', 'alias', 'penguins', 'challenger', '2');
  });

  it('serve name@alias answers TF Serving status and KServe V2 metadata with the registered version', async () => {
    const child = startTensorloom(['serve', 'penguins@champion', '--port', '0'], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          const found = /Model server: (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
          if (found) resolve(found[1]!);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
      });
      const status = (await (await fetch(`${url}/v1/models/penguins`)).json()) as { model_version_status: { version: string; state: string }[] };
      expect(status.model_version_status).toEqual([expect.objectContaining({ version: '2', state: 'AVAILABLE' })]);
      const metadata = (await (await fetch(`${url}/v2/models/penguins`)).json()) as { name: string; versions: string[]; platform: string; parameters: Record<string, unknown> };
      expect(metadata).toMatchObject({ name: 'penguins', versions: ['2'], platform: 'tensorloom_tfjs', parameters: { registered_model: 'penguins', alias: 'champion', digest: expect.stringMatching(/^sha256:/) } });
      expect((await fetch(`${url}/v2/models/penguins/versions/2`)).status).toBe(200);
      expect((await fetch(`${url}/v2/models/penguins/versions/1`)).status).toBe(404);
      const row = { island: 'Biscoe', bill_length_mm: 48.6, bill_depth_mm: 16, flipper_length_mm: 230, body_mass_g: 5800, year: 2008 };
      const predicted = await fetch(`${url}/v1/models/penguins:predict`, { method: 'POST', body: JSON.stringify({ instances: [row] }) });
      expect(predicted.status).toBe(200);
      expect(((await predicted.json()) as { predictions: { prediction: string }[] }).predictions[0]!.prediction).toBe('Gentoo');
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    noStack(stderr);
    const archived = cli('serve', 'penguins@1', '--port', '0', '--host', 'no-such-host.invalid');
    expect(archived.stderr).toContain('note: penguins version 1 is archived');
    const missing = cli('serve', 'penguins@9');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe("tensorloom: model 'penguins' has no version 9; its versions: 1 (archived), 2\n");
    const bare = cli('serve', 'penguins');
    expect(bare.stderr).toContain("tensorloom: model 'penguins': no such folder, but a registered model of that name; name a version: penguins@<version>, penguins@<alias> or penguins@latest");
  }, 90_000);

  it('export name@alias writes the build context for that version, named and versioned after it', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'tensorloom-export-')), 'ctx');
    const result = cli('export', 'penguins@challenger', '--tag', 'penguins:2', '--no-build', '--out', out, '--json');
    expect(result.status, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout) as { model: unknown; labels: Record<string, string>; modelDigest: string };
    expect(json.model).toEqual({ name: 'penguins', version: 2, alias: 'challenger' });
    expect(json.labels).toMatchObject({ 'io.tensorloom.model.name': 'penguins', 'io.tensorloom.model.version': '2', 'io.tensorloom.run-id': expect.stringMatching(/^\d{8}-/) });
    const shown = JSON.parse(cli('models', 'show', 'penguins@2', '--json').stdout) as { artifact: string };
    expect(json.modelDigest).toBe(shown.artifact);
    expect(readFileSync(join(out, 'k8s', 'deployment.yaml'), 'utf8')).toMatch(/name: MODEL_VERSION\s+value: "?2"?/);
    expect(result.stderr).toContain('registry: penguins version 2 (challenger)');
    const unknown = cli('export', 'penguins@prod', '--tag', 'p:1', '--no-build');
    expect(unknown.stderr).toBe("tensorloom: model 'penguins' has no alias 'prod'; its aliases: challenger (v2), champion (v2)\n");
  });
});
