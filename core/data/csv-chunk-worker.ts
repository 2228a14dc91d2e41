/**
 * Entry of a CSV helper thread (started by csv-chunks.ts): parses the byte ranges it is
 * sent and moves the columns' buffers back.
 */
import { parentPort } from 'node:worker_threads';
import { parseFileRange, resultBuffers, type FromChunkWorker, type ToChunkWorker } from './csv-chunks.js';

const port = parentPort;
if (port === null) throw new Error('csv-chunk-worker runs as a worker thread');

port.on('message', (message: ToChunkWorker) => {
  parseFileRange(message.path, message.range, message.settings, message.tuning).then(
    (result) => port.postMessage({ id: message.id, result } satisfies FromChunkWorker, result ? resultBuffers(result) : []),
    (error: unknown) => port.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) } satisfies FromChunkWorker),
  );
});
port.postMessage({ ready: true } satisfies FromChunkWorker);
