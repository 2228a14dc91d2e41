import { useCallback, useEffect, useState } from 'react';
import { useServices } from '../app/context';
import { ApiError } from '../api/client';
import type { TriggerItem } from '../api/protocol';
import { sourceStateText, throughputText } from '../model/stream-status';

const POLL_MS = 2000;
type Kind = TriggerItem['kind'];

const PLACEHOLDER: Record<Kind, string> = { files: 'folder in the workspace, e.g. incoming', schedule: 'cron (UTC), e.g. */15 * * * *', drift: 'drift node id', stream: '' };
/** The field each kind asks for; a stream trigger asks for none (the pipeline's one data.stream node). */
const FIELD: Record<Kind, 'folder' | 'schedule' | 'node' | null> = { files: 'folder', schedule: 'schedule', drift: 'node', stream: null };

function when(ms: number | null): string {
  return ms === null ? '—' : new Date(ms).toLocaleString();
}

function spec(trigger: TriggerItem): string {
  if (trigger.kind === 'files') return `new files in ${trigger.folder ?? '?'}`;
  if (trigger.kind === 'schedule') return `schedule ${trigger.schedule ?? '?'} (UTC)`;
  if (trigger.kind === 'stream') return `stream of ${trigger.node ?? '?'}: a run per micro-batch`;
  return `drift verdict of ${trigger.node ?? '?'}`;
}

/**
 * The triggers of the open, saved pipeline (API.md, Triggers): new files, a schedule or a
 * drift verdict that start runs on the server; last and next firing, pause, resume, remove.
 */
export function TriggersPanel({ path }: { path: string }) {
  const { api } = useServices();
  const [triggers, setTriggers] = useState<TriggerItem[]>([]);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [kind, setKind] = useState<Kind>('files');
  const [value, setValue] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(async () => {
    try {
      setTriggers(await api.triggers(path));
      setLoadError(null);
    } catch (error) {
      setLoadError((error as Error).message);
    }
  }, [api, path]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const add = async (event: React.FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFormError(null);
    try {
      const field = FIELD[kind];
      await api.addTrigger(field === null ? { path, kind } : { path, kind, [field]: value.trim() });
      setValue('');
      await refresh();
    } catch (error) {
      setFormError(error instanceof ApiError || error instanceof Error ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  const change = async (id: string, action: 'pause' | 'resume' | 'remove') => {
    try {
      await api.changeTrigger(id, action);
      await refresh();
    } catch (error) {
      setLoadError((error as Error).message);
    }
  };

  return (
    <div className="triggers" data-testid="triggers-panel">
      <div className="panel-subtitle">Triggers</div>
      {loadError && <div className="error-text small">{loadError}</div>}
      {triggers.length === 0 ? (
        <div className="muted small">No triggers: runs start only by hand.</div>
      ) : (
        <ul className="issue-list" data-testid="trigger-list">
          {triggers.map((trigger) => (
            <li key={trigger.id} className="small" data-testid={`trigger-${trigger.kind}`} data-paused={trigger.paused ? 'true' : 'false'}>
              <div>
                <strong>{spec(trigger)}</strong> {trigger.paused && <span className="muted">(paused)</span>}
              </div>
              <div className="muted">
                last firing {when(trigger.lastFiredAt)}
                {trigger.kind === 'schedule' && !trigger.paused ? ` · next ${when(trigger.nextFiringAt)}` : ''}
              </div>
              {trigger.lastRunId && (
                <div className="muted" data-testid="trigger-last-run">
                  last run <code>{trigger.lastRunId}</code> {trigger.lastRunStatus ?? ''}
                </div>
              )}
              {trigger.kind === 'stream' && trigger.stream && (
                <div className="muted" data-testid="trigger-stream-status">
                  {sourceStateText(trigger.stream.sourceState)} · {trigger.stream.batches} batches · {throughputText(trigger.stream.throughput)}
                  {trigger.stream.retrying && <div className="error-text">{trigger.stream.retrying}</div>}
                </div>
              )}
              {trigger.error && <div className="error-text">{trigger.error}</div>}
              <div>
                <button type="button" className="btn btn--small" onClick={() => void change(trigger.id, trigger.paused ? 'resume' : 'pause')} data-testid="trigger-toggle">
                  {trigger.paused ? 'Resume' : 'Pause'}
                </button>{' '}
                <button type="button" className="btn btn--small" onClick={() => void change(trigger.id, 'remove')} data-testid="trigger-remove">
                  Remove
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      <form className="field" onSubmit={(event) => void add(event)} data-testid="trigger-form">
        <div className="field__label">
          <label htmlFor="trigger-kind">add a trigger</label>
        </div>
        <select id="trigger-kind" className="input" value={kind} onChange={(event) => setKind(event.target.value as Kind)} data-testid="trigger-kind">
          <option value="files">new files in a folder</option>
          <option value="schedule">schedule (cron, UTC)</option>
          <option value="drift">drift verdict of a node</option>
          <option value="stream">stream: a run per micro-batch</option>
        </select>
        {FIELD[kind] === null ? (
          <div className="muted small" data-testid="trigger-stream-hint">
            Runs the pipeline once per micro-batch of its data.stream node, until paused or removed.
          </div>
        ) : (
          <input
            className="input"
            aria-label={FIELD[kind] ?? undefined}
            placeholder={PLACEHOLDER[kind]}
            value={value}
            onChange={(event) => setValue(event.target.value)}
            data-testid="trigger-value"
          />
        )}
        {formError && (
          <div className="error-text small" role="alert" data-testid="trigger-error">
            {formError}
          </div>
        )}
        <button type="submit" className="btn btn--small" disabled={busy || (FIELD[kind] !== null && value.trim() === '')} data-testid="trigger-add">
          Add trigger
        </button>
      </form>
    </div>
  );
}
