import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startModelServer } from '../../core/serve/model-server.js';
import { checkModelName, DEFAULT_LIMITS, DEFAULT_SHUTDOWN_GRACE_MS, ServeSettingsError } from '../../core/serve/settings.js';
import { bold, dim, UsageError } from '../output.js';
import { findWorkspace, STORE_DIR } from '../workspace.js';
import { ArtifactStore, isArtifactHash } from '../../core/store/index.js';

export interface ServeOptions {
  model: string;
  name?: string;
  port?: number;
  host?: string;
  workspace?: string;
  maxBodyBytes?: number;
  maxBatchRows?: number;
}

/** A bundle folder, or a `sha256:…` model id from a run's outputs (looked up in the workspace). */
function modelFolder(reference: string, workspace: string | undefined): string {
  if (isArtifactHash(reference)) {
    const root = findWorkspace(workspace);
    const dir = new ArtifactStore(join(root, STORE_DIR)).pathOf(reference);
    if (!existsSync(dir)) throw new UsageError(`${reference}: no such artifact in the workspace ${root} (see 'tensorloom show <run>' for a run's outputs)`);
    return dir;
  }
  const dir = resolve(reference);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${reference}: not a model bundle folder (a folder with bundle.json, model.json and weights.bin) nor a sha256: model id`);
  if (!existsSync(join(dir, 'bundle.json'))) throw new UsageError(`${reference}: no bundle.json in this folder; pass the folder of a trained model (train.dense's model output)`);
  return dir;
}

/**
 * `tensorloom serve`: the model server of the exported images, run locally on 127.0.0.1
 * until Ctrl-C or SIGTERM, which finish in-flight requests before exiting 0.
 */
export async function serveCommand(options: ServeOptions): Promise<number> {
  const err = process.stderr;
  const modelDir = modelFolder(options.model, options.workspace);
  let server;
  try {
    server = await startModelServer({
      modelDir,
      name: checkModelName(options.name ?? 'model', '--name'),
      version: '1',
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 8080,
      limits: { maxBodyBytes: options.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes, maxBatchRows: options.maxBatchRows ?? DEFAULT_LIMITS.maxBatchRows },
      shutdownGraceMs: DEFAULT_SHUTDOWN_GRACE_MS,
      ...(isArtifactHash(options.model) ? { lineage: { digest: options.model } } : {}),
      log: (line) => err.write(dim(line, err) + '\n'),
    });
  } catch (error) {
    if (error instanceof ServeSettingsError || (error instanceof Error && error.name === 'NodeError')) throw new UsageError(error.message);
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new UsageError(`port ${options.port ?? 8080} is taken; pass --port N (0 picks a free one)`);
    throw error;
  }
  const stopped = new Promise<NodeJS.Signals>((done) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  // stdout carries only the URL line, so scripts (and tests) can read it.
  process.stdout.write(`Model server: ${server.url}\n`);
  err.write(dim(`POST ${server.url}/v1/models/${server.name}:predict · POST ${server.url}/v2/models/${server.name}/infer · GET ${server.url}/metrics · Ctrl-C to stop`, err) + '\n');
  const signal = await stopped;
  const force = () => process.exit(130);
  process.once('SIGINT', force);
  err.write(bold(`tensorloom: ${signal}: finishing in-flight requests…`, err) + '\n');
  await server.close();
  process.off('SIGINT', force);
  return 0;
}
