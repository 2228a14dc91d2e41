/**
 * A folder as a stream source: each new CSV, JSON Lines or Parquet file (settled: see
 * FolderTrigger) is read and its rows stored in the inbox, together with the file's
 * signature in one transaction, so a crash stores a file's rows once or not at all. A file
 * that cannot be read is one dead letter naming it, with the reason.
 */
import { extname, join } from 'node:path';
import type { Table } from 'apache-arrow';
import { readCsv } from '../data/csv.js';
import { readJsonLines } from '../data/json-io.js';
import { readParquetFile } from '../data/parquet-io.js';
import { previewRows } from '../data/table-ops.js';
import { FolderTrigger } from './folder-trigger.js';
import type { StreamInbox } from './inbox.js';
import type { SourceStatus, StreamSource } from './mqtt-source.js';
import type { StreamRecord } from './records.js';

export const FOLDER_EXTENSIONS = ['.csv', '.jsonl', '.ndjson', '.parquet'] as const;

export interface FolderSourceOptions {
  readonly dir: string;
  /** The folder as the pipeline names it, for messages. */
  readonly shown: string;
  readonly inbox: StreamInbox;
  readonly pollMs?: number;
  readonly settleMs?: number;
  readonly onStored?: (count: number) => void;
  readonly onStatus?: (status: SourceStatus) => void;
}

export class FolderSource implements StreamSource {
  private trigger: FolderTrigger | undefined;
  private current: SourceStatus;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: FolderSourceOptions) {
    this.current = { state: 'starting', since: Date.now() };
  }

  status(): SourceStatus {
    return this.current;
  }

  private set(state: SourceStatus['state'], detail: string): void {
    this.current = { state, detail, since: Date.now() };
    this.options.onStatus?.(this.current);
  }

  start(): void {
    if (this.trigger) return;
    const { dir, shown, inbox } = this.options;
    this.trigger = new FolderTrigger({
      dir,
      known: inbox.handledFiles(),
      ...(this.options.pollMs === undefined ? {} : { pollMs: this.options.pollMs }),
      ...(this.options.settleMs === undefined ? {} : { settleMs: this.options.settleMs }),
      onFiles: (names) => {
        const signatures = this.trigger!.snapshot();
        for (const name of names) this.queue = this.queue.then(() => this.ingest(name, signatures[name] ?? ''));
      },
      onMissing: () => this.set('down', `the folder ${shown} is gone; watching for it to come back`),
      onBack: () => this.set('watching', `new files in ${shown}`),
    });
    this.set('watching', `new files in ${shown}`);
    this.trigger.start();
  }

  /** Reads every file not handled yet, settled or not (a plain run's one look). */
  async scanOnce(): Promise<void> {
    const handled = this.options.inbox.handledFiles();
    const probe = new FolderTrigger({ dir: this.options.dir, known: handled, settleMs: 0, onFiles: () => {} });
    const now = Date.now();
    probe.poll(now);
    const names = probe.poll(now);
    const signatures = probe.snapshot();
    for (const name of names) await this.ingest(name, signatures[name] ?? '');
  }

  /** Resolves when the files found so far are stored. */
  settled(): Promise<void> {
    return this.queue;
  }

  private async ingest(name: string, signature: string): Promise<void> {
    const { inbox, dir } = this.options;
    const file = { name, signature };
    const extension = extname(name).toLowerCase();
    if (!(FOLDER_EXTENSIONS as readonly string[]).includes(extension)) {
      inbox.refuseFile(file, `'${name}' is not a CSV, JSON Lines or Parquet file (${FOLDER_EXTENSIONS.join(', ')})`);
      return;
    }
    let table: Table;
    try {
      const path = join(dir, name);
      if (extension === '.csv') table = (await readCsv({ path, name })).table;
      else if (extension === '.parquet') table = (await readParquetFile({ path, name })).table;
      else table = (await readJsonLines({ path, name })).table;
    } catch (error) {
      inbox.refuseFile(file, `could not read '${name}': ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const records: StreamRecord[] = previewRows(table, table.numRows);
    const counts = inbox.ingestFile(records, file);
    this.options.onStored?.(counts.stored);
  }

  async stop(): Promise<void> {
    this.trigger?.stop();
    this.trigger = undefined;
    await this.queue;
    this.set('stopped', '');
  }
}
