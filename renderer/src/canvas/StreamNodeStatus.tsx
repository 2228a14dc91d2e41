import { memo, useEffect, useState } from 'react';
import { createPortal } from 'react-dom';
import { useDoc, useServices } from '../app/context';
import { ApiError } from '../api/client';
import type { StreamAnswer } from '../api/protocol';
import { Modal } from '../chrome/Modal';
import { lagText, payloadExcerpt, sourceStateText, sourceTone, throughputText } from '../model/stream-status';

/** How often a stream node asks the server for its counts (GET /api/streams). */
const POLL_MS = 1000;

/**
 * The live part of a data.stream node's card: while a stream trigger runs, the source's
 * state (connected, or down and retrying with backoff), throughput, lag, backlog, batches
 * and dead letters; otherwise the stored counts. Polls the saved pipeline's stream; an
 * unsaved pipeline (or a node not saved yet) shows nothing. The dead letters open as a list.
 */
export const StreamNodeStatus = memo(function StreamNodeStatus({ nodeId }: { nodeId: string }) {
  const { api } = useServices();
  const path = useDoc((state) => state.path);
  const [answer, setAnswer] = useState<StreamAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [showLetters, setShowLetters] = useState(false);

  useEffect(() => {
    if (path === null) {
      setAnswer(null);
      return;
    }
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await api.stream(path, nodeId);
        if (stopped) return;
        setAnswer(next);
        setError(null);
      } catch (caught) {
        if (stopped) return;
        setAnswer(null);
        // 4xx: the node or file is not saved yet, or the saved file does not validate (the
        // node's issues say why); nothing to show until it is.
        setError(caught instanceof ApiError && caught.status >= 400 && caught.status < 500 ? null : (caught as Error).message);
      }
      if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [api, path, nodeId]);

  if (error !== null) {
    return (
      <div className="tl-stream tl-stream--error" data-testid={`stream-status-${nodeId}`} title={error}>
        stream status unavailable: {error}
      </div>
    );
  }
  if (answer === null) return null;
  const running = answer.running;
  const stats = answer.stats;
  const deadLetters = running?.deadLetters ?? stats.deadLetters;
  const tone = running ? sourceTone(running.sourceState) : 'idle';

  return (
    <div className={`tl-stream tl-stream--${tone}`} data-testid={`stream-status-${nodeId}`} data-state={running ? running.sourceState.state : 'idle'}>
      <div className="tl-stream__state" data-testid={`stream-state-${nodeId}`} title={running?.sourceState.detail ?? undefined}>
        <span className="tl-stream__dot" aria-hidden />
        {running ? sourceStateText(running.sourceState) : 'not streaming: add a stream trigger'}
      </div>
      <div className="tl-stream__counts">
        {running && (
          <>
            <span title="rows a second processed over the last minute">
              <b data-testid={`stream-throughput-${nodeId}`}>{throughputText(running.throughput)}</b>
            </span>
            <span title="the last batch's oldest record, from arrival to commit">
              lag <b data-testid={`stream-lag-${nodeId}`}>{running.batches > 0 ? lagText(running.lagMs) : '—'}</b>
            </span>
          </>
        )}
        <span>
          <b data-testid={`stream-received-${nodeId}`}>{(running?.received ?? stats.received).toLocaleString('en-US')}</b> received
        </span>
        <span title="stored records not processed yet">
          <b data-testid={`stream-backlog-${nodeId}`}>{(running?.backlog ?? stats.backlog).toLocaleString('en-US')}</b> backlog
        </span>
        <span>
          <b data-testid={`stream-batches-${nodeId}`}>{(running?.batches ?? stats.batches).toLocaleString('en-US')}</b> batches
        </span>
        <span>
          {deadLetters > 0 ? (
            <button type="button" className="link-button nodrag" onClick={() => setShowLetters(true)} title="Show the dead letters: reason, time, payload">
              <b data-testid={`stream-dead-letters-${nodeId}`}>{deadLetters.toLocaleString('en-US')}</b> dead letters
            </button>
          ) : (
            <>
              <b data-testid={`stream-dead-letters-${nodeId}`}>0</b> dead letters
            </>
          )}
        </span>
      </div>
      {running?.retrying && (
        <div className="tl-stream__retrying" title={running.retrying}>
          {running.retrying}
        </div>
      )}
      {showLetters &&
        createPortal(
          <Modal title={`Dead letters of ${nodeId}`} onClose={() => setShowLetters(false)} testId="dead-letters" wide>
            <p className="muted small">
              Records the stream could not take, newest first ({answer.deadLetters.length} of {deadLetters.toLocaleString('en-US')} shown). The stream goes on without them.
            </p>
            <table className="dead-letters" data-testid="dead-letter-list">
              <thead>
                <tr>
                  <th>reason</th>
                  <th>received</th>
                  <th>payload</th>
                </tr>
              </thead>
              <tbody>
                {answer.deadLetters.map((letter) => (
                  <tr key={letter.id} data-testid="dead-letter">
                    <td>{letter.reason}</td>
                    <td className="nowrap">{new Date(letter.receivedAt).toLocaleString()}</td>
                    <td>
                      <code title={letter.payload}>{payloadExcerpt(letter.payload)}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Modal>,
          document.body,
        )}
    </div>
  );
});
