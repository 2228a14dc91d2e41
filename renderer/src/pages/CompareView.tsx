import { useEffect, useState } from 'react';
import type { RunComparison } from '../api/protocol';
import { useServices } from '../app/context';
import { LineChart } from '../charts/LineChart';
import { cellText } from '../model/run-table';
import { formatDuration, formatTime } from './format';

/**
 * Runs side by side (GET /api/runs/compare): only the params that differ, the final metrics
 * with the best of each marked, and every curve the runs recorded, overlaid.
 */
export function CompareView({ runIds }: { runIds: readonly string[] }) {
  const { api, uiStore } = useServices();
  const [comparison, setComparison] = useState<RunComparison | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.compareRuns(runIds).then(
      (answer) => live && setComparison(answer),
      (failure: Error) => live && setError(failure.message),
    );
    return () => {
      live = false;
    };
  }, [api, runIds]);

  const back = (
    <button type="button" className="btn" onClick={() => uiStore.getState().setView({ kind: 'runs' })} data-testid="compare-back">
      ← All runs
    </button>
  );
  if (error) {
    return (
      <section className="page" aria-label="Compare runs" data-testid="compare-view">
        <header className="page__head">
          <h1>Compare runs</h1>
          {back}
        </header>
        <div className="page__problem" role="alert">
          {error}
        </div>
      </section>
    );
  }
  if (!comparison) return <section className="page muted pad" aria-label="Compare runs">Loading…</section>;

  const ids = comparison.runs.map((run) => run.id);
  const paramRows = Object.entries(comparison.params).flatMap(([node, params]) => Object.entries(params).map(([param, values]) => ({ key: `${node}.${param}`, values })));
  const metricRows = Object.entries(comparison.metrics).flatMap(([node, metrics]) =>
    Object.entries(metrics).map(([name, values]) => ({ key: `${node}.${name}`, values, best: comparison.best[node]?.[name] ?? [] })),
  );
  const curves = Object.entries(comparison.series).flatMap(([node, metrics]) =>
    Object.entries(metrics)
      .map(([name, byRun]) => ({ key: `${node}.${name}`, lines: ids.filter((id) => (byRun[id]?.length ?? 0) > 0).map((id) => ({ name: id, points: byRun[id]! })) }))
      .filter((curve) => curve.lines.length > 0),
  );

  return (
    <section className="page" aria-label="Compare runs" data-testid="compare-view">
      <header className="page__head">
        <h1>Compare {ids.length} runs</h1>
        {back}
      </header>
      <div className="page__scroll" tabIndex={0} role="region" aria-label="Comparison">
        <table className="data-table" data-testid="compare-runs">
          <thead>
            <tr>
              <th scope="col">Run</th>
              {comparison.runs.map((run) => (
                <th scope="col" key={run.id} className="mono">
                  {run.id}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">experiment</th>
              {comparison.runs.map((run) => (
                <td key={run.id}>{run.experiment}</td>
              ))}
            </tr>
            <tr>
              <th scope="row">status</th>
              {comparison.runs.map((run) => (
                <td key={run.id}>{run.status}</td>
              ))}
            </tr>
            <tr>
              <th scope="row">started</th>
              {comparison.runs.map((run) => (
                <td key={run.id}>{formatTime(run.startedAt)}</td>
              ))}
            </tr>
            <tr>
              <th scope="row">took</th>
              {comparison.runs.map((run) => (
                <td key={run.id}>{run.durationMs === null ? '—' : formatDuration(run.durationMs)}</td>
              ))}
            </tr>
          </tbody>
        </table>

        <h2 className="page__subtitle">Params that differ</h2>
        {paramRows.length === 0 ? (
          <p className="muted" data-testid="compare-same-params">
            These runs used the same params.
          </p>
        ) : (
          <table className="data-table" data-testid="compare-params">
            <tbody>
              {paramRows.map((row) => (
                <tr key={row.key} data-testid={`compare-param-${row.key}`}>
                  <th scope="row" className="mono">
                    {row.key}
                  </th>
                  {row.values.map((value, index) => (
                    <td key={ids[index]} className="num">
                      {cellText(value)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        )}

        <h2 className="page__subtitle">Final metrics</h2>
        <table className="data-table" data-testid="compare-metrics">
          <tbody>
            {metricRows.map((row) => (
              <tr key={row.key} data-testid={`compare-metric-${row.key}`}>
                <th scope="row" className="mono">
                  {row.key}
                </th>
                {row.values.map((value, index) => {
                  const best = row.best.includes(ids[index]!);
                  return (
                    <td key={ids[index]} className={`num${best ? ' is-best' : ''}`} data-best={best ? 'true' : undefined}>
                      {cellText(value)}
                      {best && <span aria-label="best"> ★</span>}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>

        {curves.length > 0 && <h2 className="page__subtitle">Curves</h2>}
        <div className="page__charts" data-testid="compare-curves">
          {curves.map((curve) => (
            <LineChart key={curve.key} title={curve.key} lines={curve.lines} testId={`compare-curve-${curve.key}`} />
          ))}
        </div>
      </div>
    </section>
  );
}
