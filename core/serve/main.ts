/**
 * The model server's process entry: the container image runs this file (bundled into one
 * server.mjs by the export). Settings come from the environment so the same image runs
 * on Docker, Kubernetes and KServe without rebuilding:
 *   MODEL_DIR (default: ./model beside this file), MODEL_NAME (default 'model'),
 *   MODEL_VERSION (default '1'), PORT (default 8080), HOST (default 0.0.0.0),
 *   MAX_BODY_BYTES, MAX_BATCH_ROWS, SHUTDOWN_GRACE_MS,
 *   PREDICTION_LOG_DIR (default /tmp/tensorloom/predictions/<MODEL_NAME>), PREDICTION_LOG=off,
 *   LOG_SAMPLE, LOG_FLUSH_MS, LOG_MAX_FILE_BYTES, ACCESS_LOG=off (JSON lines on stderr).
 * The image serves its pinned version: no registry, no hot reload.
 * SIGTERM and SIGINT stop accepting connections, finish in-flight requests, then exit 0.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { startModelServer } from './model-server.js';
import { serveSettingsFromEnv } from './settings.js';

// A bad setting or an unreadable model is the operator's to fix: one line, exit 1, no stack.
const server = await Promise.resolve()
  .then(() => startModelServer(serveSettingsFromEnv(process.env, join(dirname(fileURLToPath(import.meta.url)), 'model'))))
  .catch((error: unknown) => {
    process.stderr.write(`tensorloom-serve: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  server.log(`${signal}: draining in-flight requests`);
  void server.close().then(() => process.exit(0));
};
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
