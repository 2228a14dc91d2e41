/**
 * The streams of one process (the StreamHost the engine hands to data.stream nodes).
 *
 * - In a **streaming run** (`tensorloom watch --stream`, the app's stream trigger) a
 *   StreamRunner claims a batch from the stream's inbox and offers it here; the run's
 *   data.stream node reads exactly that batch (by id).
 * - In a **plain run** (`tensorloom run`, Run in the app) the node gets a preview: the source
 *   is drained into the inbox once (MQTT: until `batchRows` messages wait or `batchSeconds`
 *   pass; folder: the files not stored yet; HTTP: what was posted), and the next
 *   `batchRows` unprocessed records are returned without moving the offset, so a plain run
 *   never takes records away from the streaming run.
 */
import { createHash } from 'node:crypto';
import { relative } from 'node:path';
import { NodeError } from '../base/errors.js';
import { resolveInside } from '../base/paths.js';
import type { StreamHost, StreamReadRequest, StreamReadResult } from '../base/stream.js';
import type { WorkspaceStore } from '../store/index.js';
import { FolderSource } from './folder-source.js';
import { StreamInbox, type ClaimedBatch } from './inbox.js';
import { MqttSource, type SourceStatus, type StreamSource } from './mqtt-source.js';

export const STREAM_SOURCES = ['mqtt', 'folder', 'http'] as const;

/** data.stream's params, as the hub reads them. */
export interface StreamParams {
  readonly source: (typeof STREAM_SOURCES)[number];
  readonly url?: string | undefined;
  readonly topic?: string | undefined;
  readonly folder?: string | undefined;
  readonly format: 'json' | 'csv';
  readonly idField?: string | undefined;
  readonly batchRows: number;
  readonly batchSeconds: number;
}

/** A stream's name: the pipeline file (relative to the workspace) and the node. */
export function streamKey(workspaceRoot: string, pipelinePath: string | null, nodeId: string): string {
  if (pipelinePath === null) throw new NodeError(`node '${nodeId}' reads a stream, which is kept per pipeline file: save the pipeline first`);
  return `${relative(workspaceRoot, pipelinePath).split('\\').join('/')}#${nodeId}`;
}

/** The MQTT client id of a stream: stable across restarts, distinct per workspace, pipeline and node. */
export function mqttClientId(workspaceRoot: string, key: string): string {
  return `tensorloom-${createHash('sha256').update(`${workspaceRoot}\0${key}`).digest('hex').slice(0, 20)}`;
}

export function streamParams(raw: Readonly<Record<string, unknown>>): StreamParams {
  return raw as unknown as StreamParams;
}

export interface SourceHooks {
  readonly onStored?: (count: number) => void;
  readonly onStatus?: (status: SourceStatus) => void;
  readonly pollMs?: number;
  readonly settleMs?: number;
}

export class StreamHub implements StreamHost {
  private readonly offered = new Map<string, ClaimedBatch>();
  /** Streams whose source runs in this process (a StreamRunner): a plain run only peeks at them. */
  private readonly consuming = new Set<string>();

  constructor(
    private readonly store: WorkspaceStore,
    private readonly workspaceRoot: string,
  ) {}

  inbox(key: string, params: StreamParams): StreamInbox {
    return new StreamInbox(this.store, key, { format: params.format, ...(params.idField ? { idField: params.idField } : {}) });
  }

  /** The source of a stream (not started). HTTP has none: the app's ingest endpoint writes the inbox. */
  source(key: string, params: StreamParams, pipelineDir: string, hooks: SourceHooks = {}): StreamSource | undefined {
    const inbox = this.inbox(key, params);
    if (params.source === 'mqtt') {
      if (!params.url || !params.topic) throw new NodeError(`stream '${key}': an MQTT source needs 'url' and 'topic'`, { field: params.url ? 'topic' : 'url' });
      return new MqttSource({ url: params.url, topic: params.topic, clientId: mqttClientId(this.workspaceRoot, key), inbox, ...hooks });
    }
    if (params.source === 'folder') {
      if (!params.folder) throw new NodeError(`stream '${key}': a folder source needs 'folder'`, { field: 'folder' });
      const dir = resolveInside(this.workspaceRoot, pipelineDir, params.folder, 'folder');
      return new FolderSource({ dir, shown: params.folder, inbox, ...hooks });
    }
    return undefined;
  }

  /** A StreamRunner hosts this stream's source here (until `release`). */
  consume(key: string): void {
    this.consuming.add(key);
  }

  release(key: string): void {
    this.consuming.delete(key);
    this.offered.delete(key);
  }

  /** The batch the next streaming run of this stream processes. */
  offer(key: string, batch: ClaimedBatch): void {
    this.offered.set(key, batch);
  }

  async read(request: StreamReadRequest, signal: AbortSignal): Promise<StreamReadResult> {
    const params = streamParams(request.params);
    const key = streamKey(this.workspaceRoot, request.pipelinePath, request.nodeId);
    const inbox = this.inbox(key, params);
    if (request.batch !== undefined) {
      const batch = this.offered.get(key);
      if (batch === undefined || batch.id !== request.batch) {
        throw new NodeError(`node '${request.nodeId}': batch ${request.batch} of stream '${key}' is not the one this process is processing`);
      }
      const stats = inbox.stats();
      return {
        columns: batch.columns,
        rows: batch.rows,
        batch: { id: batch.id, number: batch.number },
        stats: { received: stats.received, deadLetters: stats.deadLetters, backlog: Math.max(0, stats.backlog - batch.rows.length), lagMs: Math.max(0, Date.now() - batch.oldestAt) },
        notes: [
          ...(batch.replay ? [`batch ${batch.id} is a replay (the previous attempt did not finish)`] : []),
          ...batch.deadLetters.map((reason) => `dead letter: ${reason}`),
        ],
      };
    }
    const notes = await this.drainOnce(key, params, inbox, request.pipelineDir, signal);
    const peeked = inbox.peek(params.batchRows);
    const stats = inbox.stats();
    if (peeked.columns.length === 0) notes.push(`stream '${key}' has no records yet`);
    return {
      columns: peeked.columns,
      rows: peeked.rows,
      batch: null,
      stats: { received: stats.received, deadLetters: stats.deadLetters, backlog: stats.backlog, lagMs: peeked.oldestAt === undefined ? 0 : Math.max(0, Date.now() - peeked.oldestAt) },
      notes,
    };
  }

  /** A plain run's one look at the source (see the file comment). */
  private async drainOnce(key: string, params: StreamParams, inbox: StreamInbox, pipelineDir: string, signal: AbortSignal): Promise<string[]> {
    if (this.consuming.has(key) || params.source === 'http') return [];
    let last: SourceStatus | undefined;
    const source = this.source(key, params, pipelineDir, { onStatus: (status) => status.state !== 'stopped' && (last = status) });
    if (source instanceof FolderSource) {
      await source.scanOnce();
      return [];
    }
    if (source === undefined) return [];
    const until = Date.now() + params.batchSeconds * 1000;
    source.start();
    try {
      while (Date.now() < until && !signal.aborted && inbox.backlog() < params.batchRows) await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      await source.stop();
    }
    const seen = last as SourceStatus | undefined;
    return seen?.state === 'down' ? [`${seen.detail ?? 'the source is down'}: showing what the workspace has stored`] : [];
  }
}
