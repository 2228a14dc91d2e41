/**
 * vitest's global setup: compiles the CLI once for this test run (see compiled-cli.ts) and
 * hands its entry to the test workers in TENSORLOOM_TEST_CLI_ENTRY. TENSORLOOM_TEST_CLI=sources
 * skips it: the tests then start the CLI from the TypeScript sources through tsx, as they also
 * do when the build fails (a file that does not parse fails only the tests that load it then).
 */
import { rmSync } from 'node:fs';
import { compileCli } from './compiled-cli.js';

export default async function setup(): Promise<(() => void) | undefined> {
  if (process.env.TENSORLOOM_TEST_CLI === 'sources') return undefined;
  let build;
  try {
    build = await compileCli();
  } catch (error) {
    process.stderr.write(`cli/test-support: the CLI was not compiled (${error instanceof Error ? error.message : String(error)}); the CLI tests start it from the sources through tsx\n`);
    return undefined;
  }
  process.env.TENSORLOOM_TEST_CLI_ENTRY = build.entry;
  return () => rmSync(build.root, { recursive: true, force: true });
}
