import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FeatureLookupError, openFeatureLookup } from '../../core/serve/feature-lookup.js';
import { BUNDLE_FILE, type ModelBundle } from '../../core/ml/bundle-format.js';
import { startModelServer } from '../../core/serve/model-server.js';
import { createRegistry } from '../catalog.js';
import { checkModelName, DEFAULT_LIMITS, DEFAULT_SHUTDOWN_GRACE_MS, ServeSettingsError } from '../../core/serve/settings.js';
import { bold, dim, UsageError } from '../output.js';
import { resolveModelRef } from '../model-ref.js';
import { untilStopSignal, whileStopping } from '../stop-signal.js';
import { watchAlias } from '../serve-reload.js';

export interface ServeOptions {
  model: string;
  name?: string;
  port?: number;
  host?: string;
  workspace?: string;
  maxBodyBytes?: number;
  maxBatchRows?: number;
  /** The prediction log's folder (default .tensorloom/predictions/<name>/ in the workspace). */
  logDir?: string;
  /** Share of requests whose raw features are logged (default 1). */
  logSample?: number;
  /** false: no prediction log. */
  log?: boolean;
  /** false: no JSON access line per request on stderr. */
  accessLog?: boolean;
  /** false: `name@alias` keeps its starting version when the alias moves. */
  reload?: boolean;
  /** Fill requests' features from the workspace's feature store by entity key (online lookup). */
  featureStore?: boolean;
  /** --feature-views: only these views (default: every view holding some model input). */
  featureViews?: readonly string[];
}

/**
 * `tensorloom serve`: the model server of the exported images, run locally on 127.0.0.1
 * until Ctrl-C or SIGTERM, which finish in-flight requests before exiting 0.
 */
export async function serveCommand(options: ServeOptions): Promise<number> {
  const err = process.stderr;
  const model = await resolveModelRef(options.model, options.workspace);
  // The workspace's node packs register their recipe step kinds, so the model's steps replay.
  const workspace = resolve(options.workspace ?? model.workspace ?? '.');
  await createRegistry({ workspace });
  const lineage: Record<string, string> = { digest: model.digest };
  if (model.lineage.runId) lineage.run_id = model.lineage.runId;
  if (model.lineage.pipelineHash) lineage.pipeline_hash = model.lineage.pipelineHash;
  // A registry reference serves that version, under the model's name unless --name says otherwise.
  const registered = model.registry;
  if (registered) {
    lineage.registered_model = registered.name;
    if (registered.alias !== undefined) lineage.alias = registered.alias;
    if (registered.archived) err.write(dim(`note: ${registered.name} version ${registered.version} is archived`, err) + '\n');
  }
  let name: string;
  try {
    name = checkModelName(options.name ?? registered?.name ?? 'model', '--name');
  } catch (error) {
    throw error instanceof ServeSettingsError ? new UsageError(error.message) : error;
  }
  let featureLookup: ReturnType<typeof openFeatureLookup> | undefined;
  if (options.featureStore) {
    try {
      const bundle = JSON.parse(readFileSync(join(model.dir, BUNDLE_FILE), 'utf8')) as ModelBundle;
      featureLookup = openFeatureLookup({ dotDir: join(workspace, '.tensorloom'), bundle, ...(options.featureViews ? { views: options.featureViews } : {}) });
    } catch (error) {
      if (error instanceof FeatureLookupError || (error instanceof Error && error.name === 'NodeError')) throw new UsageError(error.message);
      throw error;
    }
    err.write(dim(`online features from ${featureLookup.views.map((view) => `'${view}'`).join(', ')}: send entity keys instead of those features`, err) + '\n');
  }
  let server;
  try {
    server = await startModelServer({
      modelDir: model.dir,
      name,
      version: registered === undefined ? '1' : String(registered.version),
      host: options.host ?? '127.0.0.1',
      port: options.port ?? 8080,
      limits: { maxBodyBytes: options.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes, maxBatchRows: options.maxBatchRows ?? DEFAULT_LIMITS.maxBatchRows },
      shutdownGraceMs: DEFAULT_SHUTDOWN_GRACE_MS,
      lineage,
      log: (line) => err.write(dim(line, err) + '\n'),
      ...(options.log === false ? {} : { predictionLog: { dir: resolve(options.logDir ?? join(workspace, '.tensorloom', 'predictions', name)), sample: options.logSample ?? 1 } }),
      ...(options.accessLog === false ? {} : { accessLog: (bytes: Uint8Array) => err.write(bytes) }),
      ...(featureLookup ? { featureLookup } : {}),
    });
  } catch (error) {
    featureLookup?.close();
    if (error instanceof ServeSettingsError || (error instanceof Error && error.name === 'NodeError')) throw new UsageError(error.message);
    const port = options.port ?? 8080;
    const host = options.host ?? '127.0.0.1';
    switch ((error as NodeJS.ErrnoException).code) {
      case 'EADDRINUSE':
        throw new UsageError(`port ${port} is taken; pass --port N (0 picks a free one)`);
      case 'EACCES':
        throw new UsageError(`port ${port} needs privileges this user lacks; pass --port 1024 or higher (0 picks a free one)`);
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        throw new UsageError(`--host ${host}: no such host name`);
      case 'EADDRNOTAVAIL':
        throw new UsageError(`--host ${host}: not an address of this machine (127.0.0.1 for this machine only, 0.0.0.0 for every interface)`);
    }
    throw error;
  }
  // name@alias follows the alias: a promotion reaches this server within about a second.
  const watch =
    registered?.alias !== undefined && options.reload !== false && model.workspace !== undefined
      ? watchAlias({ workspace: model.workspace, name: registered.name, alias: registered.alias, server, servedVersion: registered.version, lineage, log: (line) => err.write(dim(line, err) + '\n') })
      : undefined;
  const stopped = untilStopSignal();
  // stdout carries only the URL line, so scripts (and tests) can read it.
  process.stdout.write(`Model server: ${server.url}\n`);
  err.write(dim(`POST ${server.url}/v1/models/${server.name}:predict · POST ${server.url}/v2/models/${server.name}/infer · GET ${server.url}/metrics · Ctrl-C to stop`, err) + '\n');
  const signal = await stopped;
  err.write(bold(`tensorloom: ${signal}: finishing in-flight requests…`, err) + '\n');
  await whileStopping(async () => {
    await watch?.stop();
    await server.close();
    featureLookup?.close();
  });
  return 0;
}
