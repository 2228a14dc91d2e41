import { NodeError } from '../../base/errors.js';
import type { MlpSpec } from '../mlp.js';
import type { OptimizerName } from '../options.js';
import { FUSED_WASM_BASE64 } from './fused-wasm.js';

/**
 * The fused training kernel (kernel.c built by scripts/build-fused.sh into fused-wasm.ts): a
 * whole step (forward, loss, backward, optimiser update) for the batch in one call, instead
 * of ~70 TF.js kernel dispatches. The weights go in and come out as the TF.js layer weights
 * ([k0, b0, k1, b1, …], kernels `[in, out]` row-major), so the model is saved as before.
 */

/** The backend name the run record and the bundle's lineage carry when this path trains. */
export const FUSED_BACKEND = 'wasm-fused';

const ACTIVATIONS = { linear: 0, relu: 1, tanh: 2, sigmoid: 3, elu: 4 } as const;
const LOSSES = { softmax: 0, linear: 1 } as const;
const OPTIMIZER_CODES: Record<OptimizerName, number> = { sgd: 0, adam: 1, rmsprop: 2 };
/** kernel.c's MAX_LAYERS. */
const MAX_LAYERS = 17;

/** The little of the WebAssembly API this needs (the project's TypeScript libs do not declare it). */
interface WasmModule {
  readonly wasmModule: true;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, never>) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface KernelExports {
  memory: { buffer: ArrayBuffer };
  _initialize?: () => void;
  tl_configure(layers: number, activation: number, loss: number, optimizer: number, rate: number, rows: number): void;
  tl_set_size(index: number, units: number): void;
  tl_build(): number;
  tl_kernel(layer: number): number;
  tl_bias(layer: number): number;
  tl_kernel_grad(layer: number): number;
  tl_bias_grad(layer: number): number;
  tl_inputs(): number;
  tl_outputs(): number;
  tl_targets(): number;
  tl_row_weights(): number;
  tl_hits(): number;
  tl_step(rows: number, weighted: number, apply: number): number;
  tl_evaluate(rows: number): number;
}

let compiled: { module: WasmModule } | { missing: string } | undefined;

/**
 * The compiled module, once per thread; `missing` says why there is none (this runtime lacks
 * WebAssembly SIMD).
 */
function kernelModule(): { module: WasmModule } | { missing: string } {
  if (compiled) return compiled;
  try {
    compiled = { module: new wasm.Module(Buffer.from(FUSED_WASM_BASE64, 'base64')) };
  } catch (error) {
    compiled = { missing: `the fused kernel cannot be compiled here (${(error as Error).message.split('\n')[0]})` };
  }
  return compiled;
}

/**
 * Why this network cannot train on the fused path, or null when it can. Everything
 * train.dense offers is supported except dropout, whose masks come from TF.js's generator.
 */
export function fusedUnsupported(spec: MlpSpec): string | null {
  if (spec.dropout > 0) return 'dropout draws its masks from TF.js, which the fused kernel does not reproduce';
  if (spec.hiddenLayers.length + 1 > MAX_LAYERS) return `more than ${MAX_LAYERS - 1} hidden layers`;
  if (!(spec.activation in ACTIVATIONS)) return `activation '${spec.activation}' is not in the fused kernel`;
  const kernel = kernelModule();
  return 'missing' in kernel ? kernel.missing : null;
}

/** One network's weights, optimiser state and batch buffers inside its own kernel instance. */
export class FusedNetwork {
  private readonly kernel: KernelExports;
  private readonly sizes: number[];
  /** Rows of the input and target buffers (a training batch or an evaluation chunk). */
  readonly capacity: number;
  /** Input rows, `capacity × inputDim`; a step reads its first `rows` rows. */
  readonly inputs: Float32Array;
  /** Targets (one-hot classes or values), `capacity × outputUnits`. */
  readonly targets: Float32Array;
  /** Per-row loss weights, read when a step is weighted. */
  readonly rowWeights: Float32Array;

