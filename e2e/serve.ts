/**
 * Starts the real server (core/server's factory) for the browser tests: port 0, a temp
 * workspace seeded from examples/, the built-in nodes, the example node pack
 * (examples/packs/tensorloom-pack-skew) and two test-only ones: a slow node for the cancel
 * test and a version-2 node with a migration for the old-file test. Prints one JSON line
 * `{ url, launchUrl, token, workspace }` and runs until SIGTERM/SIGINT. Run with tsx; e2e/global-setup.ts and bench/ui use it.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sleep } from '../core/engine/test-support/fixture-nodes.js';
import { offsetNode } from '../core/graph/test-support/versioned-node.js';
import { composeRegistry } from '../core/graph/compose.js';
import { loadPacks } from '../core/packs/index.js';
import { createServer } from '../core/server/index.js';
import { builtinNodes } from '../nodes/index.js';

const repo = fileURLToPath(new URL('../', import.meta.url));
const workspace = process.env.E2E_WORKSPACE ?? mkdtempSync(join(tmpdir(), 'tensorloom-e2e-'));
const seed = process.env.E2E_SEED !== '0';
if (seed) {
  // Pipelines and data at the root (relative paths of a new pipeline resolve there) and the
  // same files under examples/ for the gallery.
  const copyExamples = (to: string) => cpSync(join(repo, 'examples'), to, { recursive: true, filter: (path) => !path.includes('.tensorloom') });
  copyExamples(workspace);
  copyExamples(join(workspace, 'examples'));
}

// The example node pack, as TENSORLOOM_PLUGINS would list its folder, for the palette's pack group (e2e/packs.spec.ts).
const packs = await loadPacks({ plugins: [join(repo, 'examples', 'packs', 'tensorloom-pack-skew')], builtins: builtinNodes });
const registry = composeRegistry({ builtins: builtinNodes, packs, extra: [sleep, offsetNode] });
const server = await createServer({
  workspaceRoot: workspace,
  registry,
  port: 0,
  rendererDir: process.env.E2E_RENDERER_DIR ?? join(repo, 'dist', 'renderer'),
  log: (message) => process.stderr.write(`[server] ${message}\n`),
});
process.stdout.write(JSON.stringify({ url: server.url, launchUrl: server.launchUrl, token: server.token, workspace }) + '\n');

let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  await server.close().catch(() => undefined);
  if (!process.env.E2E_WORKSPACE && process.env.E2E_KEEP_WORKSPACE !== '1') rmSync(workspace, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
// The parent closing our stdin (it exited or crashed) also ends us: no orphaned servers.
process.stdin.on('end', () => void stop());
process.stdin.resume();
