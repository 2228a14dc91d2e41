/**
 * What `tensorloom serve|export <model>` accept: a model bundle folder, a model artifact id
 * (`sha256:…` from a run's outputs) in the workspace store, or a registry reference
 * (`name@alias`, `name@version`, `name@latest`) into the workspace's model registry.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { modelDigest, readModelBundle, type Lineage } from '../core/deploy/index.js';
import { isNodeError } from '../core/base/errors.js';
import { isArtifactHash } from '../core/store/index.js';
import { isRegistryError, looksLikeModelRef, MODEL_NAME_PATTERN, ModelRegistry } from '../core/registry/index.js';
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
  /** For a registry reference: the model's name and the version it resolved to. */
  readonly registry?: { readonly name: string; readonly version: number; readonly alias?: string; readonly archived: boolean };
}

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
  if (looksLikeModelRef(ref)) return resolveRegistryRef(ref, workspaceFlag);
  if (/^sha256:/i.test(ref)) throw new UsageError(`model '${ref}': not a model id (expected sha256: and 64 lowercase hex digits)`);
  if (MODEL_NAME_PATTERN.test(ref) && registeredName(ref, workspaceFlag)) {
    throw new UsageError(`model '${ref}': no such folder, but a registered model of that name; name a version: ${ref}@<version>, ${ref}@<alias> or ${ref}@latest (see: tensorloom models show ${ref})`);
  }
  throw new UsageError(`model '${ref}': no such folder; pass a model bundle folder, a sha256: model id from 'tensorloom show <run>', or a registered model as name@alias or name@version`);
}

/** `name@alias`, `name@3`, `name@latest`: the version's bundle in the workspace's store. */
function resolveRegistryRef(ref: string, workspaceFlag: string | undefined): ResolvedModel {
  const workspace = findWorkspace(workspaceFlag);
  const store = openStore(workspace, { cleanTemp: false });
  try {
    let found;
    try {
      found = new ModelRegistry(store).resolve(ref);
    } catch (error) {
      if (isRegistryError(error)) throw new UsageError(error.message);
      throw error;
    }
    const { record } = found;
    if (store.artifacts.kindOf(record.artifact) !== 'dir') throw new UsageError(`model '${ref}': version ${record.version}'s bundle ${record.artifact} is missing from the workspace store`, 1);
    const dir = store.artifacts.pathOf(record.artifact);
    checkBundle(dir, ref);
    const trained = record.lineage;
    const lineage: ResolvedModel['lineage'] =
      trained.runId === null
        ? {}
        : {
            runId: trained.runId,
            dataHashes: [...trained.dataHashes],
            ...(trained.nodeId === null ? {} : { nodeId: trained.nodeId }),
            ...(trained.pipelineHash === null ? {} : { pipelineHash: trained.pipelineHash }),
          };
    return {
      dir,
      digest: record.artifact,
      lineage,
      workspace,
      registry: { name: record.name, version: record.version, ...(found.alias === undefined ? {} : { alias: found.alias }), archived: record.archivedAt !== null },
    };
  } finally {
    store.close();
  }
}

/** Whether the workspace (if there is one) has a registered model called `name`. */
function registeredName(name: string, workspaceFlag: string | undefined): boolean {
  let workspace: string;
  try {
    workspace = findWorkspace(workspaceFlag);
  } catch {
    return false;
  }
  const store = openStore(workspace, { cleanTemp: false });
  try {
    return new ModelRegistry(store).list().some((model) => model.name === name);
  } finally {
    store.close();
  }
}
