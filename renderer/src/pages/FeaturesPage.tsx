import { useCallback, useEffect, useState } from 'react';
import type { FeatureViewItem } from '../api/protocol';
import { useServices } from '../app/context';
import { formatTime } from './format';

const time = (iso: string | null) => (iso === null ? '—' : formatTime(Date.parse(iso)));

/**
 * The workspace's feature store: each view written by a feature.store.write node, with its
 * schema, freshness (the newest feature time, the last materialization into the online
 * table) and row counts offline and online.
 */
export function FeaturesPage({ name }: { name?: string | undefined }) {
  const { api, uiStore } = useServices();
  const [views, setViews] = useState<FeatureViewItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => api.featureViews().then(setViews, (failure: Error) => setError(failure.message)), [api]);
  useEffect(() => {
    void load();
  }, [load]);
  const selected = views?.find((view) => view.name === name) ?? views?.[0];
  return (
    <section className="page page--split" aria-label="Feature store" data-testid="features-page">
      <nav className="page__list" aria-label="Feature views">
        <h1>Features</h1>
        {error && (
          <div className="page__problem" role="alert">
            {error}
          </div>
        )}
        {views?.length === 0 && (
          <div className="muted" data-testid="features-empty">
            <p>No feature views in this workspace yet.</p>
            <p>
              Add a <code>feature.store.write</code> node to a pipeline and run it: its rows become a view that <code>feature.store.read</code> joins point-in-time
              and <code>tensorloom serve --feature-store</code> looks up by entity key.
            </p>
          </div>
        )}
        <ul>
          {(views ?? []).map((view) => (
            <li key={view.name}>
              <button
                type="button"
                className={`page__list-item${view.name === selected?.name ? ' is-selected' : ''}`}
                aria-current={view.name === selected?.name ? 'page' : undefined}
                onClick={() => uiStore.getState().setView({ kind: 'features', name: view.name })}
                data-testid={`feature-view-${view.name}`}
              >
                <span className="mono">{view.name}</span>
                <span className="muted small">
                  {view.rows} rows · {view.onlineRows} entities online
                </span>
                <span className="muted small">latest {time(view.latest)}</span>
              </button>
            </li>
          ))}
        </ul>
        <button type="button" className="btn btn--ghost" onClick={() => void load()} data-testid="features-refresh">
          Refresh
        </button>
      </nav>
      {selected && <FeatureViewDetail view={selected} />}
    </section>
  );
}

function FeatureViewDetail({ view }: { view: FeatureViewItem }) {
  const columns = [
    ...view.entity.map((column) => ({ ...column, role: 'entity key' })),
    { name: view.timestamp, kind: 'time', role: 'timestamp' },
    ...view.features.map((column) => ({ ...column, role: 'feature' })),
  ];
  return (
    <div className="page__detail" data-testid="feature-view-detail">
      <h2 className="mono">{view.name}</h2>
      <dl className="lineage__facts" data-testid="feature-view-facts">
        <dt>Rows</dt>
        <dd>
          {view.rows} offline in {view.partitions} partition{view.partitions === 1 ? '' : 's'} · {view.onlineRows} entities online
          {view.pendingPartitions > 0 && <span className="muted"> · {view.pendingPartitions} partition(s) not yet online</span>}
        </dd>
        <dt>Feature times</dt>
        <dd>
          {time(view.earliest)} to {time(view.latest)}
        </dd>
        <dt>Materialized</dt>
        <dd>{time(view.materializedAt)}</dd>
        <dt>TTL</dt>
        <dd>{view.ttl ?? 'none (values never expire)'}</dd>
      </dl>
      <h3 className="page__subtitle">Schema</h3>
      <table className="data-table" data-testid="feature-view-schema">
        <thead>
          <tr>
            <th scope="col">Column</th>
            <th scope="col">Role</th>
            <th scope="col">Type</th>
          </tr>
        </thead>
        <tbody>
          {columns.map((column) => (
            <tr key={column.name}>
              <td className="mono">{column.name}</td>
              <td>{column.role}</td>
              <td>{column.kind}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
