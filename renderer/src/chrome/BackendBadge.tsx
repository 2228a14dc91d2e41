import { useUi } from '../app/context';

const LABELS: Record<string, { text: string; tone: string }> = {
  'tensorflow-gpu': { text: 'GPU · CUDA', tone: 'good' },
  webgpu: { text: 'GPU · WebGPU', tone: 'good' },
  tensorflow: { text: 'native CPU', tone: 'ok' },
  'wasm-fused': { text: 'fused CPU', tone: 'ok' },
  wasm: { text: 'WASM CPU', tone: 'slow' },
  cpu: { text: 'JS CPU', tone: 'slow' },
  unknown: { text: 'TF.js · not loaded yet', tone: 'idle' },
};

const GPU_HINT =
  'Training runs on the GPU when @tensorflow/tfjs-node-gpu loads (Linux, NVIDIA driver + CUDA 11.x/cuDNN 8). ' +
  'Install it next to Tensorloom, restart, and this badge turns green. TENSORLOOM_BACKEND forces a backend.';

/**
 * Which TensorFlow.js backend the engine loaded (GET /api/backend), with how to get the GPU
 * one. The badge is as wide as its longest label whatever it says, so the toolbar does not
 * shift when the engine loads its backend after the first run.
 */
export function BackendBadge() {
  const backend = useUi((state) => state.backend);
  if (!backend) {
    return (
      <div className="backend-badge backend-badge--pending" aria-hidden>
        <span className="backend-badge__dot" />
        {labelStack(undefined)}
      </div>
    );
  }
  const label = LABELS[backend.backend] ?? { text: backend.backend, tone: 'ok' };
  const onGpu = backend.backend === 'tensorflow-gpu' || backend.backend === 'webgpu';
  return (
    <div className={`backend-badge tone-${label.tone}`} data-testid="backend-badge" data-backend={backend.backend} tabIndex={0}>
      <span className="backend-badge__dot" />
      {labelStack(label.text)}
      <div className="backend-badge__tip" role="tooltip">
        <b>TensorFlow.js backend: {backend.backend}</b>
        {backend.hint && <p>{backend.hint}</p>}
        {!onGpu && <p>{GPU_HINT}</p>}
      </div>
    </div>
  );
}

/** Every label in one grid cell, only `current` visible: the cell takes the widest one's width. */
function labelStack(current: string | undefined) {
  const texts = Object.values(LABELS).map((label) => label.text);
  if (current !== undefined && !texts.includes(current)) texts.push(current);
  return (
    <span className="backend-badge__labels">
      {texts.map((text) => (
        <span key={text} className={text === current ? 'is-current' : undefined}>
          {text}
        </span>
      ))}
    </span>
  );
}
