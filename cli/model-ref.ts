/**
 * What `tensorloom export <model>` accepts: a model bundle folder, or a model artifact id
 * (`sha256:…` from a run's outputs) in the workspace store. `name@alias` / `name@version`
 * are registry references, which need the model registry (not built yet).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { modelDigest, readModelBundle, type Lineage } from '../core/deploy/index.js';
import { isNodeError } from '../core/base/errors.js';
import { isArtifactHash } from '../core/store/index.js';
import { UsageError } from './output.js';
import { findWorkspace, openStore, STORE_DIR } from './workspace.js';

export interface ResolvedModel {
  /** The model bundle folder. */
  readonly dir: string;
  /** sha256 of the folder, as the artifact store names it. */
  readonly digest: string;
  /** What the workspace store knows about the run that produced it (empty when nothing). */
  readonly lineage: Lineage & { readonly nodeId?: string };
  /** The workspace whose store was consulted, if any. */
  readonly workspace: string | undefined;
}

const REGISTRY_REF = /^[A-Za-z0-9][\w.-]*@[\w.-]+$/;

function checkBundle(dir: string, ref: string): void {
  try {
    readModelBundle(dir);
  } catch (error) {
    if (isNodeError(error)) throw new UsageError(`model '${ref}': ${error.message.replace(/^model: /, '')}`);
    throw error;
  }
}

/** The workspace to look lineage up in: --workspace, else the nearest one from here or from the folder upwards. */
function lineageWorkspace(flag: string | undefined, folder: string): string | undefined {
  if (flag !== undefined) return findWorkspace(flag);
  for (const start of [process.cwd(), folder]) {
    for (let dir = start; ; dir = dirname(dir)) {
      if (existsSync(join(dir, STORE_DIR, 'tensorloom.db'))) return dir;
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

function lineageIn(workspace: string | undefined, digest: string): ResolvedModel['lineage'] {
  if (workspace === undefined) return {};
  const store = openStore(workspace);
  try {
    const found = store.artifactLineage(digest);
    return found ? { runId: found.runId, pipelineHash: found.pipelineHash, dataHashes: found.dataHashes, nodeId: found.nodeId } : {};
  } finally {
    store.close();
  }
}

export async function resolveModelRef(ref: string, workspaceFlag?: string): Promise<ResolvedModel> {
  if (isArtifactHash(ref)) {
    const workspace = findWorkspace(workspaceFlag);
    const store = openStore(workspace);
    let dir: string;
    try {
      const kind = store.artifacts.kindOf(ref);
      if (kind === undefined) {
        throw new UsageError(`model '${ref}': no such artifact in the workspace ${workspace}; model ids are the train node's 'model' output in 'tensorloom show <run>' (pass --workspace for another workspace)`);
      }
      dir = store.artifacts.pathOf(ref);
      if (kind !== 'dir') throw new UsageError(`model '${ref}': that artifact is a file, not a model bundle; pass the 'model' output of a train node`);
    } finally {
      store.close();
    }
    checkBundle(dir, ref);
    return { dir, digest: ref, lineage: lineageIn(workspace, ref), workspace };
  }
  const dir = resolve(ref);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new UsageError(`model '${ref}': a file; pass the model bundle folder (the one holding bundle.json)`);
    checkBundle(dir, ref);
    const digest = await modelDigest(dir);
    const workspace = lineageWorkspace(workspaceFlag, dir);
    return { dir, digest, lineage: lineageIn(workspace, digest), workspace };
  }
  if (REGISTRY_REF.test(ref)) {
    throw new UsageError(
      `model '${ref}': registry references (name@alias, name@version) need the model registry, which is not there yet; pass a model bundle folder or a sha256: model id from 'tensorloom show <run>'`,
    );
  }
  if (/^sha256:/i.test(ref)) throw new UsageError(`model '${ref}': not a model id (expected sha256: and 64 lowercase hex digits)`);
  throw new UsageError(`model '${ref}': no such folder; pass a model bundle folder or a sha256: model id from 'tensorloom show <run>'`);
}