  constructor(spec: MlpSpec, optimizer: OptimizerName, learningRate: number, capacity: number, initial: readonly Float32Array[]) {
    const kernel = kernelModule();
    if ('missing' in kernel) throw new Error(kernel.missing);
    this.kernel = new wasm.Instance(kernel.module, {}).exports as unknown as KernelExports;
    this.kernel._initialize?.();
    this.sizes = [spec.inputDim, ...spec.hiddenLayers, spec.outputUnits];
    this.capacity = capacity;
    const layers = this.sizes.length - 1;
    this.kernel.tl_configure(layers, ACTIVATIONS[spec.activation], LOSSES[spec.output], OPTIMIZER_CODES[optimizer], learningRate, capacity);
    this.sizes.forEach((units, k) => this.kernel.tl_set_size(k, units));
    const built = this.kernel.tl_build();
    if (built === -1) throw new Error(`the fused kernel cannot take memory for ${capacity} rows of a ${this.sizes.join('/')} network`);
    if (built !== 0) throw new Error(`the fused kernel refused the network shape ${this.sizes.join('/')}`);
    // Memory only grows in tl_build, so these views stay valid.
    this.inputs = this.view(this.kernel.tl_inputs(), capacity * spec.inputDim);
    this.targets = this.view(this.kernel.tl_targets(), capacity * spec.outputUnits);
    this.rowWeights = this.view(this.kernel.tl_row_weights(), capacity);
    this.setWeights(initial);
  }

  private view(pointer: number, length: number): Float32Array {
    return new Float32Array(this.kernel.memory.buffer, pointer, length);
  }

  private weightViews(kernelOf: (layer: number) => number, biasOf: (layer: number) => number): Float32Array[] {
    const views: Float32Array[] = [];
    for (let layer = 0; layer + 1 < this.sizes.length; layer++) {
      views.push(this.view(kernelOf(layer), this.sizes[layer]! * this.sizes[layer + 1]!), this.view(biasOf(layer), this.sizes[layer + 1]!));
    }
    return views;
  }

  /** Replaces the weights ([k0, b0, k1, b1, …], TF.js layer order and layout). */
  setWeights(weights: readonly Float32Array[]): void {
    this.weightViews((l) => this.kernel.tl_kernel(l), (l) => this.kernel.tl_bias(l)).forEach((view, k) => view.set(weights[k]!));
  }

  /** A copy of the weights, in TF.js layer order and layout. */
  weights(): Float32Array[] {
    return this.weightViews((l) => this.kernel.tl_kernel(l), (l) => this.kernel.tl_bias(l)).map((view) => view.slice());
  }

  /** A copy of the last step's gradients, in the weights' order and layout. */
  gradients(): Float32Array[] {
    return this.weightViews((l) => this.kernel.tl_kernel_grad(l), (l) => this.kernel.tl_bias_grad(l)).map((view) => view.slice());
  }

  /**
   * One training step on the first `rows` rows of `inputs`/`targets` (and `rowWeights` when
   * `weighted`); returns the batch's loss before the update. `apply: false` only computes
   * the gradients (for `gradients()`).
   */
  step(rows: number, weighted: boolean, apply = true): number {
    return this.kernel.tl_step(rows, weighted ? 1 : 0, apply ? 1 : 0);
  }

  /** The unweighted mean loss of the first `rows` rows, and how many of them the network classes right. */
  evaluate(rows: number): { loss: number; hits: number } {
    const loss = this.kernel.tl_evaluate(rows);
    return { loss, hits: this.kernel.tl_hits() };
  }
}

/** Backends on which the fused kernel trains instead of TF.js: the CPU ones without native TensorFlow. */
const FUSED_ON = ['wasm', 'cpu'];

export interface TrainPathChoice {
  readonly path: 'tfjs' | 'fused';
  /** Why TF.js trains (the fused path was off or could not), for the run log; absent when the fused path trains. */
  readonly reason?: string;
}

/**
 * The fused kernel trains on the CPU backends without native TensorFlow (wasm, cpu) when it
 * supports the network; TF.js trains otherwise, with the reason. TENSORLOOM_TRAIN_PATH=tfjs
 * forces TF.js (to compare), =fused forces the kernel (an error if it cannot).
 */
export function chooseTrainPath(spec: MlpSpec, backend: string, setting: string | undefined = process.env.TENSORLOOM_TRAIN_PATH): TrainPathChoice {
  const wanted = setting?.trim() || 'auto';
  if (!['auto', 'tfjs', 'fused'].includes(wanted)) {
    throw new NodeError(`TENSORLOOM_TRAIN_PATH='${wanted}' is not a training path; use auto, fused or tfjs (or unset it)`);
  }
  if (wanted === 'tfjs') return { path: 'tfjs', reason: 'TENSORLOOM_TRAIN_PATH=tfjs' };
  const unsupported = fusedUnsupported(spec);
  if (wanted === 'fused') {
    if (unsupported) throw new NodeError(`TENSORLOOM_TRAIN_PATH=fused, but the fused kernel cannot train this network: ${unsupported}; unset it to train with TF.js`);
    return { path: 'fused' };
  }
  if (!FUSED_ON.includes(backend)) return { path: 'tfjs', reason: `the ${backend} backend is faster than the fused CPU kernel` };
  if (unsupported) return { path: 'tfjs', reason: unsupported };
  return { path: 'fused' };
}
