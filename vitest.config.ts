import { defineConfig } from 'vitest/config';

export default defineConfig({
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
