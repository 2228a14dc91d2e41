/**
 * The fields a filter, a sort or a table column names, and how each resolves on a run.
 *
 * `metrics.<metric>` is one number per run although several nodes may report a metric of
 * that name (a trainer's `loss` and an evaluation's `loss`): the first evaluation node
 * (type `eval.*`) in the run's node order that reports it wins, else the first node that
 * does (docs/DECISIONS.md, Tracking). `metrics.<node>.<metric>` names one node's.
 */
import type { TrackedRun } from './tracked-run.js';

export type FieldPath = string[];

/** Run attributes a field may name directly. `duration` is in seconds; `started` in ms since the epoch. */
const ATTRIBUTES = ['id', 'status', 'experiment', 'pipeline', 'backend', 'trigger', 'started', 'duration', 'note', 'parent'] as const;
type Attribute = (typeof ATTRIBUTES)[number];

export const FIELD_HELP = `metrics.<metric>, metrics.<node>.<metric>, params.<node>.<param>, tags.<key>, ${ATTRIBUTES.join(', ')}`;

/** Why a field does not exist (undefined when it may): checked while parsing, so the message points at it. */
export function checkField(path: FieldPath): string | undefined {
  const [root, ...rest] = path;
  if (root === undefined || path.some((segment) => segment === '')) return `'${path.join('.')}' is not a field; fields are ${FIELD_HELP}`;
  switch (root) {
    case 'metrics':
      return rest.length >= 1 ? undefined : "'metrics' needs a metric name: metrics.accuracy or metrics.<node>.<metric>";
    case 'params':
      return rest.length >= 2 ? undefined : "'params' needs a node and a param: params.<node>.<param>, e.g. params.train.epochs";
    case 'tags':
      return rest.length >= 1 ? undefined : "'tags' needs a key: tags.<key>";
    default:
      if ((ATTRIBUTES as readonly string[]).includes(root) && rest.length === 0) return undefined;
      return `unknown field '${path.join('.')}'; fields are ${FIELD_HELP}`;
  }
}

/** The node whose `name` metric `metrics.<name>` reads in this run, or undefined when none reports it. */
export function metricSource(run: TrackedRun, name: string): string | undefined {
  const reporting = nodeOrder(run).filter((node) => run.metrics[node]?.[name] !== undefined);
  return reporting.find((node) => run.nodeTypes[node]?.startsWith('eval.')) ?? reporting[0];
}

/** Nodes in the run's order, then any node that has metrics but no execution row. */
function nodeOrder(run: TrackedRun): string[] {
  const order = Object.keys(run.nodeTypes);
  return [...order, ...Object.keys(run.metrics).filter((node) => !(node in run.nodeTypes))];
}

/** The value a field has on a run; undefined when the run has none (a metric it did not report, a tag it lacks). */
export function fieldValue(run: TrackedRun, path: FieldPath): unknown {
  const [root, ...rest] = path;
  switch (root) {
    case 'metrics': {
      // metrics.<node>.<metric> when the first part is one of the run's nodes; else a metric name (which may contain dots).
      if (rest.length >= 2 && (rest[0]! in run.nodeTypes || rest[0]! in run.metrics)) return run.metrics[rest[0]!]?.[rest.slice(1).join('.')];
      const name = rest.join('.');
      const node = metricSource(run, name);
      return node === undefined ? undefined : run.metrics[node]![name];
    }
    case 'params': {
      const params = run.params[rest[0]!];
      if (params === undefined) return undefined;
      const key = rest.slice(1).join('.');
      if (key in params) return params[key];
      // A nested value: params.train.optimizer.rate
      let value: unknown = params;
      for (const step of rest.slice(1)) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[step] : undefined;
      return value;
    }
    case 'tags':
      return run.tags[rest.join('.')];
    default:
      return attribute(run, root as Attribute);
  }
}

function attribute(run: TrackedRun, name: Attribute): unknown {
  switch (name) {
    case 'id':
      return run.id;
    case 'status':
      return run.status;
    case 'experiment':
      return run.experiment;
    case 'pipeline':
      return run.pipelineName;
    case 'backend':
      return run.backend ?? undefined;
    case 'trigger':
      return run.trigger ?? undefined;
    case 'started':
      return run.startedAt;
    case 'duration':
      return run.durationMs === null ? undefined : run.durationMs / 1000;
    case 'note':
      return run.note ?? undefined;
    case 'parent':
      return run.parentRunId ?? undefined;
  }
}

/** The text form of a field, as written: `metrics.accuracy`, params.train.`odd name`. */
export function fieldText(path: FieldPath): string {
  return path.map((segment) => (/^[A-Za-z0-9_-]+$/.test(segment) ? segment : `\`${segment}\``)).join('.');
}
