import { useEffect, useState } from 'react';
import { useDoc, useRun, useServices } from '../app/context';
import type { RunSummary } from '../api/protocol';
import { STATUS_LABELS } from '../canvas/theme';

const LIMIT = 20;

function when(value: string | number | undefined | null): string {
  if (value === undefined || value === null) return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

function duration(run: RunSummary): string {
  if (!run.startedAt || !run.finishedAt) return '';
  const ms = new Date(run.finishedAt).getTime() - new Date(run.startedAt).getTime();
  if (!Number.isFinite(ms) || ms < 0) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Past runs of this pipeline (all runs for an unsaved one); clicking one shows its node states on the canvas. */
export function RunsPanel() {
  const { api, controller } = useServices();
  const path = useDoc((state) => state.path);
  const shownRun = useRun((state) => state.runId);
  const phase = useRun((state) => state.phase);
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => controller.onRunsChanged(() => setVersion((value) => value + 1)), []);
  useEffect(() => {
    let live = true;
    api
      .runs({ ...(path ? { path } : {}), limit: LIMIT })
      .then((list) => live && (setRuns(list), setError(null)))
      .catch((failure: Error) => live && setError(failure.message));
    return () => {
      live = false;
    };
  }, [path, version, phase]);

  return (
    <section className="runs" data-testid="runs-panel" aria-label="Runs">
      <div className="panel-title">
        Runs <span className="muted small">{path ? 'of this pipeline' : 'in the workspace'}</span>
      </div>
      <div className="runs__list">
        {error && <div className="error-text small pad">{error}</div>}
        {!error && runs.length === 0 && <div className="muted small pad">No runs yet.</div>}
        {runs.map((run) => (
          <button
            type="button"
            key={run.runId}
            className={`runs__item${run.runId === shownRun ? ' is-current' : ''}`}
            onClick={() => void controller.showRun(run.runId)}
            data-testid={`run-item-${run.runId}`}
            title={`${run.runId}${run.pipeline ? `\n${run.pipeline}` : ''}${run.backend ? `\nbackend: ${run.backend}` : ''}`}
          >
            <span className={`status-dot status-${run.status}`} />
            <span className="runs__when">{when(run.startedAt)}</span>
            <span className="runs__status">{STATUS_LABELS[run.status] ?? run.status}</span>
            <span className="runs__duration muted">{duration(run)}</span>
          </button>
        ))}
      </div>
    </section>
  );
}
