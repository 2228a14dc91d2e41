import { useUi } from '../app/instance';

const LABELS: Record<string, { text: string; tone: string }> = {
  'tensorflow-gpu': { text: 'GPU · CUDA', tone: 'good' },
  webgpu: { text: 'GPU · WebGPU', tone: 'good' },
  tensorflow: { text: 'native CPU', tone: 'ok' },
  wasm: { text: 'WASM CPU', tone: 'slow' },
  cpu: { text: 'JS CPU', tone: 'slow' },
  unknown: { text: 'TF.js · not loaded yet', tone: 'idle' },
};

const GPU_HINT =
  'Training runs on the GPU when @tensorflow/tfjs-node-gpu loads (Linux, NVIDIA driver + CUDA 11.x/cuDNN 8). ' +
  'Install it next to Tensorloom, restart, and this badge turns green. TENSORLOOM_BACKEND forces a backend.';

/** Which TensorFlow.js backend the engine loaded (GET /api/backend), with how to get the GPU one. */
export function BackendBadge() {
  const backend = useUi((state) => state.backend);
  if (!backend) return null;
  const label = LABELS[backend.backend] ?? { text: backend.backend, tone: 'ok' };
  const onGpu = backend.backend === 'tensorflow-gpu' || backend.backend === 'webgpu';
  return (
    <div className={`backend-badge tone-${label.tone}`} data-testid="backend-badge" data-backend={backend.backend} tabIndex={0}>
      <span className="backend-badge__dot" />
      {label.text}
      <div className="backend-badge__tip" role="tooltip">
        <b>TensorFlow.js backend: {backend.backend}</b>
        {backend.hint && <p>{backend.hint}</p>}
        {!onGpu && <p>{GPU_HINT}</p>}
      </div>
    </div>
  );
}
