import { Handle, Position, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { useCatalog, useRun, useUi } from '../app/context';
import type { FlowNode } from './flow-adapter';
import { withoutNodePrefix } from '../model/messages';
import { rowUsage } from '../model/row-usage';
import { hiddenParams, objectProperties, type JsonSchema } from '../model/schema';
import { STATUS_LABELS } from './theme';
import { StreamNodeStatus } from './StreamNodeStatus';

/** Up to this many changed params are shown on the node itself; the rest are counted. */
const SHOWN_PARAMS = 4;

function formatMs(ms: number | undefined): string {
  if (ms === undefined) return '';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function paramText(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 28 ? `${text.slice(0, 27)}…` : text;
}

const sameValue = (a: unknown, b: unknown) => Object.is(a, b) || JSON.stringify(a) === JSON.stringify(b);

/**
 * The params that make this node differ from its type's defaults, in the schema's order:
 * a value equal to the default says nothing, and one hidden by its showWhen rule does not apply.
 */
function changedParams(params: Record<string, unknown>, schema: JsonSchema | undefined): [string, unknown][] {
  const properties = schema ? objectProperties(schema) : [];
  const hidden = schema ? hiddenParams(schema, params) : new Set<string>();
  const order = new Map(properties.map((property, index) => [property.name, index]));
  const defaults = new Map(properties.filter((property) => property.field.hasDefault).map((property) => [property.name, property.field.default]));
  return Object.entries(params)
    .filter(([key, value]) => value !== undefined && !hidden.has(key) && !(defaults.has(key) && sameValue(defaults.get(key), value)))
    .sort(([a], [b]) => (order.get(a) ?? order.size) - (order.get(b) ?? order.size));
}

/**
 * The one component for every node type: ports, title and colour come from the catalog
 * entry, the state from the run store. Memoised, and it subscribes only to its own slices,
 * so an event for one node re-renders that node only. React Flow also passes the position;
 * the body ignores it, so a drag re-renders only this thin wrapper.
 */
function PipelineNodeView({ id, data, selected }: NodeProps<FlowNode>) {
  return <NodeBody id={id} data={data} selected={selected === true} />;
}

const NodeBody = memo(function NodeBody({ id, data: node, selected }: { id: string; data: FlowNode['data']; selected: boolean }) {
  const entry = useCatalog((state) => state.byType[node.nodeType]);
  const run = useRun((state) => state.nodes[id]);
  const rows = useRun((state) => rowUsage(state.metrics[id]));
  const issues = useUi((state) => state.issueIndex.byNode[id]);
  // Changed (or downstream of a change) since the run shown: its result no longer applies.
  const outdated = useUi((state) => state.outdated[id] === true);
  const status = run?.status ?? 'idle';
  const errors = issues?.filter((issue) => issue.severity !== 'warning') ?? [];
  const warnings = (issues?.length ?? 0) - errors.length;
  const category = entry?.category ?? 'unknown';
  const changed = changedParams(node.params ?? {}, entry?.params as JsonSchema | undefined);
  const params = changed.slice(0, SHOWN_PARAMS);
  const moreParams = changed.slice(SHOWN_PARAMS);

  return (
    <div
      className={`tl-node cat-${category} status-${status}${outdated ? ' is-outdated' : ''}${selected ? ' is-selected' : ''}${errors.length ? ' has-errors' : ''}`}
      data-testid={`node-${id}`}
      data-status={status}
      data-outdated={outdated ? 'true' : undefined}
      data-type={node.nodeType}
    >
      <div className="tl-node__overview-title" aria-hidden>
        {node.label || entry?.title || node.nodeType}
      </div>
      <div className="tl-node__header">
        <span className="tl-node__dot" aria-hidden />
        <div className="tl-node__titles">
          <div className="tl-node__title">{node.label || entry?.title || node.nodeType}</div>
          <div className="tl-node__id">
            {id} · {node.nodeType}
          </div>
        </div>
        {outdated ? (
          <span className="tl-node__status status-chip status-outdated" data-testid={`node-status-${id}`} title={`Changed since the run shown (${STATUS_LABELS[status] ?? status}): run it again to update`}>
            outdated
          </span>
        ) : (
          <span className={`tl-node__status status-chip status-${status}`} data-testid={`node-status-${id}`}>
            {status === 'running' && run?.progress !== undefined ? `${Math.round(run.progress * 100)}%` : STATUS_LABELS[status]}
          </span>
        )}
      </div>

      {!entry && <div className="tl-node__problem">Unknown node type: the server has no '{node.nodeType}'.</div>}

      <div className="tl-node__ports">
        <div className="tl-node__inputs">
          {Object.entries(entry?.inputs ?? {}).map(([port, spec]) => (
            <div className="tl-port tl-port--in" key={port} title={spec.description ?? `${spec.type} input${spec.optional ? ' (optional)' : ''}`}>
              <Handle
                type="target"
                position={Position.Left}
                id={port}
                className={`tl-handle port-${spec.type}`}
                data-testid={`handle-${id}-${port}`}
                data-port-kind="in"
              />
              <span className="tl-port__name">{port}</span>
              <span className="tl-port__type">{spec.type}{spec.optional ? '?' : ''}</span>
            </div>
          ))}
        </div>
        <div className="tl-node__outputs">
          {Object.entries(entry?.outputs ?? {}).map(([port, spec]) => (
            <div className="tl-port tl-port--out" key={port} title={spec.description ?? `${spec.type} output`}>
              <span className="tl-port__type">{spec.type}</span>
              <span className="tl-port__name">{port}</span>
              <Handle
                type="source"
                position={Position.Right}
                id={port}
                className={`tl-handle port-${spec.type}`}
                data-testid={`handle-${id}-${port}`}
                data-port-kind="out"
              />
            </div>
          ))}
        </div>
      </div>

      {node.nodeType === 'data.stream' && <StreamNodeStatus nodeId={id} />}
      {params.length > 0 && (
        <div className="tl-node__params">
          {params.map(([key, value]) => (
            <div key={key} className="tl-node__param">
              <span>{key}</span>
              <span>{paramText(value)}</span>
            </div>
          ))}
          {moreParams.length > 0 && (
            <div className="tl-node__more" title={moreParams.map(([key, value]) => `${key}: ${paramText(value)}`).join('\n')} data-testid={`node-more-params-${id}`}>
              +{moreParams.length} more
            </div>
          )}
        </div>
      )}

      {status === 'running' && (
        <div className="tl-node__progress" role="progressbar" aria-valuenow={Math.round((run?.progress ?? 0) * 100)}>
          <div className="tl-node__progress-bar" style={{ width: `${Math.round((run?.progress ?? 0) * 100)}%` }} />
        </div>
      )}
      {status === 'failed' && run?.error && !outdated && (
        <div className="tl-node__error" title={run.error} data-testid={`node-error-${id}`}>
          {run.error}
        </div>
      )}
      {(status === 'succeeded' || status === 'cached') && run?.ms !== undefined && !outdated && (
        <div className="tl-node__footer">{status === 'cached' ? 'reused from cache' : formatMs(run.ms)}</div>
      )}
      {(status === 'succeeded' || status === 'cached') && rows !== undefined && !outdated && (
        <div className="tl-node__footer" data-testid={`node-rows-${id}`}>
          {rows}
        </div>
      )}
      {outdated && <div className="tl-node__footer tl-node__footer--outdated">out of date: changed since the run; run again to update</div>}
      {(errors.length > 0 || warnings > 0) && (
        <div className="tl-node__issues" title={issues?.map((issue) => withoutNodePrefix(issue.message, id)).join('\n')} data-testid={`node-issues-${id}`}>
          {errors.length > 0
            ? `${errors.length > 1 ? `${errors.length} problems: ` : ''}${withoutNodePrefix(errors[0]?.message ?? '', id)}`
            : `${warnings > 1 ? `${warnings} warnings: ` : ''}${withoutNodePrefix(issues?.[0]?.message ?? '', id)}`}
        </div>
      )}
    </div>
  );
});

export default memo(PipelineNodeView);
