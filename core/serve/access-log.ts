/**
 * Structured access logs: one JSON line per request on stderr. The request id (see
 * core/monitor/request-ids.ts) ties a line to its prediction-log record and to feedback.
 *
 * Lines are gathered and written once per event-loop turn (setImmediate), so a burst of
 * answers costs one write, not one per request.
 */
import { accessLine } from './log-lines.js';

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

export class AccessLog {
  // Lines are encoded into one byte buffer as they come (the strings die young) and handed to
  // the sink as a copy of the filled part, once per event-loop turn.
  private chunk = Buffer.allocUnsafe(64 * 1024);
  private used = 0;
  private scheduled = false;

  constructor(private readonly sink: (bytes: Uint8Array) => void) {}

  write(entry: AccessEntry): void {
    const line = accessLine(entry);
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.used + line.length * 3 > this.chunk.length) {
      this.flush();
      if (line.length * 3 > this.chunk.length) this.chunk = Buffer.allocUnsafe(line.length * 3);
    }
    this.used += this.chunk.write(line, this.used, 'utf8');
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    if (this.used === 0) return;
    const bytes = Buffer.from(this.chunk.subarray(0, this.used));
    this.used = 0;
    this.sink(bytes);
  }
}
