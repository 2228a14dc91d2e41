import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { WorkspaceStore } from '../core/store/index.js';
import { UsageError } from './output.js';

export const STORE_DIR = '.tensorloom';

/** The workspace for a pipeline: `--workspace DIR`, else the pipeline's folder. */
export function workspaceFor(pipelinePath: string, flag: string | undefined): string {
  const root = resolve(flag ?? dirname(pipelinePath));
  if (flag !== undefined) {
    if (!existsSync(root)) mkdirSync(root, { recursive: true });
    else if (!statSync(root).isDirectory()) throw new UsageError(`--workspace ${flag}: not a folder`);
  }
  return root;
}

/**
 * The workspace for commands without a pipeline (runs, show): `--workspace DIR`, else the
 * nearest folder from here upwards that holds a .tensorloom store.
 */
export function findWorkspace(flag: string | undefined): string {
  if (flag !== undefined) {
    const root = resolve(flag);
    if (!existsSync(join(root, STORE_DIR))) throw new UsageError(`--workspace ${flag}: no ${STORE_DIR} folder there yet (run a pipeline in it first)`);
    return root;
  }
  for (let dir = process.cwd(); ; dir = dirname(dir)) {
    if (existsSync(join(dir, STORE_DIR))) return dir;
    if (dirname(dir) === dir) break;
  }
  throw new UsageError(`no workspace here: no ${STORE_DIR} folder in ${process.cwd()} or above; pass --workspace DIR (the folder of the pipeline you ran)`);
}

export function openStore(root: string, options: { cleanTemp?: boolean } = {}): WorkspaceStore {
  const store = WorkspaceStore.open(join(root, STORE_DIR));
  if (options.cleanTemp !== false) store.artifacts.cleanTemp(); // leftovers of processes that were killed mid-write
  return store;
}
