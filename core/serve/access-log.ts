/**
 * Structured access logs: one JSON line per request on stderr, and the request id that ties
 * a request to its prediction-log record and to feedback sent later.
 *
 * Lines are gathered and written once per event-loop turn (setImmediate), so a burst of
 * answers costs one write, not one per request.
 */
import { randomUUID } from 'node:crypto';

export interface AccessEntry {
  readonly time: string;
  readonly id: string;
  readonly method: string;
  readonly path: string;
  readonly route: string;
  readonly status: number;
  readonly ms: number;
  readonly model: string;
  readonly version: string;
  readonly rows?: number;
}

const CLIENT_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The client's `x-request-id` when it is a sane token (1–128 of A–Z a–z 0–9 . _ : @ / + = -), else a new UUID. */
export function requestId(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && CLIENT_ID.test(value) ? value : randomUUID();
}

export class AccessLog {
  private lines: string[] = [];
  private scheduled = false;

  constructor(private readonly sink: (text: string) => void) {}

  write(entry: AccessEntry): void {
    this.lines.push(JSON.stringify(entry) + '\n');
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    if (this.lines.length === 0) return;
    const text = this.lines.join('');
    this.lines = [];
    this.sink(text);
  }
}
