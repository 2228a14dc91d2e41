import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import type { AttachedArtifact, LogLevel, ModelLineage, RegisterOutcome, RegisterRequest, RunContext, TrialRecord } from '../base/context.js';
import type { AnyNodeDefinition } from '../base/define-node.js';
import { isNodeError, NodeError } from '../base/errors.js';
import type { Json } from '../base/values.js';
import { resolveInside } from '../base/paths.js';
import type { PortType } from '../base/ports.js';
import type { StreamReadResult } from '../base/stream.js';
import { diskFullError, isDiskFull, type ArtifactStore } from '../store/index.js';
import { codecFor } from './codecs.js';
import { featureStoreAccess } from '../features/access.js';

/** An artifact as the engine passes it between nodes. */
export interface OutputRef {
  readonly hash: string;
  readonly type: PortType;
  readonly size: number;
}

/** Everything needed to run one node, in this thread or in a worker: plain data only. */
export interface NodeJob {
  readonly nodeId: string;
  readonly nodeType: string;
  readonly params: Record<string, unknown>;
  readonly inputs: Record<string, OutputRef>;
  readonly workspaceRoot: string;
  readonly pipelineDir: string;
  /**
   * The node's work folder inside the store's tmp/: every path `ctx.artifacts.tempPath`
   * gives out lies in it, and it is removed when the node ends, however it ends.
   */
  readonly tempDir: string;
  /** The micro-batch of a streaming run (ctx.stream.batch); absent in a plain run. */
  readonly streamBatch?: string;
}

/**
 * What a node asks of the store while it runs (ctx.state, ctx.lineage). Plain data, so a
 * worker thread can send it to the main thread, which alone holds the database.
 */
export type ContextCall =
  | { op: 'state.get'; key: string }
  | { op: 'state.set'; key: string; valueJson: string }
  | { op: 'state.delete'; key: string }
  | { op: 'lineage'; hash: string }
  /** ctx.registry.register: the model input's artifact and what to register it as; answers a RegisterOutcome. */
  | { op: 'registry.register'; hash: string; request: RegisterRequest }
  /** A search node's finished trial, recorded as a child run; answers the child run's id. */
  | { op: 'trial.record'; trial: TrialRecord }
  /** ctx.stream.read: a data.stream node's rows, from the process's stream host; answers a StreamReadResult. */
  | { op: 'stream.read'; params: Record<string, Json> };

/** The largest value ctx.state keeps under one key (JSON text). */
export const MAX_STATE_BYTES = 1024 * 1024;
const MAX_STATE_KEY = 200;

/** How a running node's reports leave it (to the event stream and the store). */
export interface JobReporter {
  /** Answers a ContextCall from the store (state.get: Json | undefined; state.delete: boolean; lineage: ModelLineage | undefined). */
  request(call: ContextCall): Promise<unknown>;
  progress(fraction: number, message?: string): void;
  log(level: LogLevel, message: string): void;
  metric(name: string, value: number, step?: number): void;
  backend(name: string): void;
  /** `written`: the bytes this attachment added to the store (0 when its content was already there). */
  attach(artifact: AttachedArtifact, written: number): void;
}

export type JobResult =
  | { ok: true; outputs: Record<string, OutputRef>; /** bytes of new artifacts the outputs added to the store */ written: number }
  | {
      ok: false;
      message: string;
      /** a user mistake (NodeError): no stack needed */
      userError: boolean;
      stack?: string;
      /** The disk is full: the run cannot go on. */
      diskFull?: boolean;
      written?: number;
    };

/**
 * Decoded values of artifacts produced in this thread, so a table passed from one node to
 * the next is not re-read from disk. Keyed by content hash, which makes it always correct;
 * bounded by the artifacts' size on disk (a fair proxy for their size in memory).
 */
export class ValueCache {
  private readonly values = new Map<string, { value: unknown; bytes: number }>();
  private bytes = 0;

  constructor(private readonly budgetBytes = 512 * 1024 * 1024) {}

  get(hash: string): unknown {
    const entry = this.values.get(hash);
    if (!entry) return undefined;
    this.values.delete(hash); // most recently used last
    this.values.set(hash, entry);
    return entry.value;
  }

