import { afterEach, describe, expect, it, vi } from 'vitest';
import { isNodeError } from '../base/errors.js';

function missingPackage(name: string): Error {
  return Object.assign(new Error(`Cannot find package '${name}' imported from /app/cli.mjs`), { code: 'ERR_MODULE_NOT_FOUND' });
}

describe('exportModelImage without the packaging tools', () => {
  afterEach(() => {
    vi.doUnmock('./index.js');
    vi.resetModules();
  });

  it('says that esbuild is missing (as in the batch image) as a node error, not a stack', async () => {
    vi.doMock('./index.js', () => ({
      modelDigest: async () => 'sha256:' + '0'.repeat(64),
      writeBuildContext: async () => {
        throw missingPackage('esbuild');
      },
    }));
    const { exportModelImage } = await import('./model-image.js');
    const error = await exportModelImage({ modelDir: '/nowhere/model', outDir: '/nowhere/out', tag: 'p:1', name: 'p', build: false }).catch((caught: unknown) => caught);
    expect(isNodeError(error)).toBe(true);
    expect((error as Error).message).toBe("packaging an image needs 'esbuild', which this installation lacks (the batch image leaves it out); run deploy.container from the app or the tensorloom CLI");
  });

  it('lets any other missing module through as the bug it is', async () => {
    vi.doMock('./index.js', () => ({
      modelDigest: async () => 'sha256:' + '0'.repeat(64),
      writeBuildContext: async () => {
        throw missingPackage('left-pad');
      },
    }));
    const { exportModelImage } = await import('./model-image.js');
    const error = await exportModelImage({ modelDir: '/nowhere/model', outDir: '/nowhere/out', tag: 'p:1', name: 'p', build: false }).catch((caught: unknown) => caught);
    expect(isNodeError(error)).toBe(false);
    expect((error as Error).message).toContain("'left-pad'");
  });
});
