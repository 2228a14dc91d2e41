import { memo, useEffect, useState } from 'react';
import { useStore } from 'zustand';
import { useCatalog, useDoc, useRun, useServices } from '../app/context';
import { ResizeHandle } from '../layout/ResizeHandle';
import type { ApiClient } from '../api/client';
import { isTablePreview, type ArtifactPreview, type CatalogEntry } from '../api/protocol';
import { ConfusionMatrix } from '../charts/ConfusionMatrix';
import { LineChart } from '../charts/LineChart';
import { RocChart } from '../charts/RocChart';
import { formatNumber } from '../charts/scale';
import { STATUS_LABELS } from '../canvas/theme';
import { findConfusionMatrices, findContainerImage, findDriftReport, findRocCurves, findValidationReport, groupSeries, scalarEntries } from '../model/report-values';
import { ContainerImageCard } from './ContainerImageCard';
import { DriftReport } from './DriftReport';
import { TablePreview } from './TablePreview';
import { TrialsView } from './TrialsView';
import { ValidationReport } from './ValidationReport';

const PREVIEW_ROWS = 1000;
/** More scalars than this fold away under the charts. */
const SHOWN_SCALARS = 12;
/** Artifacts are immutable (content-addressed), so a preview fetched once stays right. */
const previewCache = new Map<string, Promise<ArtifactPreview>>();

function loadPreview(api: ApiClient, artifactId: string, type: string): Promise<ArtifactPreview> {
  const key = `${artifactId}:${type}`;
  let promise = previewCache.get(key);
  if (!promise) {
    promise = api.preview(artifactId, type, PREVIEW_ROWS);
    promise.catch(() => previewCache.delete(key));
    previewCache.set(key, promise);
  }
  return promise;
}

const EMPTY: Record<string, never> = {};

/** A param's default from the node type's schema. */
function defaultOf(entry: CatalogEntry | undefined, param: string): unknown {
  return (entry?.params as { properties?: Record<string, { default?: unknown }> } | undefined)?.properties?.[param]?.default;
}

/** Below the canvas: what the selected node produced in the run being shown. */
export function OutputsPanel() {
  const { panelStore } = useServices();
  const [open, setOpen] = useState(true);
  const height = useStore(panelStore, (state) => state.sizes.outputs);
  const nodeId = useDoc((state) => (state.selection.nodes.length === 1 ? state.selection.nodes[0] : undefined));
  return (
    <section className={`outputs${open ? '' : ' outputs--closed'}`} style={{ height }} data-testid="outputs-panel" aria-label="Outputs">
      {open && <ResizeHandle panel="outputs" grows="up" label="Resize the outputs panel" className="outputs__resize" />}
      <header className="outputs__bar">
        <button type="button" className="icon-button" onClick={() => setOpen(!open)} title={open ? 'Collapse' : 'Expand'} data-testid="outputs-toggle">
          {open ? '▾' : '▸'}
        </button>
        <span className="panel-title">Outputs</span>
        <RunSummary />
      </header>
      {open && <div className="outputs__body">{nodeId ? <NodeOutputs key={nodeId} nodeId={nodeId} /> : <div className="muted pad">Select a node to see its state, metrics, curves and outputs.</div>}</div>}
    </section>
  );
}

function RunSummary() {
  const runId = useRun((state) => state.runId);
  const phase = useRun((state) => state.phase);
  const source = useRun((state) => state.source);
  const backend = useRun((state) => state.backend);
  if (!runId && phase === 'idle') return <span className="muted small">No run yet</span>;
  return (
    <span className="outputs__run small" data-testid="run-summary" data-phase={phase}>
      <span className={`status-chip status-${phase}`}>{STATUS_LABELS[phase] ?? phase}</span>
      {runId && <code className="muted">{runId}</code>}
      {source === 'history' && <span className="badge">past run</span>}
      {backend && <span className="muted">on {backend}</span>}
    </span>
  );
}

