/**
 * The Docker build context of a model image (core/deploy/README.md lists what it holds):
 * the model server bundled into one file, the TF.js wasm binaries, the model bundle, a
 * healthcheck, pinned dependencies, the Dockerfile and Kubernetes manifests. Everything
 * is deterministic except the `created` labels.
 */
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BUNDLE_FILE, BUNDLE_FORMAT, MODEL_FILE, WEIGHTS_FILE, type ModelBundle } from '../ml/bundle-format.js';
import { NodeError } from '../base/errors.js';
import { dirHashHex, manifestOf } from '../store/artifact-store.js';
import { bundle, externalReason, lockedPackages, OPTIONAL_BACKENDS, projectEntry, projectRoot, TARGET_NODE_MAJOR, type LockedPackage } from './bundle.js';
import { copyFolder, fileDigests, LOCK_FILE, LOCK_FORMAT, writeContextDir, writeText } from './context-dir.js';
import { APP_DIR, DEFAULT_BASE_IMAGE, dockerfile, imageLabels, SERVER_PORT, type Lineage } from './dockerfile.js';
import { IMAGE_ENTRY, imagePacks, imagePacksPlugin } from './image-packs.js';
import { deploymentManifest, inferenceServiceManifest } from './k8s.js';
import { checkModelName, kubernetesName, parseImageReference } from './names.js';

/** The wasm binaries the server loads on Node: SIMD (always there on Node 20), plain as the fallback. Node never uses the threaded build. */
export const WASM_FILES = ['tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm.wasm'] as const;

export const DEPLOYMENT_MANIFEST = 'k8s/deployment.yaml';
export const INFERENCE_SERVICE_MANIFEST = 'k8s/inferenceservice.yaml';

export interface BuildContextOptions {
  /** A model bundle folder (bundle.json, model.json, weights.bin). */
  readonly modelDir: string;
  readonly outDir: string;
  /** The image reference to build, name[:tag]. */
  readonly tag: string;
  /** The name clients use in URLs; default 'model'. */
  readonly name?: string;
  readonly version?: string;
  readonly baseImage?: string;
  readonly lineage?: Lineage;
  /** The `created` labels' time (now when left out). */
  readonly created?: Date;
}

export interface BuildContext {
  readonly dir: string;
  readonly tag: string;
  readonly baseImage: string;
  readonly modelName: string;
  /** The Kubernetes object name (a DNS-1035 label derived from the model name). */
  readonly kubernetesName: string;
  /** sha256 of the model folder, as the artifact store names it (a run's `outputs`). */
  readonly modelDigest: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Absolute paths of the Kubernetes manifests. */
  readonly manifests: { readonly deployment: string; readonly inferenceService: string };
  /** Packages inside server.mjs, as runtime-lock.json pins them. */
  readonly packages: readonly LockedPackage[];
}

/** Reads and checks a model bundle folder; a NodeError naming `field` when it is not one. */
export function readModelBundle(dir: string, field = 'model'): ModelBundle {
  const path = join(dir, BUNDLE_FILE);
  if (!existsSync(path)) throw new NodeError(`${field}: ${dir} is not a model bundle folder (no ${BUNDLE_FILE} in it)`, { field });
  let bundle: ModelBundle;
  try {
    bundle = JSON.parse(readFileSync(path, 'utf8')) as ModelBundle;
  } catch (error) {
    throw new NodeError(`${field}: ${path} is not valid JSON (${(error as Error).message.split('\n')[0]})`, { field });
  }
  if (bundle?.format !== BUNDLE_FORMAT) throw new NodeError(`${field}: ${path} has format '${String(bundle?.format)}', expected '${BUNDLE_FORMAT}'`, { field });
  for (const file of [MODEL_FILE, WEIGHTS_FILE]) {
    if (!existsSync(join(dir, file))) throw new NodeError(`${field}: the model bundle ${dir} has no ${file}`, { field });
  }
  return bundle;
}

/** The model folder's content id: the same `sha256:…` the artifact store gives it. */
export async function modelDigest(dir: string): Promise<string> {
  return `sha256:${dirHashHex(await manifestOf(dir))}`;
}

const HEALTHCHECK = `// HEALTHCHECK for images without curl: healthy once the model is loaded and the server answers.
import { request } from 'node:http';

const wildcard = !process.env.HOST || process.env.HOST === '0.0.0.0' || process.env.HOST === '::';
const probe = request(
  { host: wildcard ? '127.0.0.1' : process.env.HOST, port: Number(process.env.PORT || ${SERVER_PORT}), path: '/v2/health/ready', timeout: 2000 },
  (response) => {
    response.resume();
    process.exit(response.statusCode === 200 ? 0 : 1);
  },
);
probe.on('timeout', () => probe.destroy(new Error('timed out')));
probe.on('error', () => process.exit(1));
probe.end();
`;

/** Only what the Dockerfile copies goes to the engine. */
const DOCKERIGNORE = `# Sent to the Docker engine: only what the Dockerfile copies.
k8s/
*.tar
*.tar.gz
.git/
`;

