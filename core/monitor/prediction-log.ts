/**
 * The model server's prediction log and feedback log: JSON Lines files in one folder,
 * appended asynchronously so answering never waits for the disk.
 *
 *   predictions-<start>-<seq>.jsonl   one line per predict request (PredictionRecord)
 *   feedback-<start>-<seq>.jsonl      one line per ground-truth label (FeedbackRecord)
 *
 * Lines are buffered in memory and written every `flushMs` (default 1 s) or when the buffer
 * fills (up to 1 MiB), with one append per flush; a process killed with SIGKILL loses at most the
 * lines of the last interval (and may leave a half line, which the reader skips and counts).
 * A file that passes `maxFileBytes` is closed and the next lines go to a new file; a restart
 * always starts a new file, so a torn tail is never appended to. This file imports only
 * node modules and request-ids.ts: it is bundled into exported model images.
 */
import { mkdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { RequestIds } from './request-ids.js';

/** One predict request, as logged. Features are columns (name → values), sampled. */
export interface PredictionRecord {
  readonly id: string;
  /** ISO 8601, when the request arrived. */
  readonly time: string;
  readonly model: string;
  readonly version: string;
  /** Server time from arrival to the answer being ready, in milliseconds. */
  readonly latencyMs: number;
  readonly rows: number;
  /** The raw features as received, column by column; absent when the sample left them out. */
  readonly features?: Readonly<Record<string, readonly unknown[]>>;
  readonly predictions: readonly unknown[];
  /** Classification: rows × classes, in the order of `classes`. */
  readonly probabilities?: readonly (readonly number[])[];
  readonly classes?: readonly string[];
}

/** Ground truth for a logged request: `label` for a one-row request, one label per row for more. */
export interface FeedbackRecord {
  readonly id: string;
  readonly time: string;
  readonly label: unknown;
}

export interface LogWriterOptions {
  /** Flush interval; at most this much is lost to a kill -9. */
  readonly flushMs?: number;
  /** A file past this size is closed and a new one started. */
  readonly maxFileBytes?: number;
  /** Reports a failed write (the log goes on; answering never fails for it). */
  readonly onError?: (error: Error) => void;
}

export const DEFAULT_FLUSH_MS = 1000;
export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;
const FLUSH_AT_BYTES = 1024 * 1024;
const FIRST_CHUNK_BYTES = 64 * 1024;

/** A file-name-safe, sortable stamp: 20240501T120000123Z. */
function stamp(date = new Date()): string {
  return date.toISOString().replace(/[-:.]/g, '');
}

/** Appends JSON lines to `<dir>/<prefix>-<start>-<seq>.jsonl`, buffered, rotating by size. */
export class JsonlLogWriter {
  // Lines are encoded into a byte chunk as they come (one copy; the string dies young) and a
  // flush writes the filled part; a line larger than a whole chunk gets a buffer of its own.
  private chunk = Buffer.allocUnsafe(FIRST_CHUNK_BYTES);
  private used = 0;
  private chunkLines = 0;
  private file: FileHandle | undefined;
  private fileBytes = 0;
  private seq = 0;
  private readonly started = stamp();
  private writing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  /** Lines handed to the writer, and lines that reached the file. */
  appended = 0;
  written = 0;
  failures = 0;

  constructor(
    readonly dir: string,
    private readonly prefix: string,
    private readonly options: LogWriterOptions = {},
  ) {
    mkdirSync(dir, { recursive: true });
    this.timer = setInterval(() => void this.flush(), options.flushMs ?? DEFAULT_FLUSH_MS);
    this.timer.unref();
  }

  append(record: object): void {
    this.appendLine(JSON.stringify(record) + '\n');
  }

  /** Appends one line already serialised (ending in a newline). */
  appendLine(line: string): void {
    if (this.closed) return;
    this.appended++;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.used + line.length * 3 > this.chunk.length) {
      // A full chunk is written at once; the next is twice as large, up to 1 MiB (busy servers
      // write about once a second, quiet ones hold little memory).
      const next = Math.min(FLUSH_AT_BYTES, this.chunk.length * 2);
      void this.flush(next);
      if (line.length * 3 > this.chunk.length) {
        this.queue(Buffer.from(line, 'utf8'), 1);
        return;
      }
    }
    this.used += this.chunk.write(line, this.used, 'utf8');
    this.chunkLines++;
  }

  /** Writes what is buffered (one append); resolves when it is in the file. */
  flush(nextChunkBytes = this.chunk.length): Promise<void> {
    if (this.chunkLines === 0) return this.writing;
    const bytes = this.chunk.subarray(0, this.used);
    const lines = this.chunkLines;
    this.chunk = Buffer.allocUnsafe(nextChunkBytes);
    this.used = 0;
    this.chunkLines = 0;
    return this.queue(bytes, lines);
  }

  private queue(bytes: Buffer, lines: number): Promise<void> {
    this.writing = this.writing.then(() => this.write(bytes, lines));
    return this.writing;
  }

  private async write(text: Buffer, lines: number): Promise<void> {
    try {
      if (this.file && this.fileBytes > 0 && this.fileBytes + text.length > (this.options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES)) {
        await this.file.close();
        this.file = undefined;
      }
      if (!this.file) {
        this.seq++;
        this.file = await open(join(this.dir, `${this.prefix}-${this.started}-${String(this.seq).padStart(4, '0')}.jsonl`), 'a');
        this.fileBytes = (await this.file.stat()).size;
      }
      await this.file.appendFile(text);
      this.fileBytes += text.length;
      this.written += lines;
    } catch (error) {
      this.failures++;
      this.options.onError?.(error as Error);
    }
  }

  /** Flushes and closes the file; later appends are dropped. */
  async close(): Promise<void> {
    if (this.closed) return this.writing;
    clearInterval(this.timer);
    await this.flush();
    this.closed = true;
    await this.writing;
    await this.file?.close().catch(() => {});
    this.file = undefined;
  }
}

