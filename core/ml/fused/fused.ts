import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { NodeError } from '../../base/errors.js';
import { stepFlops, type MlpSpec } from '../mlp.js';
import type { OptimizerName } from '../options.js';
import { FUSED_WASM_BASE64 } from './fused-wasm.js';

/**
 * The fused training kernel (kernel.c built by scripts/build-fused.sh into fused-wasm.ts): a
 * whole step (forward, loss, backward, optimiser update) for the batch in one call, instead
 * of ~70 TF.js kernel dispatches. The weights go in and come out as the TF.js layer weights
 * ([k0, b0, k1, b1, …], kernels `[in, out]` row-major), so the model is saved as before.
 * A step can run on two threads: a helper worker runs a second instance of the module over
 * the same shared memory and takes one of the batch's two row chunks (kernel.c explains the
 * hand-off); the chunks are fixed, so one and two threads give the same bits.
 */

/** The backend name the run record and the bundle's lineage carry when this path trains. */
export const FUSED_BACKEND = 'wasm-fused';

const ACTIVATIONS = { linear: 0, relu: 1, tanh: 2, sigmoid: 3, elu: 4 } as const;
const LOSSES = { softmax: 0, linear: 1 } as const;
const OPTIMIZER_CODES: Record<OptimizerName, number> = { sgd: 0, adam: 1, rmsprop: 2 };
/** kernel.c's MAX_LAYERS. */
const MAX_LAYERS = 17;
/** The memory's size in 64 KiB pages: at first (the module's own minimum, 1 MiB) and at most (2 GiB, as scripts/build-fused.sh links it). */
const FUSED_INITIAL_PAGES = 16;
const FUSED_MAX_PAGES = 32768;
/**
 * Training rows are copied into the kernel's memory (so each chunk gathers its batch rows
 * itself, on its own thread) up to this size; larger sets are copied batch by batch from
 * JavaScript instead, which does not hold a second copy of them.
 */
const ATTACH_LIMIT_BYTES = 512 * 1024 * 1024;

/** The little of the WebAssembly API this needs (the project's TypeScript libs do not declare it). */
interface WasmModule {
  readonly wasmModule: true;
}
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Instance: new (module: WasmModule, imports: { env: { memory: WasmMemory } }) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface KernelExports {
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
  tl_step_rows(start: number, rows: number, weighted: number, apply: number): number;
  tl_evaluate(rows: number): number;
  tl_predict(rows: number): void;
  tl_attach(rows: number, weighted: number): number;
  tl_data_x(): number;
  tl_data_y(): number;
  tl_data_w(): number;
  tl_order(): number;
  tl_set_helpers(count: number, minRows: number): void;
  tl_stop_helpers(): void;
  tl_helper_chunks(): number;
}

