import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { ModelDetailItem, ModelSummaryItem, ModelVersionDetail, RegistryEventItem } from '../api/protocol';
import { useServices } from '../app/context';
import { cellText } from '../model/run-table';
import { formatTime } from './format';

/**
 * The model registry: models, their immutable versions with metrics and lineage back to the
 * run, pipeline and data that made them, and aliases (champion, challenger, …) with their
 * history; an alias can be pointed at another version here.
 */
export function ModelsPage({ name }: { name?: string | undefined }) {
  const { api, uiStore } = useServices();
  const [models, setModels] = useState<ModelSummaryItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const loadModels = useCallback(() => api.models().then(setModels, (failure: Error) => setError(failure.message)), [api]);
  useEffect(() => {
    void loadModels();
  }, [loadModels]);
  const selected = name ?? models?.[0]?.name;
  return (
    <section className="page page--split" aria-label="Models" data-testid="models-page">
      <nav className="page__list" aria-label="Registered models">
        <h1>Models</h1>
        {error && <div className="page__problem" role="alert">{error}</div>}
        {models?.length === 0 && <p className="muted">No model registered yet: add a Register model node after an evaluation and run the pipeline.</p>}
        <ul>
          {(models ?? []).map((model) => (
            <li key={model.name}>
              <button
                type="button"
                className={`page__list-item${model.name === selected ? ' is-selected' : ''}`}
                aria-current={model.name === selected ? 'page' : undefined}
                onClick={() => uiStore.getState().setView({ kind: 'models', name: model.name })}
                data-testid={`model-${model.name}`}
              >
                <span className="mono">{model.name}</span>
                <span className="muted small">
                  {model.versionCount} version{model.versionCount === 1 ? '' : 's'}
                  {Object.keys(model.aliases).length > 0 ? ` · ${Object.entries(model.aliases).map(([alias, version]) => `@${alias}→v${version}`).join(' ')}` : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </nav>
      {selected && <ModelDetail key={selected} name={selected} onChanged={() => void loadModels()} />}
    </section>
  );
}

function who(event: RegistryEventItem): string {
  if (event.command) return event.command;
  if (event.runId) return `run ${event.runId}${event.nodeId ? ` (${event.nodeId})` : ''}`;
  return 'unknown';
}

function ModelDetail({ name, onChanged }: { name: string; onChanged: () => void }) {
  const { api } = useServices();
  const [detail, setDetail] = useState<ModelDetailItem | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const load = useCallback(() => api.model(name).then(setDetail, (failure: Error) => setError(failure.message)), [api, name]);
  useEffect(() => {
    void load();
  }, [load]);
  if (error) return <div className="page__problem" role="alert">{error}</div>;
  if (!detail) return <div className="muted pad">Loading…</div>;
  const metricNames = [...new Set(detail.versions.flatMap((version) => Object.keys(version.metrics)))].slice(0, 6);

  return (
    <div className="page__detail" data-testid="model-detail">
      <header className="page__head">
        <h2 className="mono">{detail.name}</h2>
        <span className="muted">registered {formatTime(detail.createdAt)}</span>
      </header>

      <h3 className="page__subtitle">Aliases</h3>
      {detail.aliases.length === 0 && <p className="muted">No alias yet.</p>}
      <ul className="alias-list">
        {detail.aliases.map((alias) => (
          <li key={alias.alias} data-testid={`alias-${alias.alias}`}>
            <strong>@{alias.alias}</strong> → v{alias.version}
            <ol className="alias-history small">
              {alias.history.map((event) => (
                <li key={event.id}>
                  {formatTime(event.time)}: {event.fromVersion === null ? 'set' : `v${event.fromVersion}`} → {event.toVersion === null ? 'removed' : `v${event.toVersion}`} by {who(event)}
                </li>
              ))}
            </ol>
          </li>
        ))}
      </ul>
      <AliasForm
        name={name}
        versions={detail.versions.filter((version) => version.archivedAt === null).map((version) => version.version)}
        aliases={detail.aliases.map((alias) => alias.alias)}
        onMoved={() => {
          void load();
          onChanged();
        }}
      />

      <h3 className="page__subtitle">Versions</h3>
      <table className="data-table" data-testid="model-versions">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Registered</th>
            {metricNames.map((metric) => (
              <th scope="col" key={metric}>
                {metric}
              </th>
            ))}
            <th scope="col">Aliases</th>
            <th scope="col">Trained by</th>
          </tr>
        </thead>
        <tbody>
          {detail.versions.map((version) => (
            <tr key={version.version} className={version.archivedAt !== null ? 'is-archived' : undefined} data-testid={`version-${version.version}`}>
              <td>
                <button type="button" className="link-button" aria-expanded={open === version.version} onClick={() => setOpen(open === version.version ? null : version.version)}>
                  v{version.version}
                </button>
                {version.archivedAt !== null && <span className="muted small"> archived</span>}
              </td>
              <td>{formatTime(version.createdAt)}</td>
              {metricNames.map((metric) => (
                <td key={metric} className="num">
                  {cellText(version.metrics[metric])}
                </td>
              ))}
              <td>{version.aliases.map((alias) => `@${alias}`).join(' ')}</td>
              <td className="mono small">{version.lineage.runId ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {open !== null && <VersionLineage name={name} version={open} />}
    </div>
  );
}

/** Where a version came from: the runs, the pipeline file (by hash) and the data files behind it. */
function VersionLineage({ name, version }: { name: string; version: number }) {
  const { api, controller, uiStore } = useServices();
  const [detail, setDetail] = useState<ModelVersionDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.modelVersion(name, version).then(setDetail, (failure: Error) => setError(failure.message));
  }, [api, name, version]);
  if (error) return <div className="page__problem" role="alert">{error}</div>;
  if (!detail) return <div className="muted pad">Loading…</div>;
  const trained = detail.provenance.trainedBy;
  const openRun = async () => {
    if (!trained) return;
    uiStore.getState().setView({ kind: 'builder' });
    if (trained.pipelinePath) await controller.openPipeline(trained.pipelinePath);
    await controller.showRun(trained.runId);
  };
  return (
    <div className="lineage" data-testid="version-lineage">
      <h3 className="page__subtitle">
        Lineage of {name} v{version}
      </h3>
      <dl className="lineage__facts">
        <dt>Model</dt>
        <dd className="mono">{detail.artifact}</dd>
        <dt>Trained by</dt>
        <dd>
          {trained ? (
            <button type="button" className="link-button mono" onClick={() => void openRun()} data-testid="lineage-run">
              run {trained.runId} · node {trained.nodeId}
            </button>
          ) : (
            '—'
          )}
        </dd>
        <dt>Pipeline</dt>
        <dd>
          {trained?.pipelinePath ?? trained?.pipelineName ?? '—'} <span className="muted mono small">{detail.provenance.pipelineHash?.slice(0, 19) ?? ''}</span>
        </dd>
        <dt>Data</dt>
        <dd>
          <ul>
            {detail.provenance.sources.map((source) => (
              <li key={source.nodeId}>
                {source.nodeId} ({source.type}) {source.path ?? ''} <span className="muted mono small">{source.hash.slice(0, 19)}…</span>
              </li>
            ))}
          </ul>
        </dd>
        <dt>Backend</dt>
        <dd>{detail.backend ?? '—'}</dd>
        <dt>Inputs</dt>
        <dd className="small">{(detail.schema.inputs ?? []).map((input) => `${input.name}: ${input.type}`).join(', ') || '—'}</dd>
      </dl>
    </div>
  );
}

function AliasForm({ name, versions, aliases, onMoved }: { name: string; versions: number[]; aliases: string[]; onMoved: () => void }) {
  const { api, uiStore } = useServices();
  const [alias, setAlias] = useState(aliases[0] ?? 'champion');
  const [version, setVersion] = useState(String(versions[0] ?? ''));
  const [problem, setProblem] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await api.setAlias(name, alias.trim(), Number(version));
      setProblem(null);
      uiStore.getState().toast('success', `${name}@${alias.trim()} now points at v${version}`);
      onMoved();
    } catch (failure) {
      setProblem((failure as Error).message);
    }
  };
  return (
    <form className="alias-form" onSubmit={(event) => void submit(event)} data-testid="alias-form">
      <label>
        Alias
        <input className="input" list="alias-names" value={alias} onChange={(event) => setAlias(event.target.value)} data-testid="alias-name" />
      </label>
      <datalist id="alias-names">
        {aliases.map((item) => (
          <option key={item} value={item} />
        ))}
      </datalist>
      <label>
        Version
        <select className="input" value={version} onChange={(event) => setVersion(event.target.value)} data-testid="alias-version">
          {versions.map((item) => (
            <option key={item} value={item}>
              v{item}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="btn btn--primary" disabled={versions.length === 0} data-testid="alias-set">
        Point alias
      </button>
      {problem && (
        <div className="field__error" role="alert" data-testid="alias-problem">
          {problem}
        </div>
      )}
    </form>
  );
}
