/** Backend choice as a user sets it: mistakes are NodeErrors (no stack), and never stick to the thread. */
import { describe, expect, it } from 'vitest';
import { isNodeError } from '../base/errors.js';
import { loadBackend } from './backend.js';

describe('loadBackend', () => {
  it('refuses an unknown TENSORLOOM_BACKEND with the choices, then still loads a real one', async () => {
    const error: unknown = await loadBackend('gpu').catch((caught: unknown) => caught);
    expect(isNodeError(error)).toBe(true);
    expect((error as Error).message).toBe("TENSORLOOM_BACKEND='gpu' is not a backend; use one of tensorflow-gpu, webgpu, tensorflow, wasm, cpu (or unset it)");
    expect((await loadBackend('wasm')).name).toBe('wasm');
  });
});
