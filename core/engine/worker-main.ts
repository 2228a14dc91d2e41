/**
 * Entry of an engine worker thread: runs one node job at a time for the main thread's
 * WorkerPool and forwards the node's reports as messages.
 */
import { parentPort } from 'node:worker_threads';
import type { AnyNodeDefinition } from '../base/define-node.js';
import { NodeError } from '../base/errors.js';
import { ensurePackModules, registerSdkResolver } from '../packs/index.js';
import { ArtifactStore } from '../store/index.js';
import { runNodeJob, ValueCache, type ContextCall, type JobReporter } from './run-node.js';
import type { ToWorker, FromWorker } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('worker-main must run in a worker thread');
// Node packs' modules (their worker nodes and step kinds) import 'tensorloom/sdk'.
registerSdkResolver();

let current: AbortController | undefined;
const values = new ValueCache(64 * 1024 * 1024);
const send = (message: FromWorker) => port.postMessage(message);
/** Requests to the main thread (ctx.state, ctx.lineage) waiting for their reply, by id. */
const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
let nextRequest = 0;

port.on('message', (message: ToWorker) => {
  if (message.type === 'abort') {
    current?.abort(new Error('cancelled'));
    return;
  }
  if (message.type === 'reply') {
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (message.ok) waiting?.resolve(message.value);
    else waiting?.reject(message.userError ? new NodeError(message.message) : new Error(message.message));
    return;
  }
  void run(message);
});

function request(call: ContextCall): Promise<unknown> {
  const id = nextRequest++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    send({ type: 'request', id, call });
  });
}

async function run(message: Extract<ToWorker, { type: 'run' }>): Promise<void> {
  const controller = new AbortController();
  current = controller;
  const reporter: JobReporter = {
    progress: (fraction, text) => send({ type: 'progress', fraction, ...(text === undefined ? {} : { message: text }) }),
    log: (level, text) => send({ type: 'log', level, message: text }),
    metric: (name, value, step) => send({ type: 'metric', name, value, ...(step === undefined ? {} : { step }) }),
    backend: (name) => send({ type: 'backend', name }),
    attach: (artifact, written) => send({ type: 'attach', artifact, written }),
    request,
  };
  try {
    // Pack step kinds first: a built-in node (training, batch prediction) may replay them.
    await ensurePackModules(message.packs);
    const loaded = (await import(message.moduleUrl)) as { default?: AnyNodeDefinition };
    const definition = loaded.default;
    if (!definition || definition.type !== message.job.nodeType) {
      send({ type: 'result', result: { ok: false, userError: false, message: `internal error: ${message.moduleUrl} does not default-export node type '${message.job.nodeType}'` } });
      return;
    }
    const artifacts = new ArtifactStore(message.storeDir);
    const result = await runNodeJob(definition, message.job, artifacts, reporter, controller.signal, values);
    send({ type: 'result', result });
  } catch (error) {
    send({ type: 'result', result: { ok: false, userError: false, message: `internal error: ${String(error)}` } });
  } finally {
    if (current === controller) current = undefined;
  }
}