/**
 * The helper thread, as inline code so that no extra file has to travel with the build
 * (dist/, bundles): it instantiates the module over the shared memory, moves its stack to the
 * region tl_build set aside for it, and stays in tl_helper until tl_stop_helpers.
 */
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const kernel = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } }).exports;
kernel.stackRestore(kernel.tl_helper_stack());
kernel.tl_helper();
`;

/** Helper threads started and not yet exited, in this thread. */
let helpersRunning = 0;

/** How many fused-kernel helper threads this thread started that have not exited yet (tests check that none is left behind). */
export function fusedHelpersRunning(): number {
  return helpersRunning;
}

export interface FusedOptions {
  /**
   * Threads a step runs on: 1, or 2 (a helper worker takes one of the batch's two row
   * chunks). Either gives the same bits. Default 1.
   */
  readonly threads?: number;
  /** With 2 threads, the fewest rows a step needs to hand a chunk to the helper (smaller ones run on one thread). Default 1. */
  readonly parallelRows?: number;
}

let compiled: { module: WasmModule } | { missing: string } | undefined;

const newMemory = (): WasmMemory => new wasm.Memory({ initial: FUSED_INITIAL_PAGES, maximum: FUSED_MAX_PAGES, shared: true });

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
    return compiled;
  }
  try {
    newMemory(); // its memory is shared (for the helper thread); a runtime without shared memory cannot run it
  } catch (error) {
    compiled = { missing: `the fused kernel needs shared WebAssembly memory, which this runtime lacks (${(error as Error).message.split('\n')[0]})` };
  }
  return compiled;
}

/**
 * Why this network cannot train on the fused path, or null when it can. Everything
 * train.dense offers is supported except dropout, whose masks come from TF.js's generator.
 */
export function fusedUnsupported(spec: MlpSpec, use: 'training' | 'prediction' = 'training'): string | null {
  // Dropout is off when predicting, so only training needs TF.js's masks.
  if (use === 'training' && spec.dropout > 0) return 'dropout draws its masks from TF.js, which the fused kernel does not reproduce';
  if (spec.hiddenLayers.length + 1 > MAX_LAYERS) return `more than ${MAX_LAYERS - 1} hidden layers`;
  if (!(spec.activation in ACTIVATIONS)) return `activation '${spec.activation}' is not in the fused kernel`;
  const kernel = kernelModule();
  return 'missing' in kernel ? kernel.missing : null;
}

/** One network's weights, optimiser state and batch buffers inside its own kernel instance. */
export class FusedNetwork {
  private readonly kernel: KernelExports;
  private readonly memory: WasmMemory;
  private helper: Worker | undefined;
  private readonly sizes: number[];
  /** Rows of the input and target buffers (a training batch or an evaluation chunk). */
  readonly capacity: number;
  /** Input rows, `capacity × inputDim`; a step reads its first `rows` rows. */
  readonly inputs: Float32Array;
  /** Targets (one-hot classes or values), `capacity × outputUnits`. */
  readonly targets: Float32Array;
  /** Per-row loss weights, read when a step is weighted. */
  readonly rowWeights: Float32Array;
  /** The network's outputs for the rows of the last `predict` (probabilities for classifiers), `capacity × outputUnits`. */
  readonly outputs: Float32Array;
  /** The epoch's row order over the attached rows, read by `stepRows` (after `attach`). */
  order: Int32Array = new Int32Array(0);

  constructor(spec: MlpSpec, optimizer: OptimizerName, learningRate: number, capacity: number, initial: readonly Float32Array[], options: FusedOptions = {}) {
    const kernel = kernelModule();
    if ('missing' in kernel) throw new Error(kernel.missing);
    this.memory = newMemory();
    this.kernel = new wasm.Instance(kernel.module, { env: { memory: this.memory } }).exports as unknown as KernelExports;
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
    this.outputs = this.view(this.kernel.tl_outputs(), capacity * spec.outputUnits);
    this.setWeights(initial);
    if ((options.threads ?? 1) > 1) this.startHelper(kernel.module, Math.max(1, options.parallelRows ?? 1));
  }

  /**
   * Starts the helper thread. Until it runs (and if it never does) the calling thread runs
   * every chunk itself: the kernel never waits for a chunk nobody claimed.
   */
  private startHelper(module: WasmModule, parallelRows: number): void {
    let helper: Worker;
    try {
      helper = new Worker(HELPER_SOURCE, { eval: true, workerData: { module, memory: this.memory } });
    } catch {
      return; // no threads here (a sandbox): one thread, the same results
    }
    helpersRunning++;
    helper.unref(); // never what keeps a process alive
    helper.on('error', () => this.kernel.tl_set_helpers(0, 0)); // carry on with one thread
    helper.once('exit', () => helpersRunning--);
    this.helper = helper;
    this.kernel.tl_set_helpers(1, parallelRows);
  }

  /** How many batch chunks the helper thread ran so far (0 on one thread). */
  helperChunks(): number {
    return this.kernel.tl_helper_chunks();
  }

  /** Stops the helper thread, if any; the network still works, on one thread. */
  dispose(): void {
    if (!this.helper) return;
    this.kernel.tl_stop_helpers();
    void this.helper.terminate();
    this.helper = undefined;
  }

  // Views over the current buffer: the memory only grows in tl_build and tl_attach, and a
  // shared buffer is never detached, so views taken earlier stay valid.
  private view(pointer: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, pointer, length);
  }

  /**
   * Copies the training rows into the kernel's memory, so that `stepRows` gathers each batch
   * itself (split over the threads) instead of JavaScript copying it in. False (nothing
   * copied) when they are too large to hold twice; `step` then trains from the batch buffers.
   */
  attach(x: Float32Array, y: Float32Array, rows: number, weights?: Float32Array): boolean {
    const bytes = (x.length + y.length + rows * (weights ? 2 : 1)) * 4;
    if (bytes > ATTACH_LIMIT_BYTES || this.kernel.tl_attach(rows, weights ? 1 : 0) !== 0) return false;
    this.view(this.kernel.tl_data_x(), x.length).set(x);
    this.view(this.kernel.tl_data_y(), y.length).set(y);
    if (weights) this.view(this.kernel.tl_data_w(), rows).set(weights);
    this.order = new Int32Array(this.memory.buffer, this.kernel.tl_order(), rows);
    return true;
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

  /** One training step on the attached rows `order[start]`, …, `order[start + rows - 1]`; as `step` otherwise. */
  stepRows(start: number, rows: number, weighted: boolean, apply = true): number {
    return this.kernel.tl_step_rows(start, rows, weighted ? 1 : 0, apply ? 1 : 0);
  }

  /** The unweighted mean loss of the first `rows` rows, and how many of them the network classes right. */
  evaluate(rows: number): { loss: number; hits: number } {
    const loss = this.kernel.tl_evaluate(rows);
    return { loss, hits: this.kernel.tl_hits() };
  }

  /** Predicts the first `rows` rows of `inputs` into `outputs`: softmax probabilities for classifiers, raw values otherwise. */
  predict(rows: number): void {
    this.kernel.tl_predict(rows);
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
  return choosePath('training', spec, backend, setting);
}

/**
 * The same rule for predictions (predict.batch, eval.model, the model server): the fused
 * kernel's forward pass on wasm/cpu, TF.js otherwise. TENSORLOOM_PREDICT_PATH=tfjs|fused
 * forces one. Its probabilities are within 1e-6 of TF.js's (fused.test.ts), and a row's
 * answer is the same bits alone or in any batch.
 */
export function choosePredictPath(spec: MlpSpec, backend: string, setting: string | undefined = process.env.TENSORLOOM_PREDICT_PATH): TrainPathChoice {
  return choosePath('prediction', spec, backend, setting);
}

function choosePath(use: 'training' | 'prediction', spec: MlpSpec, backend: string, setting: string | undefined): TrainPathChoice {
  const variable = use === 'training' ? 'TENSORLOOM_TRAIN_PATH' : 'TENSORLOOM_PREDICT_PATH';
  const verb = use === 'training' ? 'train' : 'predict';
  const wanted = setting?.trim() || 'auto';
  if (!['auto', 'tfjs', 'fused'].includes(wanted)) {
    throw new NodeError(`${variable}='${wanted}' is not a ${use} path; use auto, fused or tfjs (or unset it)`);
  }
  if (wanted === 'tfjs') return { path: 'tfjs', reason: `${variable}=tfjs` };
  const unsupported = fusedUnsupported(spec, use);
  if (wanted === 'fused') {
    if (unsupported) throw new NodeError(`${variable}=fused, but the fused kernel cannot ${verb} with this network: ${unsupported}; unset it to ${verb} with TF.js`);
    return { path: 'fused' };
  }
  if (!FUSED_ON.includes(backend)) return { path: 'tfjs', reason: `the ${backend} backend is faster than the fused CPU kernel` };
  if (unsupported) return { path: 'tfjs', reason: unsupported };
  return { path: 'fused' };
}

/**
 * The least work a step (stepFlops: 6 × rows × weights) for which handing half of it to the
 * helper thread pays: below it the hand-off and the serial rest of a step (transposes, the
 * partial sums, the update) outweigh half the chunk work. Measured on a 2-core machine
 * (BENCHMARKS.md, "The fused CPU kernel").
 */
export const PARALLEL_STEP_FLOPS = 12e6;
/** The least work a whole training run needs for a helper thread to pay back its start (a worker, tens of milliseconds). */
const PARALLEL_RUN_FLOPS = 2e9;

export interface ThreadChoice {
  /** 1, or 2: a helper worker takes half of each large enough step. */
  readonly threads: number;
  /** With 2 threads, the fewest rows a step needs to be split (a short last batch runs on one thread). */
  readonly parallelRows: number;
}

/**
 * How many threads the fused kernel trains on: 2 where the machine has two cores and the
 * steps (and the whole run) are large enough to pay for the hand-off, else 1; the weights
 * are the same either way. TENSORLOOM_FUSED_THREADS=1 or 2 forces it (2: every step split).
 */
export function chooseFusedThreads(spec: MlpSpec, batchSize: number, steps: number, setting: string | undefined = process.env.TENSORLOOM_FUSED_THREADS, cores = availableParallelism()): ThreadChoice {
  const perRow = stepFlops(spec, 1);
  const parallelRows = Math.max(1, Math.ceil(PARALLEL_STEP_FLOPS / perRow));
  const wanted = setting?.trim() || 'auto';
  if (wanted === '1' || wanted === '2') return { threads: Number(wanted), parallelRows: wanted === '2' ? 1 : parallelRows };
  if (wanted !== 'auto') throw new NodeError(`TENSORLOOM_FUSED_THREADS='${wanted}' is not a thread count; use 1, 2 or auto (or unset it)`);
  const pays = cores >= 2 && batchSize >= parallelRows && perRow * batchSize * steps >= PARALLEL_RUN_FLOPS;
  return { threads: pays ? 2 : 1, parallelRows };
}