/** Writes the build context of a model image to `outDir` (replacing an earlier one there). */
export async function writeBuildContext(options: BuildContextOptions): Promise<BuildContext> {
  const modelName = checkModelName(options.name ?? 'model', 'name');
  const version = options.version ?? '1';
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(version)) throw new NodeError(`version '${version}': 1 to 64 letters, digits, '.', '_' or '-'`, { field: 'version' });
  parseImageReference(options.tag, 'tag', { allowDigest: false });
  const baseImage = options.baseImage ?? DEFAULT_BASE_IMAGE;
  parseImageReference(baseImage, 'baseImage');
  const k8sName = kubernetesName(modelName).name;
  const bundleJson = readModelBundle(options.modelDir);
  const digest = await modelDigest(options.modelDir);
  const lineage = options.lineage ?? {};
  const labels = imageLabels({
    title: modelName,
    description: `Tensorloom model server: ${bundleJson.task} model predicting '${bundleJson.target.name}' (TF Serving REST, KServe V2, Prometheus /metrics)`,
    modelName,
    modelVersion: version,
    modelDigest: digest,
    lineage,
    created: options.created ?? new Date(),
  });
  const root = projectRoot();
  // Refused before anything is written: a pack the recipe needs and this process lacks.
  const packs = imagePacks(bundleJson);
  let packages: LockedPackage[] = [];
  const dir = await writeContextDir(options.outDir, 'outDir', async (dir) => {
    const built = await bundle({
      root,
      entryPoints: [packs.length === 0 ? projectEntry(root, 'core/serve/main.ts') : IMAGE_ENTRY],
      outfile: join(dir, 'server.mjs'),
      external: OPTIONAL_BACKENDS,
      ...(packs.length === 0 ? {} : { plugins: [imagePacksPlugin(root, packs)] }),
    });
    packages = lockedPackages(root, built.packageDirs);
    await mkdir(join(dir, 'wasm'));
    const wasmDir = join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
    for (const file of WASM_FILES) await copyFile(join(wasmDir, file), join(dir, 'wasm', file));
    await copyFolder(options.modelDir, join(dir, 'model'));
    await writeText(dir, 'healthcheck.mjs', HEALTHCHECK);
    await writeText(dir, '.dockerignore', DOCKERIGNORE);
    const lock = {
      format: LOCK_FORMAT,
      kind: 'model-server',
      node: { major: TARGET_NODE_MAJOR, note: `server.mjs targets Node ${TARGET_NODE_MAJOR}; the base image must have Node ${TARGET_NODE_MAJOR} or newer` },
      baseImage,
      bundler: { name: 'esbuild', version: built.esbuildVersion },
      model: { name: modelName, version, digest },
      files: await fileDigests(dir, ['server.mjs', 'healthcheck.mjs', 'wasm']),
      bundled: packages,
      // Node packs whose step code is inside server.mjs (their own dependencies come with them, unpinned here).
      ...(packs.length === 0 ? {} : { packs: packs.map((pack) => ({ name: pack.name, version: pack.version ?? null, stepKinds: pack.stepKinds })) }),
      external: built.external.map((name) => ({ name, why: externalReason(name) })),
    };
    await writeText(dir, LOCK_FILE, JSON.stringify(lock, null, 2) + '\n');
    const env: Record<string, string> = {
      PORT: String(SERVER_PORT),
      HOST: '0.0.0.0',
      MODEL_DIR: `${APP_DIR}/model`,
      MODEL_NAME: modelName,
      MODEL_VERSION: version,
      // The server shows these in metadata and its model_info metric.
      MODEL_DIGEST: digest,
      ...(lineage.runId ? { MODEL_RUN_ID: lineage.runId } : {}),
      ...(lineage.pipelineHash ? { MODEL_PIPELINE_HASH: lineage.pipelineHash } : {}),
      TENSORLOOM_WASM_DIR: `${APP_DIR}/wasm`,
      TENSORLOOM_BACKEND: 'wasm',
      NODE_ENV: 'production',
    };
    await writeText(
      dir,
      'Dockerfile',
      dockerfile({
        comment: `Model image for '${modelName}' (written by tensorloom export; see core/deploy/README.md).\nBuild: docker build -t ${options.tag} .   Run: docker run --rm -p ${SERVER_PORT}:${SERVER_PORT} ${options.tag}`,
        baseImage,
        labels,
        env,
        copy: [
          { folder: 'wasm', to: `${APP_DIR}/wasm` },
          { files: ['server.mjs', 'healthcheck.mjs'], to: APP_DIR },
          { folder: 'model', to: `${APP_DIR}/model` },
          { files: [LOCK_FILE], to: APP_DIR },
        ],
        expose: SERVER_PORT,
        healthcheck: ['node', `${APP_DIR}/healthcheck.mjs`],
        entrypoint: ['node', `${APP_DIR}/server.mjs`],
      }),
    );
    const manifest = { name: k8sName, image: options.tag, modelName, modelVersion: version, modelDigest: digest };
    await writeText(dir, DEPLOYMENT_MANIFEST, deploymentManifest(manifest));
    await writeText(dir, INFERENCE_SERVICE_MANIFEST, inferenceServiceManifest(manifest));
  });
  return {
    dir,
    tag: options.tag,
    baseImage,
    modelName,
    kubernetesName: k8sName,
    modelDigest: digest,
    labels,
    manifests: { deployment: join(dir, DEPLOYMENT_MANIFEST), inferenceService: join(dir, INFERENCE_SERVICE_MANIFEST) },
    packages,
  };
}
