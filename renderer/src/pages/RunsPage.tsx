import { useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import type { RunTableAnswer, TrackedRunItem } from '../api/protocol';
import { useServices } from '../app/context';
import { cellText, columnValue, nextSort, sortDirection } from '../model/run-table';
import { formatDuration, formatTime } from './format';

/**
 * Every tracked run (GET /api/runs/table): filter by experiment and a `--where` expression,
 * sort by any column, pick runs to compare. The metric and param columns are the ones the
 * server picks: the main metrics, and the params that differ between the listed runs.
 */
export function RunsPage() {
  const { api, uiStore, controller } = useServices();
  const [experiment, setExperiment] = useState('');
  const [whereDraft, setWhereDraft] = useState('');
  const [where, setWhere] = useState('');
  const [sort, setSort] = useState('');
  const [answer, setAnswer] = useState<RunTableAnswer | null>(null);
  const [problem, setProblem] = useState<{ message: string; column?: number } | null>(null);
  const [selected, setSelected] = useState<string[]>([]);

  useEffect(() => {
    let live = true;
    api
      .runTable({ ...(experiment ? { experiment } : {}), ...(where ? { where } : {}), ...(sort ? { sort } : {}), limit: 200 })
      .then(
        (table) => {
          if (!live) return;
          setAnswer(table);
          setProblem(null);
        },
        (error: unknown) => {
          if (!live) return;
          const column = error instanceof ApiError && typeof error.details.column === 'number' ? error.details.column : undefined;
          setProblem({ message: error instanceof Error ? error.message : String(error), ...(column === undefined ? {} : { column }) });
        },
      );
    return () => {
      live = false;
    };
  }, [api, experiment, where, sort]);

  const toggle = (runId: string) => setSelected((current) => (current.includes(runId) ? current.filter((id) => id !== runId) : [...current, runId]));
  const runs = answer?.runs ?? [];
  const metricColumns = (answer?.columns.metrics ?? []).map((name) => `metrics.${name}`);
  const paramColumns = (answer?.columns.params ?? []).map((name) => `params.${name}`);

  const header = (field: string, label: string, title?: string) => (
    <th key={field} aria-sort={sortDirection(sort, field)} title={title}>
      <button type="button" className="th-button" onClick={() => setSort(nextSort(sort, field))} data-testid={`sort-${field}`}>
        {label}
        <span aria-hidden>{sortDirection(sort, field) === 'descending' ? ' ▾' : sortDirection(sort, field) === 'ascending' ? ' ▴' : ''}</span>
      </button>
    </th>
  );

  const openInBuilder = async (run: TrackedRunItem) => {
    uiStore.getState().setView({ kind: 'builder' });
    if (run.pipelinePath) await controller.openPipeline(run.pipelinePath);
    await controller.showRun(run.runId);
  };

  return (
    <section className="page" aria-label="Runs" data-testid="runs-page">
      <header className="page__head">
        <h1>Runs</h1>
        <label className="page__field">
          Experiment
          <select className="input" value={experiment} onChange={(event) => setExperiment(event.target.value)} data-testid="runs-experiment">
            <option value="">All experiments</option>
            {(answer?.experiments ?? []).map((item) => (
              <option key={item.name} value={item.name}>
                {item.name} ({item.runs})
              </option>
            ))}
          </select>
        </label>
        <form
          className="page__filter"
          onSubmit={(event) => {
            event.preventDefault();
            setWhere(whereDraft.trim());
          }}
        >
          <label className="page__field page__field--grow">
            Filter
            <input
              className="input mono"
              value={whereDraft}
              placeholder="metrics.accuracy > 0.9 and params.train.epochs = 50"
              onChange={(event) => setWhereDraft(event.target.value)}
              data-testid="runs-where"
              aria-describedby={problem ? 'runs-problem' : undefined}
              spellCheck={false}
            />
          </label>
          <button type="submit" className="btn" data-testid="runs-apply">
            Apply
          </button>
        </form>
        <button
          type="button"
          className="btn btn--primary"
          disabled={selected.length < 2}
          onClick={() => uiStore.getState().setView({ kind: 'compare', runIds: selected })}
          data-testid="compare-button"
          title="Select two or more runs to compare"
        >
          Compare {selected.length > 0 ? `(${selected.length})` : ''}
        </button>
      </header>
      {problem && (
        <div className="page__problem" id="runs-problem" role="alert" data-testid="runs-problem">
          {problem.message}
          {problem.column !== undefined && (
            <pre className="mono" aria-hidden>
              {`${where}\n${' '.repeat(Math.max(0, problem.column - 1))}^`}
            </pre>
          )}
        </div>
      )}
      <div className="page__scroll" tabIndex={0} role="region" aria-label="Runs table">
        <table className="data-table" data-testid="runs-table">
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">Select</span>
              </th>
              <th scope="col">Run</th>
              {header('experiment', 'Experiment')}
              {header('status', 'Status')}
              {header('started', 'Started')}
              {header('duration', 'Took')}
              {metricColumns.map((field) => header(field, field.slice('metrics.'.length), 'metric'))}
              {paramColumns.map((field) => header(field, field.slice('params.'.length), 'param that differs between these runs'))}
              <th scope="col">Tags</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <tr key={run.runId} className={selected.includes(run.runId) ? 'is-selected' : undefined} data-testid={`runs-row-${run.runId}`}>
                <td>
                  <input type="checkbox" checked={selected.includes(run.runId)} onChange={() => toggle(run.runId)} aria-label={`Select run ${run.runId}`} data-testid={`select-${run.runId}`} />
                </td>
                <td>
                  <button type="button" className="link-button mono" onClick={() => void openInBuilder(run)} title="Open in the builder with this run's results">
                    {run.runId}
                  </button>
                </td>
                <td>{run.experiment}</td>
                <td className={`status status--${run.status}`}>{run.status}</td>
                <td>{formatTime(run.startedAt)}</td>
                <td>{run.durationMs === null ? '—' : formatDuration(run.durationMs)}</td>
                {metricColumns.map((field) => (
                  <td key={field} className="num" data-testid={`cell-${run.runId}-${field}`}>
                    {cellText(columnValue(run, field))}
                  </td>
                ))}
                {paramColumns.map((field) => (
                  <td key={field} className="num" data-testid={`cell-${run.runId}-${field}`}>
                    {cellText(columnValue(run, field))}
                  </td>
                ))}
                <td className="small">
                  {Object.entries(run.tags)
                    .map(([key, value]) => `${key}=${value}`)
                    .join(' ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {answer && runs.length === 0 && <div className="muted pad">{where || experiment ? 'No run matches.' : 'No runs yet: run a pipeline in the builder or with tensorloom run.'}</div>}
      </div>
    </section>
  );
}
