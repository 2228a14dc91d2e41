/**
 * Backend names and their hints, without loading TensorFlow.js (the API server reads them).
 * Fastest first (ARCHITECTURE.md section 7); backend.ts loads them.
 */
export const BACKEND_CHAIN = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_CHAIN)[number];

/**
 * What a run records when train.dense trained, or predict.batch / eval.model predicted, on the
 * fused WebAssembly kernel (core/ml/fused) rather than through a TF.js backend; nodes that ran
 * TF.js ops name their TF.js backend.
 */
export const FUSED_TRAINING = 'wasm-fused';
export const FUSED_TRAINING_HINT =
  "Training on the CPU with Tensorloom's fused WebAssembly kernel (SIMD, one call per step, and one per 512 rows when predicting). For the GPU, install @tensorflow/tfjs-node-gpu with CUDA and cuDNN.";

/** A one-line hint for the UI's backend badge. */
export function backendHint(name: BackendName): string {
  switch (name) {
    case 'tensorflow-gpu':
      return 'Training on the GPU with native TensorFlow (CUDA).';
    case 'webgpu':
      return 'Training on the GPU through WebGPU.';
    case 'tensorflow':
      return 'Native TensorFlow on the CPU. For the GPU, install @tensorflow/tfjs-node-gpu with CUDA and cuDNN.';
    case 'wasm':
      return 'WebAssembly (SIMD) on the CPU: works everywhere. For speed, install @tensorflow/tfjs-node (native CPU) or @tensorflow/tfjs-node-gpu (CUDA GPU).';
    case 'cpu':
      return 'Plain JavaScript on the CPU: the slowest backend. Install @tensorflow/tfjs-node for native speed.';
  }
}
