import { useEffect, useMemo, useState } from 'react';
import { useCatalog, useDoc, useRun, useServices, useUi } from '../app/context';
import type { PipelineNode } from '../api/protocol';
import { CATEGORY_LABELS } from '../canvas/theme';
import { renameNode, setLabel, setParam, setPipelineName } from '../model/actions';
import { edgeNodes } from '../model/document';
import { withoutNodePrefix } from '../model/messages';
import { catalogDefaults, paramDiffers } from '../model/run-state';
import { displayValue, objectProperties, type JsonSchema } from '../model/schema';
import { extensionsOf } from '../model/data-files';
import { ParamsForm } from './SchemaForm';
import { TriggersPanel } from './TriggersPanel';

/** Right-hand panel: the selected node's id, label and params, or the pipeline when nothing is selected. */
export function Inspector() {
  const count = useDoc((state) => state.selection.nodes.length);
  const nodeId = useDoc((state) => (state.selection.nodes.length === 1 && state.content.nodes.some((node) => node.id === state.selection.nodes[0]) ? state.selection.nodes[0] : undefined));
  return (
    <section className="inspector" data-testid="inspector" aria-label="Inspector">
      {nodeId ? <NodeInspectorFor key={nodeId} nodeId={nodeId} /> : count > 1 ? <MultiInspector count={count} /> : <PipelineInspector />}
    </section>
  );
}

/**
 * Subscribes to the node's fields except its position, so dragging the selected node
 * does not re-render the form on every frame.
 */
function NodeInspectorFor({ nodeId }: { nodeId: string }) {
  const type = useDoc((state) => state.content.nodes.find((node) => node.id === nodeId)?.type);
  const params = useDoc((state) => state.content.nodes.find((node) => node.id === nodeId)?.params);
  const label = useDoc((state) => state.content.nodes.find((node) => node.id === nodeId)?.label);
  const node = useMemo<PipelineNode | undefined>(() => (type === undefined ? undefined : { id: nodeId, type, params: params ?? {}, ...(label ? { label } : {}) }), [nodeId, type, params, label]);
  return node ? <NodeInspector node={node} /> : null;
}