  set(hash: string, value: unknown, bytes: number): void {
    if (bytes > this.budgetBytes) return;
    const previous = this.values.get(hash);
    if (previous) this.bytes -= previous.bytes;
    this.values.delete(hash);
    this.values.set(hash, { value, bytes });
    this.bytes += bytes;
    for (const [oldest, entry] of this.values) {
      if (this.bytes <= this.budgetBytes) break;
      this.values.delete(oldest);
      this.bytes -= entry.bytes;
    }
  }
}

export async function runNodeJob(
  definition: AnyNodeDefinition,
  job: NodeJob,
  artifacts: ArtifactStore,
  reporter: JobReporter,
  signal: AbortSignal,
  values: ValueCache,
): Promise<JobResult> {
  let written = 0;
  // What the node was doing, for the message when the disk fills up under it.
  let doing = `node '${job.nodeId}' could not write its files`;
  try {
    const inputs: Record<string, unknown> = {};
    for (const [port, ref] of Object.entries(job.inputs)) {
      const cached = values.get(ref.hash);
      inputs[port] = cached !== undefined ? cached : await codecFor(ref.type).decode(artifacts.pathOf(ref.hash));
    }
    signal.throwIfAborted();
    const ctx = createRunContext(job, artifacts, reporter, signal, inputHashes(inputs, job.inputs));
    const returned: unknown = await definition.run({ inputs, params: job.params }, ctx);
    signal.throwIfAborted();
    const outputs: Record<string, OutputRef> = {};
    for (const [port, spec] of Object.entries(definition.outputs)) {
      const value = (returned as Record<string, unknown> | undefined)?.[port];
      const codec = codecFor(spec.type);
      const problem = value === undefined ? 'no value returned' : codec.problem(value);
      if (problem) throw new Error(`node type '${job.nodeType}' returned a bad '${port}' output: ${problem}`);
      doing = `could not store the output '${port}' of node '${job.nodeId}'`;
      const temp = artifacts.tempPath(port, job.tempDir);
      // What the node built in its own work folder is moved, not copied: it is removed with the folder anyway.
      const durable = await codec.encode(value as never, temp, { mayMove: (path) => isInside(job.tempDir, path) });
      const stored = codec.kind === 'dir' ? await artifacts.putDir(temp) : await artifacts.putFile(temp, durable ?? undefined);
      if (stored.fresh) written += stored.size;
      outputs[port] = { hash: stored.hash, type: spec.type, size: stored.size };
      values.set(stored.hash, codec.kind === 'dir' ? await codec.decode(stored.path) : value, stored.size);
    }
    return { ok: true, outputs, written };
  } catch (error) {
    if (signal.aborted) return { ok: false, message: 'cancelled', userError: true, written };
    if (isNodeError(error)) return { ok: false, message: error.message, userError: true, written };
    if (isDiskFull(error)) return { ok: false, message: diskFullError(doing).message, userError: true, diskFull: true, written };
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `internal error: ${message}`, userError: false, written, ...(error instanceof Error && error.stack ? { stack: error.stack } : {}) };
  } finally {
    // The work folder holds what the node built and did not publish; it goes with the node.
    await rm(job.tempDir, { recursive: true, force: true }).catch(() => {});
  }
}

function isInside(folder: string, path: string): boolean {
  const inside = relative(folder, resolve(path));
  return inside !== '' && !inside.startsWith('..') && !isAbsolute(inside);
}

/** Each input value's artifact hash, so ctx.lineage can name the model it is given. */
function inputHashes(values: Record<string, unknown>, refs: Record<string, OutputRef>): Map<unknown, string> {
  const hashes = new Map<unknown, string>();
  for (const [port, value] of Object.entries(values)) {
    const ref = refs[port];
    if (ref && typeof value === 'object' && value !== null) hashes.set(value, ref.hash);
  }
  return hashes;
}

/** The request as plain data (it may cross to the main thread), without undefined fields. */
function plainRequest(request: RegisterRequest): RegisterRequest {
  return JSON.parse(JSON.stringify(request)) as RegisterRequest;
}

