import { relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The slowest test files, longest first (CI, 2 cores: 125 s down to 25 s). On a clean clone
 * vitest has no durations cached and starts the largest files first, a poor guess: a 100 s
 * file that starts late keeps one worker busy long after the other ran out of files. These
 * start first, the rest keep vitest's order. Once the cache knows every file's duration (a
 * second local run), vitest's own longest-first order is used as it is.
 */
const SLOW_FILES = [
  'cli/export.test.ts',
  'cli/run-only.test.ts',
  'cli/models.test.ts',
  'nodes/registry/register.test.ts',
  'cli/tracking.test.ts',
  'cli/run.test.ts',
  'cli/packs.test.ts',
  'cli/commands.test.ts',
  'core/deploy/argo-rehearsal.e2e.test.ts',
  'cli/monitoring-loop.test.ts',
  'cli/migrate.test.ts',
  'core/deploy/docker.e2e.test.ts',
  'cli/examples.test.ts',
  'core/serve/monitoring.test.ts',
  'nodes/data/write-escape.test.ts',
  'cli/serve.test.ts',
  'cli/gc.test.ts',
  'core/serve/model-server.test.ts',
];

class SlowFilesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const path = (file: TestSpecification) => relative(this.ctx.config.root, file.moduleId).split(sep).join('/');
    if (sorted.every((file) => this.ctx.cache.getFileTestResults(`${file.project.name}:${relative(this.ctx.config.root, file.moduleId)}`))) return sorted;
    const rank = (file: TestSpecification) => {
      const index = SLOW_FILES.indexOf(path(file));
      return index === -1 ? SLOW_FILES.length : index;
    };
    return sorted
      .map((file, order) => ({ file, order }))
      .sort((a, b) => rank(a.file) - rank(b.file) || a.order - b.order)
      .map(({ file }) => file);
  }
}

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
    sequence: { sequencer: SlowFilesFirst },
    // The CLI tests start the CLI compiled once per run (cli/test-support/compiled-cli.ts).
    globalSetup: ['cli/test-support/global-setup.ts'],
    // The JSON report gives CI its closing 'N passed, N failed' line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
