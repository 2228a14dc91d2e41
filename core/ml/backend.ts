import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { NodeError } from '../base/errors.js';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/**
 * TensorFlow.js backends, fastest first (ARCHITECTURE.md section 7). The native packages and
 * the WebGPU adapter are optional: each one that cannot load is skipped with its reason.
 */
import { BACKEND_CHAIN, type BackendName } from './backend-names.js';

export { BACKEND_CHAIN, backendHint, type BackendName } from './backend-names.js';

export interface LoadedBackend {
  readonly name: BackendName;
  /** Why each faster backend was skipped, for `tensorloom doctor`-style messages and logs. */
  readonly skipped: readonly { name: BackendName; reason: string }[];
}

/** How to get each backend going; returns the tf backend name to select. */
const LOADERS: Record<BackendName, () => Promise<string>> = {
  async 'tensorflow-gpu'() {
    requireNativeBinding('@tensorflow/tfjs-node-gpu');
    await import(/* optional */ '@tensorflow/tfjs-node-gpu' as string);
    return 'tensorflow';
  },
  async tensorflow() {
    requireNativeBinding('@tensorflow/tfjs-node');
    await import(/* optional */ '@tensorflow/tfjs-node' as string);
    return 'tensorflow';
  },
  async webgpu() {
    // Without a Vulkan loader Dawn can only fail, and it says so on stderr: skip it quietly.
    if (process.platform === 'linux' && !hasVulkanLoader()) throw new Error('no Vulkan loader (libvulkan.so.1) on this machine');
    // Dawn for Node (the `webgpu` package) provides navigator.gpu; the tfjs backend then
    // asks it for an adapter, which CPU-only machines do not have.
    const dawn = (await import(/* optional */ 'webgpu' as string)) as { create(flags: string[]): unknown; globals: Record<string, unknown> };
    const scope = globalThis as Record<string, unknown>;
    Object.assign(scope, dawn.globals);
    const gpu = dawn.create([]) as { requestAdapter(): Promise<unknown> };
    if (!(await gpu.requestAdapter())) throw new Error('no WebGPU adapter (no GPU, or no Vulkan driver for it)');
    if (typeof scope.navigator !== 'object' || scope.navigator === null) scope.navigator = {};
    Object.defineProperty(scope.navigator as object, 'gpu', { value: gpu, configurable: true });
    await import('@tensorflow/tfjs-backend-webgpu');
    return 'webgpu';
  },
  async wasm() {
    return 'wasm';
  },
  async cpu() {
    return 'cpu';
  },
};

/**
 * A native package installed without its binding (libtensorflow could not be downloaded, or
 * `npm install --ignore-scripts`) registers its kernels before it fails to load, and the next
 * one then warns once per kernel: check for the binding first and skip the package quietly.
 */
function requireNativeBinding(pkg: string): void {
  let root: string;
  try {
    root = dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(`${pkg} is not installed`);
  }
  const lib = join(root, 'lib');
  const built = existsSync(lib) && readdirSync(lib).some((dir) => dir.startsWith('napi-v') && existsSync(join(lib, dir, 'tfjs_binding.node')));
  if (!built) throw new Error(`${pkg} is installed without its native binding (libtensorflow was not downloaded)`);
}

const LIBRARY_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu', '/lib64', '/usr/local/lib'];

function hasVulkanLoader(): boolean {
  const dirs = [...(process.env.LD_LIBRARY_PATH?.split(':').filter(Boolean) ?? []), ...LIBRARY_DIRS];
  return dirs.some((dir) => existsSync(join(dir, 'libvulkan.so.1')));
}

// A bundled build (container images, the GPU check) ships the .wasm files beside itself. Set
// before any backend loads: wasm may be selected later, after WebGPU (see backendForWork).
const WASM_DIR = process.env.TENSORLOOM_WASM_DIR;
if (WASM_DIR) setWasmPaths(WASM_DIR.endsWith('/') ? WASM_DIR : `${WASM_DIR}/`);

