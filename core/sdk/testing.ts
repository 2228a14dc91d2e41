/**
 * A RunContext for unit tests of a single node, without the engine or a store. Records
 * what the node reported so tests can assert on it. Not for production use.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AttachedArtifact, LogLevel, ModelLineage, ModelRegistryAccess, RunContext, TrialRecord } from '../base/context.js';
import { isNodeError, NodeError } from '../base/errors.js';
import { resolveInside } from '../base/paths.js';
import { featureStoreAccess } from '../features/access.js';
import type { Json, ModelValue } from '../base/values.js';
import type { StreamAccess } from '../base/stream.js';

export interface TestContext extends RunContext {
  readonly logs: { level: LogLevel; message: string }[];
  readonly metrics: { name: string; value: number; step: number | undefined }[];
  /** Backends the node reported with usedBackend. */
  readonly backends: string[];
  readonly progressReports: number[];
  readonly abort: AbortController;
  /** What the node kept with ctx.state, as JSON text by key (shared by contexts given the same map). */
  readonly stateEntries: Map<string, string>;
  /** The trials a search node recorded with ctx.trials.record, in order. */
  readonly trialRecords: TrialRecord[];
}

export interface TestContextOptions {
  root?: string;
  pipelineDir?: string;
  nodeId?: string;
  nodeType?: string;
  /** ctx.state's contents; pass one map to several contexts to play several runs. */
  state?: Map<string, string>;
  /** What ctx.lineage answers (default: undefined, a model no run here trained). */
  lineage?: (model: ModelValue) => ModelLineage | undefined;
  /** What ctx.registry does (default: every call fails with a NodeError saying there is no registry here). */
  registry?: ModelRegistryAccess;
  /** What ctx.stream gives (default: no batch, and read fails saying there is no stream host). */
  stream?: StreamAccess;
}

export function createTestContext(options: TestContextOptions = {}): TestContext {
  const root = resolve(options.root ?? mkdtempSync(join(tmpdir(), 'tensorloom-test-')));
  const pipelineDir = resolve(options.pipelineDir ?? root);
  const scratch = mkdtempSync(join(tmpdir(), 'tensorloom-scratch-'));
  const stored = new Map<string, Uint8Array>();
  const abort = new AbortController();
  const logs: TestContext['logs'] = [];
  const metrics: TestContext['metrics'] = [];
  const progressReports: number[] = [];
  const backends: string[] = [];
  const stateEntries = options.state ?? new Map<string, string>();
  const trialRecords: TrialRecord[] = [];
  let counter = 0;
  return {
    nodeId: options.nodeId ?? 'node',
    nodeType: options.nodeType ?? 'test.node',
    signal: abort.signal,
    abort,
    logs,
    metrics,
    progressReports,
    progress: (fraction) => void progressReports.push(fraction),
    log: (message, level = 'info') => void logs.push({ level, message }),
    metric: (name, value, step) => void metrics.push({ name, value, step }),
    backends,
    usedBackend: (name) => void backends.push(name),
    artifacts: {
      tempPath: (name) => {
        mkdirSync(scratch, { recursive: true });
        return join(scratch, `${counter++}-${name}`);
      },
      write: async (name, data): Promise<AttachedArtifact> => {
        const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
        const hash = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
        stored.set(hash, bytes);
        return { name, hash, size: bytes.byteLength, path: join(scratch, hash) };
      },
      read: async (hash) => {
        const bytes = stored.get(hash);
        if (!bytes) throw new Error(`no artifact ${hash}`);
        return bytes;
      },
    },
    stateEntries,
    state: {
      get: async (key) => {
        const text = stateEntries.get(key);
        return text === undefined ? undefined : (JSON.parse(text) as Json);
      },
      set: async (key, value) => {
        const text = JSON.stringify(value);
        if (text === undefined) throw new NodeError(`ctx.state: the value for '${key}' is not JSON`);
        stateEntries.set(key, text);
      },
      delete: async (key) => stateEntries.delete(key),
    },
    lineage: async (model) => options.lineage?.(model),
    registry: options.registry ?? {
      register: async () => {
        throw new NodeError('this test context has no model registry; pass createTestContext({ registry }) (or run the pipeline through the CLI)');
      },
    },
    trialRecords,
    trials: {
      record: async (trial) => {
        trialRecords.push(trial);
        return undefined;
      },
    },
    stream: options.stream ?? {
      batch: undefined,
      read: async () => {
        throw new NodeError('this test context has no stream host; pass createTestContext({ stream }) (or run the pipeline through the CLI)');
      },
    },
    // The real feature store, in the test workspace's .tensorloom folder.
    features: featureStoreAccess(join(root, '.tensorloom')),
    workspace: {
      root,
      pipelineDir,
      resolve: (path, field) => resolveInside(root, pipelineDir, path, field),
      resolveOutput: (path, field) => resolveInside(root, pipelineDir, path, field, 'write'),
    },
  };
}

/**
 * The NodeError `promise` rejects with, for asserting on its message and field. Throws
 * when the promise resolves, and rethrows any rejection that is not a NodeError.
 */
export async function expectNodeError(promise: Promise<unknown>): Promise<NodeError> {
  try {
    await promise;
  } catch (error) {
    if (isNodeError(error)) return error;
    throw error;
  }
  throw new Error('expected a NodeError, but the promise resolved');
}
