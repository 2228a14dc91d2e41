/**
 * Builds the UI if needed and starts the real server (e2e/serve.ts) once for the run. Tests
 * read its URL and token from the environment; the returned function stops it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { ensureUiBuilt } from './build-ui.js';
import { startServerProcess } from './server-process.js';

export default async function globalSetup(): Promise<() => Promise<void>> {
  const browser = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(browser)) {
    throw new Error(`the browser tests need Chromium at ${browser}: install Debian's (apt-get install chromium) or set CHROMIUM_PATH; 'npm run test:unit' runs everything else`);
  }
  mkdirSync('test-results/e2e', { recursive: true });
  ensureUiBuilt();
  const server = await startServerProcess();
  // Workers are started after global setup and inherit its environment.
  process.env.E2E_URL = server.info.url;
  process.env.E2E_LAUNCH_URL = server.info.launchUrl;
  process.env.E2E_TOKEN = server.info.token;
  process.env.E2E_WORKSPACE_DIR = server.info.workspace;
  return () => server.stop();
}
