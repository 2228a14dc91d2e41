import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Node packs import the SDK as 'tensorloom/sdk'. The app maps it with a module hook
  // (core/packs/sdk-resolver.ts) that Vite's module runner does not consult: map it here too.
  resolve: { alias: { 'tensorloom/sdk': fileURLToPath(new URL('./core/sdk/index.ts', import.meta.url)) } },
  test: {
    include: ['core/**/*.test.ts', 'nodes/**/*.test.ts', 'cli/**/*.test.ts', 'electron/**/*.test.ts', 'renderer/src/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Two cores here: keep parallel test files modest so timing-sensitive tests (cancel) stay honest.
    maxWorkers: 2,
    // The JSON report gives CI its closing 'N passed, N failed' line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
