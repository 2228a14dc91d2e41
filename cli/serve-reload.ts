/**
 * Hot reload for `tensorloom serve name@alias`: polls the workspace's registry (one indexed
 * query a second on a connection kept open; WAL readers never block the writer) and, when the
 * alias points at another version, swaps the server to it. The swap itself is the server's
 * (core/serve/model-server.ts `swap`): requests in flight finish on the old model, new ones
 * use the new one. A version that fails to load leaves the old one serving, and is tried again
 * only after the alias moves once more.
 */
import { ModelRegistry } from '../core/registry/index.js';
import type { ModelServer } from '../core/serve/model-server.js';
import { openStore } from './workspace.js';

export const DEFAULT_RELOAD_POLL_MS = 1000;

export interface AliasWatch {
  stop(): Promise<void>;
}

export function watchAlias(options: {
  workspace: string;
  name: string;
  alias: string;
  server: ModelServer;
  servedVersion: number;
  lineage: Readonly<Record<string, string>>;
  log: (line: string) => void;
  pollMs?: number;
}): AliasWatch {
  const { server, log } = options;
  const store = openStore(options.workspace, { cleanTemp: false });
  const registry = new ModelRegistry(store);
  const ref = `${options.name}@${options.alias}`;
  let seen = options.servedVersion;
  let busy: Promise<void> = Promise.resolve();
  let checking = false;
  let stopped = false;
  let lastError = '';

  const check = async () => {
    let found;
    try {
      found = registry.resolve(ref);
    } catch (error) {
      // The alias removed, or the database busy for a moment: keep serving what is served.
      const message = (error as Error).message;
      if (message !== lastError) log(`reload: ${ref}: ${message}; still serving version ${server.version}`);
      lastError = message;
      return;
    }
    lastError = '';
    const { record } = found;
    if (record.version === seen) return;
    seen = record.version;
    if (store.artifacts.kindOf(record.artifact) !== 'dir') {
      log(`reload: ${ref} moved to version ${record.version}, whose bundle ${record.artifact} is missing from the store; still serving version ${server.version}`);
      return;
    }
    log(`reload: ${ref} moved to version ${record.version}; loading it`);
    const lineage: Record<string, string> = { ...options.lineage, digest: record.artifact };
    delete lineage.run_id;
    delete lineage.pipeline_hash;
    if (record.lineage.runId !== null) lineage.run_id = record.lineage.runId;
    if (record.lineage.pipelineHash !== null) lineage.pipeline_hash = record.lineage.pipelineHash;
    try {
      await server.swap({ modelDir: store.artifacts.pathOf(record.artifact), version: String(record.version), lineage });
    } catch (error) {
      log(`reload: version ${record.version} did not load (${(error as Error).message}); still serving version ${server.version}`);
    }
  };

  const timer = setInterval(() => {
    if (stopped || checking) return;
    checking = true;
    busy = check().finally(() => (checking = false));
  }, options.pollMs ?? DEFAULT_RELOAD_POLL_MS);
  timer.unref();

  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await busy;
      store.close();
    },
  };
}