const NodeOutputs = memo(function NodeOutputs({ nodeId }: { nodeId: string }) {
  const type = useDoc((state) => state.content.nodes.find((node) => node.id === nodeId)?.type);
  const entry = useCatalog((state) => (type ? state.byType[type] : undefined));
  const run = useRun((state) => state.nodes[nodeId]);
  const metrics = useRun((state) => state.metrics[nodeId] ?? EMPTY);
  const series = useRun((state) => state.series[nodeId] ?? EMPTY);
  const outputs = useRun((state) => state.outputs[nodeId] ?? EMPTY);
  const logs = useRun((state) => state.logs[nodeId]);
  const groups = groupSeries(series);
  const status = run?.status ?? 'idle';
  const runId = useRun((state) => state.runId);
  const nodeParams = useDoc((state) => state.content.nodes.find((node) => node.id === nodeId)?.params);
  const searches = entry?.type === 'train.tune';

  return (
    <div className="node-outputs" data-testid={`outputs-${nodeId}`}>
      <div className="node-outputs__head">
        <b>{nodeId}</b>
        <span className={`status-chip status-${status}`} data-testid="outputs-status">
          {STATUS_LABELS[status] ?? status}
        </span>
        {run?.ms !== undefined && <span className="muted small">{run.ms < 1000 ? `${Math.round(run.ms)} ms` : `${(run.ms / 1000).toFixed(2)} s`}</span>}
        {run?.cached && <span className="badge">cached</span>}
      </div>
      {run?.error && (
        <div className="issue" data-testid="outputs-error">
          {run.error}
        </div>
      )}

      <div className="node-outputs__grid">
        {Object.keys(metrics).length > 0 && (
          <div className="card">
            <div className="card__title">Metrics</div>
            <table className="kv-table" data-testid="metrics-list">
              <tbody>
                {Object.entries(metrics).map(([name, value]) => (
                  <tr key={name} data-testid={`metric-${name}`}>
                    <td>{name}</td>
                    <td className="is-number" data-testid={`metric-value-${name}`}>
                      {formatNumber(value)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {groups.map((group) => (
          <div className="card" key={group.title}>
            <LineChart title={group.title} lines={group.lines} testId={`curve-${group.title}`} />
          </div>
        ))}
      </div>

      {searches && runId && (status === 'succeeded' || status === 'cancelled' || status === 'running' || status === 'cached') && (
        <TrialsView
          runId={runId}
          nodeId={nodeId}
          metric={String(nodeParams?.metric ?? defaultOf(entry, 'metric') ?? 'accuracy')}
          direction={(nodeParams?.direction ?? defaultOf(entry, 'direction')) === 'min' ? 'min' : 'max'}
          finished={status !== 'running'}
        />
      )}

      {Object.entries(entry?.outputs ?? {}).map(([port, spec]) => {
        const artifactId = outputs[port];
        return (
          <div className="card" key={port}>
            <div className="card__title">
              <span className={`port-dot port-${spec.type}`} /> {port} <span className="muted">({spec.type})</span>
            </div>
            {artifactId ? <ArtifactView artifactId={artifactId} type={spec.type} testId={`output-${port}`} /> : <div className="muted small">{status === 'running' || status === 'queued' ? 'Not ready yet.' : 'No output in this run.'}</div>}
          </div>
        );
      })}

      {logs && logs.length > 0 && (
        <details className="card logs">
          <summary className="card__title">Log ({logs.length})</summary>
          <pre className="logs__text">
            {logs.map((line, index) => (
              <div key={index} className={`log-${line.level}`}>
                {line.message}
              </div>
            ))}
          </pre>
        </details>
      )}
    </div>
  );
});

function ArtifactView({ artifactId, type, testId }: { artifactId: string; type: string; testId: string }) {
  const { api } = useServices();
  const [state, setState] = useState<{ preview?: ArtifactPreview; error?: string }>({});
  useEffect(() => {
    let live = true;
    setState({});
    loadPreview(api, artifactId, type).then(
      (preview) => live && setState({ preview }),
      (error: Error) => live && setState({ error: error.message }),
    );
    return () => {
      live = false;
    };
  }, [artifactId, type]);
  if (state.error) return <div className="error-text small">Cannot preview: {state.error}</div>;
  if (!state.preview) return <div className="muted small">Loading…</div>;
  if (isTablePreview(state.preview)) return <TablePreview preview={state.preview} testId={testId} />;
  if (state.preview.kind === 'image' && typeof state.preview.value === 'string' && state.preview.value.startsWith('data:image/')) {
    return <img className="image-preview" src={state.preview.value} alt={`${type} output`} data-testid={testId} />;
  }
  return <ValueView value={state.preview.value} testId={testId} />;
}

function ValueView({ value, testId }: { value: unknown; testId: string }) {
  const confusion = findConfusionMatrices(value);
  const roc = findRocCurves(value);
  const report = findValidationReport(value);
  const drift = findDriftReport(value);
  const image = findContainerImage(value);
  const scalars = scalarEntries(value);
  const table = (
    <table className="kv-table">
      <tbody>
        {scalars.map((entry) => (
          <tr key={entry.key} data-testid={`${testId}-value-${entry.key}`}>
            <td>{entry.key}</td>
            <td className="is-number">{typeof entry.value === 'number' ? formatNumber(entry.value) : String(entry.value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <div className="value-view" data-testid={testId}>
      {report && <ValidationReport report={report} />}
      {drift && <DriftReport report={drift} />}
      {image && <ContainerImageCard image={image} />}
      <div className="node-outputs__grid">
        {confusion.map((data) => (
          <ConfusionMatrix key={data.path} data={data} />
        ))}
        {roc.length > 0 && <RocChart curves={roc} />}
        {scalars.length > 0 && scalars.length <= SHOWN_SCALARS && table}
      </div>
      {scalars.length > SHOWN_SCALARS && (
        <details>
          <summary className="muted small">All {scalars.length} values</summary>
          {table}
        </details>
      )}
      <details>
        <summary className="muted small">JSON</summary>
        <pre className="json-view">{JSON.stringify(value, null, 2)}</pre>
      </details>
    </div>
  );
}