let loading: Promise<LoadedBackend> | undefined;
let forcedByUser = false;

/**
 * Work per step (floating-point operations) below which WebGPU loses to WebAssembly: each
 * kernel dispatch costs far more on the GPU path, so small tabular networks train faster
 * on the CPU. Measured on an H200 (BENCHMARKS.md): 128/64 units at batch 256 (25 MFLOP a
 * step) ran 6× slower on WebGPU than on wasm; 512/256 at batch 2048 (2 GFLOP) 6× faster.
 */
export const WEBGPU_MIN_STEP_FLOPS = 200e6;

/**
 * The backend to compute `stepFlops`-sized steps on: the loaded one, except that a small
 * workload moves from WebGPU to wasm. A backend forced with TENSORLOOM_BACKEND is kept.
 */
export async function backendForWork(stepFlops: number): Promise<BackendName> {
  const loaded = await loadBackend();
  if (loaded.name !== 'webgpu' || forcedByUser) return loaded.name;
  const wanted: BackendName = stepFlops < WEBGPU_MIN_STEP_FLOPS ? await cpuBackend() : 'webgpu';
  const tfName = wanted === 'tensorflow' ? 'tensorflow' : wanted;
  if (tf.getBackend() === tfName) return wanted;
  if (await tf.setBackend(tfName)) return wanted;
  // The CPU backend failed to start: stay on WebGPU rather than on no backend at all.
  await tf.setBackend('webgpu');
  return 'webgpu';
}

let cpuChoice: Promise<BackendName> | undefined;

/** The fastest CPU backend after WebGPU in the chain: native TensorFlow when it loads, else wasm. */
function cpuBackend(): Promise<BackendName> {
  cpuChoice ??= LOADERS.tensorflow().then(
    () => 'tensorflow' as const,
    () => 'wasm' as const,
  );
  return cpuChoice;
}

function isBackendName(value: string): value is BackendName {
  return (BACKEND_CHAIN as readonly string[]).includes(value);
}

/**
 * Loads the fastest backend that works, once per thread. `TENSORLOOM_BACKEND` forces one
 * (an error if it cannot load, so a forced GPU run never silently trains on the CPU).
 */
export function loadBackend(forced: string | undefined = process.env.TENSORLOOM_BACKEND): Promise<LoadedBackend> {
  const name = forced?.trim() || undefined;
  // A misspelt name is refused every time, and never becomes the thread's loaded backend.
  if (name !== undefined && !isBackendName(name)) {
    return Promise.reject(new NodeError(`TENSORLOOM_BACKEND='${name}' is not a backend; use one of ${BACKEND_CHAIN.join(', ')} (or unset it)`));
  }
  loading ??= pickBackend(name);
  return loading;
}

async function pickBackend(forced: BackendName | undefined): Promise<LoadedBackend> {
  forcedByUser = forced !== undefined;
  const chain = forced === undefined ? BACKEND_CHAIN : [forced];
  const skipped: { name: BackendName; reason: string }[] = [];
  for (const name of chain) {
    try {
      const tfName = await LOADERS[name]();
      if (!(await tf.setBackend(tfName))) throw new Error(`tf.setBackend('${tfName}') failed`);
      await tf.ready();
      return { name, skipped };
    } catch (error) {
      skipped.push({ name, reason: firstLine(error) });
    }
  }
  const reasons = skipped.map((entry) => `${entry.name}: ${entry.reason}`).join('; ');
  loading = undefined; // let a later call try again (e.g. after the variable is fixed)
  // A setting or an installation to fix, not a bug: reported without a stack.
  throw new NodeError(forced !== undefined ? `TENSORLOOM_BACKEND=${forced} cannot load (${reasons}); unset it to use the fastest backend that works` : `no TensorFlow.js backend could load (${reasons})`);
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/Cannot find (package|module)/.test(message)) return 'not installed';
  return message.split('\n')[0] ?? message;
}
