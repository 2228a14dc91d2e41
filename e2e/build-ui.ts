/** Builds the renderer when dist/renderer/ is missing or older than its sources (e2e and bench/ui). */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../', import.meta.url));

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

export function ensureUiBuilt(): void {
  const built = join(repo, 'dist', 'renderer', 'index.html');
  const sources = Math.max(newestMtime(join(repo, 'renderer', 'src')), newestMtime(join(repo, 'renderer', 'index.html')), newestMtime(join(repo, 'vite.config.ts')));
  if (existsSync(built) && statSync(built).mtimeMs >= sources && process.env.E2E_REBUILD !== '1') return;
  const vite = join(repo, 'node_modules', 'vite', 'bin', 'vite.js');
  const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: repo, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('vite build failed');
}
