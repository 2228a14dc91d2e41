/**
 * `GET /api/backend`: which TensorFlow.js backend runs use. The engine picks one when a node
 * first needs it and records it with the run, so the last recorded one is the answer; before
 * any, the installed packages say what is possible. Loading a backend here just to ask would
 * cost seconds (and native libraries), so nothing is loaded.
 */
import { createRequire } from 'node:module';
import { BACKEND_CHAIN, backendHint, FUSED_TRAINING, FUSED_TRAINING_HINT } from '../ml/backend-names.js';
import type { WorkspaceStore } from '../store/index.js';

export const BACKENDS = [...BACKEND_CHAIN, FUSED_TRAINING, 'unknown'] as const;
export type BackendName = (typeof BACKENDS)[number];
export interface BackendInfo {
  backend: BackendName;
  hint: string;
}

/** Fastest first, as ARCHITECTURE.md section 7 orders them. */
const PACKAGES: [BackendName, string][] = [
  ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
  ['webgpu', 'webgpu'],
  ['tensorflow', '@tensorflow/tfjs-node'],
  ['wasm', '@tensorflow/tfjs-backend-wasm'],
  ['cpu', '@tensorflow/tfjs-backend-cpu'],
];

export function installedBackends(): BackendName[] {
  const require = createRequire(import.meta.url);
  return PACKAGES.filter(([, name]) => {
    try {
      require.resolve(name);
      return true;
    } catch {
      return false;
    }
  }).map(([backend]) => backend);
}

export function lastRecordedBackend(store: WorkspaceStore): BackendInfo {
  const installed = installedBackends();
  const recent = store.listRuns({ limit: 50 }).find((run) => run.backend !== null && run.backend !== 'none');
  const forced = process.env.TENSORLOOM_BACKEND;
  if (recent?.backend) {
    // A run lists each backend its nodes used, training first ('wasm-fused,wasm'): the badge shows the first.
    const first = recent.backend.split(',')[0]!;
    const known = (BACKENDS as readonly string[]).includes(first) && first !== 'unknown';
    const hint = first === FUSED_TRAINING ? FUSED_TRAINING_HINT : known ? backendHint(first as (typeof BACKEND_CHAIN)[number]) : '';
    return {
      backend: known ? (first as BackendName) : 'unknown',
      hint: `${hint ? `${hint} ` : ''}Used by run ${recent.id}${known ? '' : ` (reported as '${recent.backend}')`}${forced ? `; TENSORLOOM_BACKEND=${forced}` : ''}.`,
    };
  }
  return {
    backend: 'unknown',
    hint:
      `chosen when a node first needs TensorFlow.js; installed: ${installed.join(', ') || 'none'}` +
      (forced ? `; TENSORLOOM_BACKEND=${forced} forces one` : ''),
  };
}
