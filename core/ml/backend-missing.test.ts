/** A forced backend that is not installed here is a clear NodeError naming why, not an internal error. */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { isNodeError } from '../base/errors.js';
import { loadBackend } from './backend.js';

// Its own file: a thread loads one backend, so this must be the first call in the process.
const installed = (() => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node-gpu');
    return true;
  } catch {
    return false;
  }
})();

describe('loadBackend with a forced native backend that is absent', () => {
  it.skipIf(installed)('says it cannot load and why', async () => {
    const error: unknown = await loadBackend('tensorflow-gpu').catch((caught: unknown) => caught);
    expect(isNodeError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^TENSORLOOM_BACKEND=tensorflow-gpu cannot load \(tensorflow-gpu: .+\); unset it to use the fastest backend that works$/);
  });
});
