/**
 * How a stream's status reads on its canvas node and in the triggers panel: the source's
 * state (with the backoff of a source that is down), throughput, lag and dead letters.
 */
import type { StreamRunStatus } from '../api/protocol';

type SourceState = StreamRunStatus['sourceState'];

/** 'connected', 'watching incoming', 'down: … · retrying in 2.5 s'. */
export function sourceStateText(source: SourceState, now = Date.now()): string {
  if (source.state === 'down') {
    const retry = source.retryAt === undefined ? '' : ` · retrying in ${Math.max(0, (source.retryAt - now) / 1000).toFixed(1)} s`;
    return `down${source.detail ? `: ${source.detail}` : ''}${retry}`;
  }
  if (source.state === 'connected') return 'connected';
  if (source.state === 'watching') return 'watching the folder';
  if (source.state === 'listening') return 'listening for POSTed rows';
  return source.state;
}

/** The state's colour class: ok, waiting or down. */
export function sourceTone(source: SourceState): 'ok' | 'waiting' | 'down' {
  if (source.state === 'down') return 'down';
  return source.state === 'connected' || source.state === 'watching' || source.state === 'listening' ? 'ok' : 'waiting';
}

export function throughputText(rowsPerSecond: number): string {
  if (rowsPerSecond === 0) return '0 rows/s';
  if (rowsPerSecond < 10) return `${rowsPerSecond.toFixed(2)} rows/s`;
  return `${Math.round(rowsPerSecond).toLocaleString('en-US')} rows/s`;
}

export function lagText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** The start of a dead letter's payload, on one line. */
export function payloadExcerpt(payload: string, length = 80): string {
  const line = payload.replace(/\s+/g, ' ').trim();
  return line.length > length ? `${line.slice(0, length - 1)}…` : line;
}