function NodeInspector({ node }: { node: PipelineNode }) {
  const { documentStore } = useServices();
  const entry = useCatalog((state) => state.byType[node.type]);
  const issues = useUi((state) => state.issueIndex.byNode[node.id]) ?? [];
  const run = useRun((state) => state.nodes[node.id]);
  const paramNames = new Set(Object.keys((entry?.params as JsonSchema | undefined)?.properties ?? {}));
  const nodeLevel = issues.filter((issue) => !issue.field || !paramNames.has(issue.field.split(/[.[]/)[0] ?? ''));
  return (
    <div className="inspector__body">
      <div className={`inspector__head cat-${entry?.category ?? 'unknown'}`}>
        <span className="cat-chip">{CATEGORY_LABELS[entry?.category ?? ''] ?? entry?.category ?? 'unknown'}</span>
        <h2 className="inspector__title">{entry?.title ?? node.type}</h2>
        <code className="muted small">
          {node.type}
          {entry ? ` v${entry.version}` : ''}
        </code>
        {entry?.description && <p className="inspector__description">{entry.description}</p>}
      </div>

      {nodeLevel.length > 0 && (
        <ul className="issue-list" data-testid="node-issues">
          {nodeLevel.map((issue, index) => (
            <li key={index} className={issue.severity === 'warning' ? 'issue issue--warning' : 'issue'}>
              {issue.field ? <code>{issue.field}</code> : null} {withoutNodePrefix(issue.message, node.id)}
            </li>
          ))}
        </ul>
      )}
      {run?.status === 'failed' && run.error && <div className="issue" data-testid="inspector-run-error">Last run: {run.error}</div>}

      <div className="panel-subtitle">Node</div>
      <IdField node={node} />
      <div className="field">
        <div className="field__label">
          <label htmlFor="node-label">label</label>
        </div>
        <input
          id="node-label"
          className="input"
          value={node.label ?? ''}
          placeholder={entry?.title ?? ''}
          onChange={(event) => documentStore.getState().dispatch(setLabel, { nodeId: node.id, label: event.target.value })}
          data-testid="node-label"
        />
        <div className="field__help">Shown on the canvas; never changes what a run computes.</div>
      </div>

      <RunParams node={node} />
      <div className="panel-subtitle">Parameters</div>
      {entry ? (
        <ParamsForm
          schema={entry.params as JsonSchema}
          params={node.params ?? {}}
          issues={issues}
          onChange={(key, value) => documentStore.getState().dispatch(setParam, { nodeId: node.id, key, value })}
          fileParams={extensionsOf(node.type).length > 0 ? { names: ['path'], extensions: extensionsOf(node.type) } : undefined}
        />
      ) : (
        <div className="muted">The server does not know node type '{node.type}', so its parameters cannot be edited here.</div>
      )}
      <Ports node={node} />
    </div>
  );
}

/**
 * While a past run is shown, the params this node ran with in it (from the run's record),
 * read-only, with those that differ from today's marked: the results shown are theirs.
 */
function RunParams({ node }: { node: PipelineNode }) {
  const entry = useCatalog((state) => state.byType[node.type]);
  const source = useRun((state) => state.source);
  const runId = useRun((state) => state.runId);
  const used = useRun((state) => state.params[node.id]);
  if (source !== 'history' || !runId || !used) return null;
  const order = entry ? objectProperties(entry.params as JsonSchema).map((property) => property.name) : [];
  const defaults = catalogDefaults(entry ? { [node.type]: entry } : {})(node.type);
  const keys = [...order.filter((key) => used[key] !== undefined), ...Object.keys(used).filter((key) => !order.includes(key) && used[key] !== undefined)];
  return (
    <div className="run-params" data-testid="run-params" role="group" aria-label={`Params used by run ${runId} (read-only)`}>
      <div className="run-params__head">
        <span className="status-chip">read-only</span>
        <strong>Params used by run {runId}</strong>
        <span className="muted small">the results shown were computed with these; edit today&apos;s below</span>
      </div>
      {keys.length === 0 ? (
        <div className="muted small">No params.</div>
      ) : (
        <table>
          <tbody>
            {keys.map((key) => {
              const differs = paramDiffers(key, node.params?.[key], used[key], defaults);
              return (
                <tr key={key} className={differs ? 'is-different' : undefined} data-testid={`run-param-${key}`} data-differs={differs ? 'true' : undefined}>
                  <td>
                    <code>{key}</code>
                  </td>
                  <td>{displayValue(used[key])}</td>
                  <td className="muted small">{differs ? `now ${displayValue(node.params?.[key] ?? defaults.get(key)) || 'not set'}` : ''}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

/** The id is what wires and runs refer to: renaming commits on Enter or leaving the field. */
function IdField({ node }: { node: PipelineNode }) {
  const { documentStore } = useServices();
  const [draft, setDraft] = useState(node.id);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => setDraft(node.id), [node.id]);
  const commit = () => {
    if (draft === node.id) return setProblem(null);
    const result = documentStore.getState().dispatch(renameNode, { nodeId: node.id, newId: draft });
    setProblem(result?.refused ?? null);
  };
  return (
    <div className={`field${problem ? ' field--invalid' : ''}`}>
      <div className="field__label">
        <label htmlFor="node-id">id</label>
      </div>
      <input
        id="node-id"
        className="input"
        value={draft}
        onChange={(event) => setDraft(event.target.value)}
        onBlur={commit}
        onKeyDown={(event) => {
          if (event.key === 'Enter') commit();
          if (event.key === 'Escape') setDraft(node.id);
        }}
        data-testid="node-id"
        spellCheck={false}
      />
      {problem && <div className="field__error">{problem}</div>}
    </div>
  );
}

function Ports({ node }: { node: PipelineNode }) {
  const entry = useCatalog((state) => state.byType[node.type]);
  const edges = useDoc((state) => state.content.edges);
  if (!entry) return null;
  const feeding = (port: string) => edges.find((edge) => edge.to === `${node.id}.${port}`)?.from;
  const fed = (port: string) => edges.filter((edge) => edge.from === `${node.id}.${port}`).map((edge) => edgeNodes(edge).to);
  const inputs = Object.entries(entry.inputs);
  const outputs = Object.entries(entry.outputs);
  return (
    <>
      <div className="panel-subtitle">Ports</div>
      <table className="ports-table">
        <tbody>
          {inputs.map(([port, spec]) => (
            <tr key={`in-${port}`}>
              <td>in</td>
              <td>
                <span className={`port-dot port-${spec.type}`} /> {port}
              </td>
              <td className="muted">{spec.type}</td>
              <td>{feeding(port) ?? <span className={spec.optional ? 'muted' : 'error-text'}>{spec.optional ? 'optional' : 'not connected'}</span>}</td>
            </tr>
          ))}
          {outputs.map(([port, spec]) => (
            <tr key={`out-${port}`}>
              <td>out</td>
              <td>
                <span className={`port-dot port-${spec.type}`} /> {port}
              </td>
              <td className="muted">{spec.type}</td>
              <td>{fed(port).join(', ') || <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function MultiInspector({ count }: { count: number }) {
  return (
    <div className="inspector__body">
      <h2 className="inspector__title">{count} nodes selected</h2>
      <p className="muted">Drag to move them together; Ctrl+C copies them with the wires between them; Delete removes them. Each is one undo step.</p>
    </div>
  );
}

function PipelineInspector() {
  const { documentStore, uiStore } = useServices();
  const name = useDoc((state) => state.content.name);
  const path = useDoc((state) => state.path);
  const counts = useDoc((state) => `${state.content.nodes.length} nodes · ${state.content.edges.length} wires`);
  const general = useUi((state) => state.issueIndex.general);
  const index = useUi((state) => state.issueIndex);
  return (
    <div className="inspector__body">
      <div className="inspector__head">
        <span className="cat-chip">Pipeline</span>
        <h2 className="inspector__title">{name}</h2>
        <div className="muted small">{path ?? 'not saved yet'}</div>
        <div className="muted small">{counts}</div>
      </div>
      <div className="field">
        <div className="field__label">
          <label htmlFor="pipeline-name">name</label>
        </div>
        <input
          id="pipeline-name"
          className="input"
          value={name}
          onChange={(event) => documentStore.getState().dispatch(setPipelineName, { name: event.target.value })}
          data-testid="pipeline-name"
        />
      </div>
      <div className="panel-subtitle">Checks</div>
      {index.errors === 0 && index.warnings === 0 ? (
        <div className="ok-text">No problems found.</div>
      ) : (
        <div className="muted small">
          {index.errors} problem{index.errors === 1 ? '' : 's'}, {index.warnings} warning{index.warnings === 1 ? '' : 's'}; select a node to see its own.
        </div>
      )}
      {general.length > 0 && (
        <ul className="issue-list">
          {general.map((issue, position) => (
            <li key={position} className={issue.severity === 'warning' ? 'issue issue--warning' : 'issue'}>
              {issue.message}
            </li>
          ))}
        </ul>
      )}
      {path && <TriggersPanel path={path} />}
      <p className="muted small inspector__tip">Select a node to edit its parameters. Shift-drag on the canvas selects several.</p>
      <button type="button" className="btn btn--small" onClick={() => uiStore.getState().requestFit()}>
        Fit view
      </button>
    </div>
  );
}
