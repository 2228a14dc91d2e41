import { useEffect, useState } from 'react';
import type { RunTableAnswer } from '../api/protocol';
import { useServices } from '../app/context';
import { ScatterChart } from '../charts/ScatterChart';
import { columnValue, trialScatters } from '../model/run-table';

/**
 * A search node's trials (its child runs): each searched param against the metric, the best
 * trial marked. The searched params are the ones that differ between the trials.
 */
export function TrialsView({ runId, nodeId, metric, direction, finished }: { runId: string; nodeId: string; metric: string; direction: 'max' | 'min'; finished: boolean }) {
  const { api } = useServices();
  const [trials, setTrials] = useState<RunTableAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.childRuns(runId).then(
      (answer) => live && setTrials(answer),
      (failure: Error) => live && setError(failure.message),
    );
    return () => {
      live = false;
    };
    // A running search gains trials: read again once it has finished.
  }, [api, runId, finished]);
  if (error) return <div className="muted small">Cannot load the trials: {error}</div>;
  if (!trials) return null;
  const mine = trials.runs.filter((run) => run.metrics[nodeId] !== undefined || Object.keys(run.params).includes(nodeId));
  const searched = trials.columns.params.filter((column) => column.startsWith(`${nodeId}.`));
  const points = mine.map((run) => {
    const value = run.metrics[nodeId]?.[metric] ?? columnValue(run, `metrics.${metric}`);
    return {
      id: run.tags.trial ? `trial ${run.tags.trial}` : run.runId,
      params: Object.fromEntries(searched.map((column) => [column.slice(nodeId.length + 1), columnValue(run, `params.${column}`)])),
      metric: typeof value === 'number' ? value : null,
    };
  });
  const scatters = trialScatters(points, direction);
  return (
    <div className="card" data-testid="trials-view">
      <div className="card__title">
        Trials ({mine.length}) · {metric}, {direction === 'max' ? 'higher' : 'lower'} is better
      </div>
      {scatters.length === 0 ? (
        <div className="muted small">No finished trial with a {metric} yet.</div>
      ) : (
        <div className="node-outputs__grid">
          {scatters.map((scatter) => (
            <ScatterChart key={scatter.param} title={scatter.param} metric={metric} points={scatter.points} categories={scatter.categories} testId={`trials-${scatter.param}`} />
          ))}
        </div>
      )}
    </div>
  );
}
