import { useCallback, useEffect, useMemo, useState } from 'react';
import type { MonitoredModelItem, MonitoringAnswer } from '../api/protocol';
import { useServices } from '../app/context';
import { LineChart, type Line } from '../charts/LineChart';
import { formatNumber } from '../charts/scale';
import { formatTime } from './format';

export const MONITORING_RANGES = [
  ['1h', 'Last hour'],
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
] as const;

export type MonitoringRange = (typeof MONITORING_RANGES)[number][0];

/**
 * Monitoring of served models: what `tensorloom serve` logged in this workspace
 * (.tensorloom/predictions/<model>/), as throughput, latency percentiles and accuracy (or
 * RMSE, for regressors) per time window, with feedback labels joined by request id.
 */
export function MonitoringPage({ name, range }: { name?: string | undefined; range?: MonitoringRange | undefined }) {
  const { api, uiStore } = useServices();
  const [models, setModels] = useState<MonitoredModelItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => api.monitoredModels().then(setModels, (failure: Error) => setError(failure.message)), [api]);
  useEffect(() => {
    void load();
  }, [load]);
  const selected = name ?? models?.[0]?.name;
  const last = range ?? '24h';
  return (
    <section className="page page--split" aria-label="Monitoring" data-testid="monitoring-page">
      <nav className="page__list" aria-label="Served models">
        <h1>Monitoring</h1>
        {error && (
          <div className="page__problem" role="alert">
            {error}
          </div>
        )}
        {models?.length === 0 && (
          <div className="muted" data-testid="monitoring-empty">
            <p>No served model has logged predictions in this workspace yet.</p>
            <p>
              Serve one with <code>tensorloom serve &lt;model&gt;</code>: it logs every request to <code>.tensorloom/predictions/&lt;model&gt;/</code> by
              default. Send ground truth to <code>POST /v1/models/&lt;model&gt;/feedback</code> to see accuracy here.
            </p>
          </div>
        )}
        <ul>
          {(models ?? []).map((model) => (
            <li key={model.name}>
              <button
                type="button"
                className={`page__list-item${model.name === selected ? ' is-selected' : ''}`}
                aria-current={model.name === selected ? 'page' : undefined}
                onClick={() => uiStore.getState().setView({ kind: 'monitoring', name: model.name, range: last })}
                data-testid={`monitored-${model.name}`}
              >
                <span className="mono">{model.name}</span>
                <span className="muted small">
                  {model.requests} request{model.requests === 1 ? '' : 's'} · v{model.versions.join(', v')}
                </span>
                {model.last && <span className="muted small">last {formatTime(Date.parse(model.last))}</span>}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      {selected && (
        <MonitoringDetail key={`${selected}:${last}`} name={selected} last={last} onRange={(next) => uiStore.getState().setView({ kind: 'monitoring', name: selected, range: next })} />
      )}
    </section>
  );
}

function series(answer: MonitoringAnswer, value: (window: MonitoringAnswer['windows'][number]) => number | undefined): Line['points'] {
  return answer.windows.flatMap((window, step) => {
    const found = value(window);
    return found === undefined || !Number.isFinite(found) ? [] : [{ step, value: found }];
  });
}

/** The x-axis label of window `step`: its start as local hh:mm (with the day when the range spans days). */
function windowTick(answer: MonitoringAnswer): (step: number) => string {
  const days = new Set(answer.windows.map((window) => formatTime(Date.parse(window.start)).slice(0, 10)));
  return (step) => {
    const window = answer.windows[step];
    if (!window) return '';
    const time = formatTime(Date.parse(window.start));
    return days.size > 1 ? `${time.slice(5, 10)} ${time.slice(11, 16)}` : time.slice(11, 16);
  };
}

function MonitoringDetail({ name, last, onRange }: { name: string; last: MonitoringRange; onRange: (range: MonitoringRange) => void }) {
  const { api } = useServices();
  const [answer, setAnswer] = useState<MonitoringAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.monitoring(name, last).then(
      (found) => live && setAnswer(found),
      (failure: Error) => live && setError(failure.message),
    );
    return () => {
      live = false;
    };
  }, [api, name, last]);
  const classification = answer?.task !== 'regression';
  const totals = answer?.totals;
  const xTick = useMemo(() => (answer ? windowTick(answer) : String), [answer]);
  return (
    <div className="page__detail" data-testid="monitoring-detail">
      <header className="page__head">
        <h2 className="mono">{name}</h2>
        <label className="page__field">
          <span>Time range</span>
          <select className="input" value={last} onChange={(event) => onRange(event.target.value as MonitoringRange)} data-testid="monitoring-range">
            {MONITORING_RANGES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
      </header>
      {error && (
        <div className="page__problem" role="alert">
          {error}
        </div>
      )}
      {!answer && !error && <div className="muted pad">Loading…</div>}
      {answer && totals && (
        <>
          <dl className="lineage__facts" data-testid="monitoring-totals">
            <dt>Requests</dt>
            <dd data-testid="total-requests">{totals.requests}</dd>
            <dt>Rows predicted</dt>
            <dd data-testid="total-rows">{totals.rows}</dd>
            <dt>With feedback</dt>
            <dd data-testid="total-labeled">{totals.labeled}</dd>
            {classification ? (
              <>
                <dt>Accuracy</dt>
                <dd data-testid="total-accuracy">{totals.accuracy === undefined ? '—' : formatNumber(totals.accuracy)}</dd>
                <dt>Macro F1</dt>
                <dd>{totals.f1 === undefined ? '—' : formatNumber(totals.f1)}</dd>
              </>
            ) : (
              <>
                <dt>RMSE</dt>
                <dd data-testid="total-rmse">{totals.rmse === undefined ? '—' : formatNumber(totals.rmse)}</dd>
                <dt>MAE</dt>
                <dd>{totals.mae === undefined ? '—' : formatNumber(totals.mae)}</dd>
              </>
            )}
            <dt>Latency (ms)</dt>
            <dd data-testid="total-latency">
              {totals.latencyMs ? `p50 ${formatNumber(totals.latencyMs.p50)} · p95 ${formatNumber(totals.latencyMs.p95)} · p99 ${formatNumber(totals.latencyMs.p99)}` : '—'}
            </dd>
            <dt>Versions</dt>
            <dd>{answer.versions.length > 0 ? answer.versions.map((version) => `v${version}`).join(', ') : '—'}</dd>
            {(answer.corrupt.predictions > 0 || answer.corrupt.feedback > 0) && (
              <>
                <dt>Skipped lines</dt>
                <dd data-testid="total-corrupt">
                  {answer.corrupt.predictions + answer.corrupt.feedback} corrupt line(s) skipped ({answer.corrupt.predictions} prediction, {answer.corrupt.feedback} feedback)
                </dd>
              </>
            )}
          </dl>
          <p className="muted small">
            {formatTime(Date.parse(answer.since))} to {formatTime(Date.parse(answer.until))}, in windows of {answer.window} (x axis: the start of each window, local time).
          </p>
          {totals.requests === 0 ? (
            <p className="muted" data-testid="monitoring-no-traffic">
              No request in this time range. Choose a longer range, or send traffic to the served model.
            </p>
          ) : (
            <div className="page__charts">
              <LineChart title={`Requests per ${answer.window}`} lines={[{ name: 'requests', points: series(answer, (window) => window.requests) }]} testId="chart-throughput" xTick={xTick} xName="time" />
              <LineChart
                title="Latency (ms)"
                lines={[
                  { name: 'p50', points: series(answer, (window) => window.latencyMs?.p50) },
                  { name: 'p95', points: series(answer, (window) => window.latencyMs?.p95) },
                  { name: 'p99', points: series(answer, (window) => window.latencyMs?.p99) },
                ]}
                testId="chart-latency"
                xTick={xTick}
                xName="time"
              />
              {totals.labeled > 0 ? (
                <LineChart
                  title={classification ? 'Accuracy' : 'RMSE'}
                  lines={[{ name: classification ? 'accuracy' : 'rmse', points: series(answer, (window) => (classification ? window.accuracy : window.rmse)) }]}
                  testId="chart-quality"
                  xTick={xTick}
                  xName="time"
                />
              ) : (
                <p className="muted" data-testid="monitoring-no-feedback">
                  No feedback in this range: send labels to <code>POST /v1/models/{name}/feedback</code> with the <code>x-request-id</code> of each answer to see{' '}
                  {classification ? 'accuracy' : 'RMSE'} over time.
                </p>
              )}
            </div>
          )}
        </>
      )}
    </div>
  );
}