export interface PredictionLogOptions extends LogWriterOptions {
  /** Share of requests whose raw features are logged (0–1); ids, predictions and latency always are. */
  readonly sample?: number;
  /** The ids the server gives out; feedback for an id it has not answered recently is counted as unknown. */
  readonly ids?: RequestIds;
}

/** The server's two logs plus the ids it has answered (to count feedback for unknown ones). */
export class PredictionLog {
  readonly predictions: JsonlLogWriter;
  readonly feedback: JsonlLogWriter;
  readonly sample: number;
  private readonly ids: RequestIds;

  constructor(
    readonly dir: string,
    options: PredictionLogOptions = {},
  ) {
    this.sample = options.sample ?? 1;
    if (!(this.sample >= 0 && this.sample <= 1)) throw new Error(`the log sample rate must be between 0 and 1 (got ${this.sample})`);
    this.ids = options.ids ?? new RequestIds();
    this.predictions = new JsonlLogWriter(dir, 'predictions', options);
    this.feedback = new JsonlLogWriter(dir, 'feedback', options);
  }

  /** Whether this request's features go into the log. */
  sampled(): boolean {
    return this.sample >= 1 || (this.sample > 0 && Math.random() < this.sample);
  }

  logPrediction(record: PredictionRecord): void {
    this.logPredictionLine(record.id, JSON.stringify(record) + '\n');
  }

  /** Logs a PredictionRecord already serialised as one JSON line (the server's fast path). */
  logPredictionLine(id: string, line: string): void {
    this.predictions.appendLine(line);
    this.ids.answered(id);
  }

  /** Appends each label; returns how many ids this process has not answered (still logged: they may predate a restart). */
  logFeedback(items: readonly { id: string; label: unknown }[]): { accepted: number; unknown: number } {
    const time = new Date().toISOString();
    let unknown = 0;
    for (const item of items) {
      if (!this.ids.known(item.id)) unknown++;
      this.feedback.append({ id: item.id, time, label: item.label } satisfies FeedbackRecord);
    }
    return { accepted: items.length, unknown };
  }

  async close(): Promise<void> {
    await Promise.all([this.predictions.close(), this.feedback.close()]);
  }
}
