/** The model image's build context: what it holds, that it is deterministic, and that its server runs on its own. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainExample, type TrainedExample } from '../serve/test-support/trained-model.js';
import { LABEL } from './dockerfile.js';
import { modelDigest, writeBuildContext, type BuildContext } from './model-context.js';
import { parseYaml, parseYamlDocuments } from './test-support/yaml.js';

let example: TrainedExample;
let context: BuildContext;
const tmp = mkdtempSync(join(tmpdir(), 'tensorloom-context-'));
const lineage = { runId: '20261126-101502-3fa9', pipelineHash: `sha256:${'b'.repeat(64)}`, dataHashes: [`sha256:${'c'.repeat(64)}`, `sha256:${'d'.repeat(64)}`] };

beforeAll(async () => {
  example = trainExample('penguins');
  context = await writeBuildContext({ modelDir: example.modelDir, outDir: join(tmp, 'a'), tag: 'penguins:1', name: 'penguins', lineage, created: new Date('2026-11-26T10:00:00Z') });
}, 180_000);
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  if (example) rmSync(example.workspace, { recursive: true, force: true });
});

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

const read = (path: string) => readFileSync(join(context.dir, path), 'utf8');

/** A manifest as PyYAML reads it: assertions below walk it freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Manifest = Record<string, any>;

describe('model build context', () => {
  it('holds the bundled server, the wasm binaries, the model, a healthcheck, the lock, the Dockerfile and manifests', () => {
    expect(files(context.dir)).toEqual([
      '.dockerignore',
      'Dockerfile',
      'healthcheck.mjs',
      'k8s/deployment.yaml',
      'k8s/inferenceservice.yaml',
      'model/bundle.json',
      'model/model.json',
      'model/weights.bin',
      'runtime-lock.json',
      'server.mjs',
      'wasm/tfjs-backend-wasm-simd.wasm',
      'wasm/tfjs-backend-wasm.wasm',
    ]);
    expect(read('.dockerignore')).toMatch(/^k8s\/$/m);
    expect(read('.dockerignore')).toMatch(/^\*\.tar$/m);
  });

  it('copies the model unchanged: its digest is the artifact id the run gave it', async () => {
    expect(context.modelDigest).toBe(example.modelId);
    expect(await modelDigest(join(context.dir, 'model'))).toBe(example.modelId);
  });

  it('has a Dockerfile with a base image argument, root-owned files, a numeric non-root user, a healthcheck and an exec-form entrypoint', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/^ARG BASE_IMAGE=node:20-bookworm-slim\nFROM \$\{BASE_IMAGE\}$/m);
    expect(dockerfile).not.toMatch(/^RUN /m);
    expect(dockerfile).not.toMatch(/^COPY --chown/m);
    expect(dockerfile).toMatch(/^COPY model\/ \/app\/model\/$/m);
    expect(dockerfile).toMatch(/^USER 10001:10001$/m);
    expect(dockerfile).toMatch(/^EXPOSE 8080$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .* CMD \["node","\/app\/healthcheck.mjs"\]$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node","\/app\/server.mjs"\]$/m);
    for (const env of ['PORT="8080"', 'HOST="0.0.0.0"', 'MODEL_DIR="/app/model"', 'MODEL_NAME="penguins"', 'MODEL_VERSION="1"', 'TENSORLOOM_WASM_DIR="/app/wasm"', 'TENSORLOOM_BACKEND="wasm"', 'NODE_ENV="production"', `MODEL_DIGEST="${example.modelId}"`, `MODEL_RUN_ID="${lineage.runId}"`]) {
      expect(dockerfile).toContain(env);
    }
  });

  it('labels the image with OCI annotations and the model lineage, unknown values as unknown', async () => {
    const dockerfile = read('Dockerfile');
    const expected: Record<string, string> = {
      [LABEL.title]: 'penguins',
      [LABEL.version]: '1',
      [LABEL.vendor]: 'Tensorloom',
      [LABEL.created]: '2026-11-26T10:00:00.000Z',
      [LABEL.modelName]: 'penguins',
      [LABEL.modelVersion]: '1',
      [LABEL.modelDigest]: example.modelId,
      [LABEL.runId]: lineage.runId,
      [LABEL.pipelineHash]: lineage.pipelineHash,
      [LABEL.dataHashes]: lineage.dataHashes.join(','),
      [LABEL.tensorloomCreated]: '2026-11-26T10:00:00.000Z',
    };
    for (const [key, value] of Object.entries(expected)) expect(dockerfile).toContain(`${key}=${JSON.stringify(value)}`);
    expect(context.labels).toMatchObject(expected);
    expect(dockerfile).toContain(`${LABEL.description}=`);
    const unknown = await writeBuildContext({ modelDir: example.modelDir, outDir: join(tmp, 'unknown'), tag: 'penguins:1' });
    expect(unknown.labels).toMatchObject({ [LABEL.runId]: 'unknown', [LABEL.pipelineHash]: 'unknown', [LABEL.dataHashes]: 'unknown', [LABEL.modelName]: 'model' });
    expect(readFileSync(join(unknown.dir, 'Dockerfile'), 'utf8')).not.toContain('MODEL_RUN_ID');
  });

  it('quotes label values so no value can break out of the Dockerfile or expand a variable', async () => {
    const hostile = await writeBuildContext({
      modelDir: example.modelDir,
      outDir: join(tmp, 'hostile'),
      tag: 'penguins:1',
      lineage: { runId: 'r"1 \\ $HOME\nRUN rm -rf /', pipelineHash: '${BASE_IMAGE}' },
    });
    const dockerfile = readFileSync(join(hostile.dir, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain(`${LABEL.runId}="r\\"1 \\\\ \\$HOME RUN rm -rf /"`);
    expect(dockerfile).toContain(`${LABEL.pipelineHash}="\\\${BASE_IMAGE}"`);
    expect(dockerfile).not.toMatch(/^RUN /m);
  });

  it('pins what server.mjs holds: each package with its version and integrity from package-lock.json', () => {
    const lock = JSON.parse(read('runtime-lock.json')) as {
      format: string;
      node: { major: number };
      baseImage: string;
      bundler: { name: string; version: string };
      model: { digest: string };
      files: Record<string, string>;
      bundled: { name: string; version: string; integrity: string | null }[];
      external: { name: string }[];
    };
    expect(lock).toMatchObject({ format: 'tensorloom/runtime-lock@1', node: { major: 20 }, baseImage: 'node:20-bookworm-slim', bundler: { name: 'esbuild' }, model: { digest: example.modelId } });
    expect(lock.bundler.version).toMatch(/^\d+\.\d+\.\d+$/);
    const installed = (name: string) => (JSON.parse(readFileSync(join(process.cwd(), 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    for (const name of ['apache-arrow', '@tensorflow/tfjs-core', '@tensorflow/tfjs-layers', '@tensorflow/tfjs-backend-wasm']) {
      const entry = lock.bundled.find((candidate) => candidate.name === name);
      expect(entry, name).toMatchObject({ version: installed(name), integrity: expect.stringMatching(/^sha512-/) });
    }
    const names = lock.bundled.map((entry) => entry.name);
    expect(names).not.toContain('better-sqlite3');
    expect(names).not.toContain('@tensorflow/tfjs-backend-webgpu');
    expect(lock.external.map((entry) => entry.name)).toEqual(expect.arrayContaining(['@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu']));
    expect(lock.external.map((entry) => entry.name).filter((name) => /^(node:)?(fs|path|http)$/.test(name))).toEqual([]);
    expect(Object.keys(lock.files)).toEqual(['healthcheck.mjs', 'server.mjs', 'wasm/tfjs-backend-wasm-simd.wasm', 'wasm/tfjs-backend-wasm.wasm']);
    expect(context.packages.map((entry) => entry.name)).toEqual(names);
  });

  it('writes a Deployment and Service that run the image locked down, probed and scraped', () => {
    const [deployment, service] = parseYamlDocuments(read('k8s/deployment.yaml')) as Manifest[];
    expect(deployment).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'penguins' } });
    const template = deployment!.spec.template;
    expect(deployment!.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'penguins' });
    expect(template.metadata.labels).toMatchObject(deployment!.spec.selector.matchLabels);
    expect(template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8080', 'prometheus.io/path': '/metrics' });
    // How a promotion rolls out: the image pins the version; a new export is applied.
    expect(deployment!.metadata.annotations).toMatchObject({ 'io.tensorloom/model': 'penguins@1', 'io.tensorloom/rollout': expect.stringContaining('tensorloom export penguins@champion') });
    const [container] = template.spec.containers;
    expect(container).toMatchObject({
      image: 'penguins:1',
      ports: [{ containerPort: 8080, protocol: 'TCP' }],
      readinessProbe: { httpGet: { path: '/v2/health/ready', port: 8080 } },
      livenessProbe: { httpGet: { path: '/v2/health/live', port: 8080 } },
      resources: { requests: { cpu: expect.any(String), memory: expect.any(String) }, limits: { cpu: expect.any(String), memory: expect.any(String) } },
      securityContext: { runAsNonRoot: true, runAsUser: 10001, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    });
    expect(container.env).toEqual([
      { name: 'MODEL_NAME', value: 'penguins' },
      { name: 'MODEL_VERSION', value: '1' },
    ]);
    expect(template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    expect(service).toMatchObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'penguins' }, spec: { selector: { 'app.kubernetes.io/name': 'penguins' }, ports: [{ port: 8080, targetPort: 'http' }] } });
    // Label values are limited to 63 characters.
    expect(template.metadata.labels['io.tensorloom/model-digest']).toBe(example.modelId.slice('sha256:'.length, 'sha256:'.length + 63));
  });

  it('writes a KServe InferenceService whose custom container speaks the V2 protocol', () => {
    const service = parseYaml(read('k8s/inferenceservice.yaml')) as Manifest;
    expect(service).toMatchObject({ apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceService', metadata: { name: 'penguins' } });
    expect(service.spec.predictor.containers).toHaveLength(1);
    expect(service.spec.predictor.containers[0]).toMatchObject({
      name: 'kserve-container',
      image: 'penguins:1',
      ports: [{ containerPort: 8080 }],
      env: expect.arrayContaining([{ name: 'PROTOCOL', value: 'v2' }]),
      readinessProbe: { httpGet: { path: '/v2/health/ready' } },
      securityContext: { runAsNonRoot: true, runAsUser: 10001 },
    });
  });

  it('normalises a model name into a Kubernetes name', async () => {
    const odd = await writeBuildContext({ modelDir: example.modelDir, outDir: join(tmp, 'odd'), tag: 'penguins:1', name: 'Penguins_V2' });
    expect(odd.kubernetesName).toBe('penguins-v2');
    expect((parseYamlDocuments(readFileSync(odd.manifests.deployment, 'utf8'))[0] as { metadata: { name: string } }).metadata.name).toBe('penguins-v2');
    expect(readFileSync(join(odd.dir, 'Dockerfile'), 'utf8')).toContain('MODEL_NAME="Penguins_V2"');
  });

  it('is the same bytes when written again, except the created labels', async () => {
    const again = await writeBuildContext({ modelDir: example.modelDir, outDir: join(tmp, 'b'), tag: 'penguins:1', name: 'penguins', lineage, created: new Date('2027-01-01T00:00:00Z') });
    expect(files(again.dir)).toEqual(files(context.dir));
    for (const file of files(context.dir)) {
      const [first, second] = [readFileSync(join(context.dir, file)), readFileSync(join(again.dir, file))];
      if (file === 'Dockerfile') {
        const withoutCreated = (text: Buffer) => text.toString('utf8').replace(/created="[^"]*"/g, 'created=""');
        expect(withoutCreated(second)).toBe(withoutCreated(first));
        expect(second.equals(first)).toBe(false);
      } else expect(second.equals(first), file).toBe(true);
    }
  });

  it('replaces an earlier context, and refuses a folder of other files', async () => {
    writeFileSync(join(context.dir, 'stale.txt'), 'left over');
    const replaced = await writeBuildContext({ modelDir: example.modelDir, outDir: context.dir, tag: 'penguins:2', name: 'penguins' });
    expect(files(replaced.dir)).not.toContain('stale.txt');
    const mine = join(tmp, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'keep me');
    await expect(writeBuildContext({ modelDir: example.modelDir, outDir: mine, tag: 'penguins:1' })).rejects.toThrow(/already holds files that are not a Tensorloom build context/);
    expect(readFileSync(join(mine, 'notes.txt'), 'utf8')).toBe('keep me');
  });

  it('refuses a folder that is not a model bundle, and a bad tag, before writing anything', async () => {
    await expect(writeBuildContext({ modelDir: tmp, outDir: join(tmp, 'none'), tag: 'penguins:1' })).rejects.toThrow(/is not a model bundle folder \(no bundle.json in it\)/);
    await expect(writeBuildContext({ modelDir: example.modelDir, outDir: join(tmp, 'none'), tag: 'Penguins' })).rejects.toThrow(/tag 'Penguins': repository names must be lowercase/);
    await expect(writeBuildContext({ modelDir: example.modelDir, outDir: join(tmp, 'none'), tag: 'p:1', baseImage: 'No Such' })).rejects.toThrow(/baseImage 'No Such'/);
    expect(readdirSync(tmp)).not.toContain('none');
  });
});

describe('server.mjs from the context, without node_modules', () => {
  it('loads the model on the wasm backend (the optional native backends fail to load and are skipped), answers, and its healthcheck agrees', async () => {
    // A copy outside the repository: nothing can be resolved from the project's node_modules.
    const copy = mkdtempSync(join(tmpdir(), 'tensorloom-server-'));
    try {
      for (const file of ['server.mjs', 'healthcheck.mjs', 'wasm/tfjs-backend-wasm-simd.wasm', 'wasm/tfjs-backend-wasm.wasm']) {
        mkdirSync(join(copy, file, '..'), { recursive: true });
        writeFileSync(join(copy, file), readFileSync(join(context.dir, file)));
      }
      const env = { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', MODEL_DIR: join(context.dir, 'model'), MODEL_NAME: 'penguins', TENSORLOOM_WASM_DIR: join(copy, 'wasm') };
      const server = spawn(process.execPath, [join(copy, 'server.mjs')], { cwd: copy, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      server.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
      try {
        const lines = createInterface({ input: server.stdout });
        let port = 0;
        for await (const line of lines) {
          const match = /serving model 'penguins' version 1 \(classification, backend ([\w-]+)\) on [\d.]+:(\d+)/.exec(line);
          if (match) {
            expect(match[1]).toBe('wasm-fused');
            port = Number(match[2]);
            break;
          }
        }
        expect(port, stderr).toBeGreaterThan(0);
        expect((await fetch(`http://127.0.0.1:${port}/v2/health/ready`)).status).toBe(200);
        const answer = await fetch(`http://127.0.0.1:${port}/v1/models/penguins:predict`, { method: 'POST', body: JSON.stringify({ instances: example.records.slice(0, 2) }) });
        expect(answer.status).toBe(200);
        expect(((await answer.json()) as { predictions: unknown[] }).predictions).toHaveLength(2);
        const healthy = spawnSync(process.execPath, [join(copy, 'healthcheck.mjs')], { env: { ...env, PORT: String(port) } });
        expect(healthy.status).toBe(0);
        const closed = spawnSync(process.execPath, [join(copy, 'healthcheck.mjs')], { env: { ...env, PORT: '1' } });
        expect(closed.status).toBe(1);
      } finally {
        server.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
