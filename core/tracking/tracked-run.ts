import { migratePipeline, validatePipeline } from '../graph/index.js';
import type { NodeRegistry } from '../graph/registry.js';
import type { PipelineDoc } from '../graph/types.js';
import { NODE_STATUSES, type NodeStatus, type RunStatus, type TrackedRunRow } from '../store/index.js';

/** A run as the tracking views see it: what it ran with (params by node), what it measured (final metrics by node), and its labels. */
export interface TrackedRun {
  id: string;
  experiment: string;
  pipelineName: string;
  pipelinePath: string | null;
  pipelineHash: string;
  status: RunStatus;
  trigger: string | null;
  backend: string | null;
  startedAt: number;
  finishedAt: number | null;
  /** Milliseconds, null while running. */
  durationMs: number | null;
  until: string | null;
  error: string | null;
  note: string | null;
  parentRunId: string | null;
  tags: Record<string, string>;
  /** How many of its nodes ended in each state. */
  nodeCounts: Record<NodeStatus, number>;
  /** Node id → type, in the run's node order. */
  nodeTypes: Record<string, string | null>;
  /** Node id → param → value, defaults filled. */
  params: Record<string, Record<string, unknown>>;
  /** Node id → metric → last value. */
  metrics: Record<string, Record<string, number>>;
  /** Node id → port → artifact id. */
  outputs: Record<string, Record<string, string>>;
  environment: Record<string, unknown> | null;
}

/**
 * Builds the tracking view of a stored run. Params come from what the engine recorded per
 * node (defaults filled). Runs recorded before every node's params were (schema 3: nodes
 * reused from the cache kept none) fall back to the run's pipeline snapshot, with defaults
 * filled when `registry` knows the node types, else as written.
 */
export function toTrackedRun(row: TrackedRunRow, registry?: NodeRegistry): TrackedRun {
  const nodeTypes: Record<string, string | null> = {};
  const nodeCounts = Object.fromEntries(NODE_STATUSES.map((status) => [status, 0])) as Record<NodeStatus, number>;
  const params: Record<string, Record<string, unknown>> = {};
  let fallback: Map<string, Record<string, unknown>> | undefined;
  for (const node of row.nodes) {
    nodeTypes[node.id] = node.type;
    if (node.status in nodeCounts) nodeCounts[node.status as NodeStatus] += 1;
    if (node.params !== null) params[node.id] = node.params;
    else {
      fallback ??= snapshotParams(row.pipelineJson, registry);
      const fromSnapshot = fallback.get(node.id);
      if (fromSnapshot) params[node.id] = fromSnapshot;
    }
  }
  return {
    id: row.id,
    experiment: row.experiment,
    pipelineName: row.pipelineName,
    pipelinePath: row.pipelinePath,
    pipelineHash: row.pipelineHash,
    status: row.status,
    trigger: row.trigger,
    backend: row.backend,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    durationMs: row.finishedAt === null ? null : row.finishedAt - row.startedAt,
    until: row.until,
    error: row.error,
    note: row.note,
    parentRunId: row.parentRunId,
    tags: row.tags,
    nodeCounts,
    nodeTypes,
    params,
    metrics: row.metrics,
    outputs: row.outputs,
    environment: row.environment,
  };
}

/** Each node's params in a stored pipeline snapshot: validated (defaults filled) when possible, else as written. */
function snapshotParams(pipelineJson: string, registry: NodeRegistry | undefined): Map<string, Record<string, unknown>> {
  let doc: PipelineDoc;
  try {
    doc = JSON.parse(pipelineJson) as PipelineDoc;
  } catch {
    return new Map();
  }
  if (registry) {
    try {
      const validated = validatePipeline(migratePipeline(doc, registry).doc, registry);
      if (validated.ok) return new Map([...validated.pipeline.nodes].map(([id, node]) => [id, node.params]));
    } catch {
      // A snapshot the current node types cannot read: its params as written are the best there is.
    }
  }
  const nodes = Array.isArray(doc.nodes) ? doc.nodes : [];
  return new Map(nodes.filter((node) => typeof node?.id === 'string').map((node) => [node.id, { ...(node.params ?? {}) }]));
}