function checkStateKey(key: unknown): string {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_STATE_KEY) {
    throw new NodeError(`ctx.state: a key is a string of 1 to ${MAX_STATE_KEY} characters (got ${typeof key === 'string' ? `${key.length} characters` : typeof key})`);
  }
  return key;
}

function createRunContext(job: NodeJob, artifacts: ArtifactStore, reporter: JobReporter, signal: AbortSignal, hashes: Map<unknown, string>): RunContext {
  let lastProgressAt = 0;
  return {
    nodeId: job.nodeId,
    nodeType: job.nodeType,
    signal,
    progress(fraction, message) {
      // Progress can be reported per row; forward at most ~20 updates a second.
      const now = Date.now();
      if (fraction < 1 && now - lastProgressAt < 50) return;
      lastProgressAt = now;
      reporter.progress(Math.min(1, Math.max(0, fraction)), message);
    },
    log: (message, level = 'info') => reporter.log(level, message),
    metric(name, value, step) {
      if (!Number.isFinite(value)) {
        reporter.log('warn', `metric '${name}' is ${value}; not recorded`);
        return;
      }
      reporter.metric(name, value, step);
    },
    usedBackend: (name) => reporter.backend(name),
    artifacts: {
      tempPath(name) {
        mkdirSync(job.tempDir, { recursive: true });
        return artifacts.tempPath(`${job.nodeId}-${name}`, job.tempDir);
      },
      async write(name, data) {
        const ref = await artifacts.putBytes(typeof data === 'string' ? new TextEncoder().encode(data) : data);
        const attached: AttachedArtifact = { name, hash: ref.hash, size: ref.size, path: ref.path };
        reporter.attach(attached, ref.fresh ? ref.size : 0);
        return attached;
      },
      read: (hash) => artifacts.readBytes(hash),
    },
    state: {
      get: async (key) => (await reporter.request({ op: 'state.get', key: checkStateKey(key) })) as Json | undefined,
      async set(key, value) {
        checkStateKey(key);
        let text: string | undefined;
        try {
          text = JSON.stringify(value);
        } catch (error) {
          throw new NodeError(`ctx.state: the value for '${key}' is not JSON (${(error as Error).message})`);
        }
        if (text === undefined) throw new NodeError(`ctx.state: the value for '${key}' is not JSON (use delete to remove a key)`);
        const bytes = Buffer.byteLength(text);
        if (bytes > MAX_STATE_BYTES) throw new NodeError(`ctx.state: the value for '${key}' is ${bytes} bytes of JSON; state holds at most ${MAX_STATE_BYTES} (write large things as artifacts)`);
        await reporter.request({ op: 'state.set', key, valueJson: text });
      },
      delete: async (key) => (await reporter.request({ op: 'state.delete', key: checkStateKey(key) })) as boolean,
    },
    async lineage(model) {
      const hash = hashes.get(model);
      if (hash === undefined) throw new NodeError('ctx.lineage takes a model this node received as an input');
      return (await reporter.request({ op: 'lineage', hash })) as ModelLineage | undefined;
    },
    registry: {
      async register(model, request) {
        const hash = hashes.get(model);
        if (hash === undefined) throw new NodeError('ctx.registry.register takes a model this node received as an input');
        return (await reporter.request({ op: 'registry.register', hash, request: plainRequest(request) })) as RegisterOutcome;
      },
    },
    trials: {
      record: async (trial) => (await reporter.request({ op: 'trial.record', trial })) as string | undefined,
    },
    // The feature store is a SQLite file of its own (WAL, safe from any thread or process), so a node reaches it directly.
    features: featureStoreAccess(artifacts.root),
    stream: {
      batch: job.streamBatch,
      read: async (params) => (await reporter.request({ op: 'stream.read', params: { ...params } })) as StreamReadResult,
    },
    workspace: {
      root: job.workspaceRoot,
      pipelineDir: job.pipelineDir,
      resolve: (path, field) => resolveInside(job.workspaceRoot, job.pipelineDir, path, field),
      resolveOutput: (path, field) => resolveInside(job.workspaceRoot, job.pipelineDir, path, field, 'write'),
    },
  };
}
