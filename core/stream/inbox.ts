/**
 * A stream's inbox in the workspace database (migration 6): every message a source delivers
 * is stored here before it is acknowledged, so nothing acknowledged is ever lost; batches
 * are cut from it by sequence number, and the stream's offset says which are processed.
 *
 * Exactly-once downstream, from at-least-once delivery:
 * - **Dedup**: with an `idField`, a record whose id is already stored is dropped (counted as
 *   a duplicate): a redelivery after a crash, or a publisher sending twice.
 * - **Claim, run, commit**: `claim` cuts the next batch (seqs after the offset, at most
 *   `batchRows`) and records it as pending in the same transaction; the downstream run
 *   processes it; `commit` moves the offset past it. A process killed in between finds the
 *   pending batch at its next `claim` and replays exactly that batch (same rows, same id);
 *   sinks recognise a batch they already appended (data.write `mode: append`).
 * - **Schema**: fixed from the first batch (records.ts); a record that does not fit is a dead
 *   letter with the reason, written once per stored message (UNIQUE (stream, seq)).
 */
import type Database from 'better-sqlite3';
import type { StreamColumn } from '../base/stream.js';
import type { WorkspaceStore } from '../store/index.js';
import { inferSchema, misfit, parseMessage, type MessageFormat, type StreamRecord, type StreamValue } from './records.js';

export interface InboxOptions {
  readonly format: MessageFormat;
  readonly idField?: string | undefined;
}

export interface IngestCounts {
  stored: number;
  duplicates: number;
  deadLetters: number;
}

export interface ClaimedBatch {
  /** `<number>:<first seq>-<last seq>`: the same for a replay of this batch. */
  readonly id: string;
  readonly number: number;
  readonly toSeq: number;
  readonly columns: readonly StreamColumn[];
  readonly rows: StreamValue[][];
  /** Arrival of the batch's oldest message (ms since the epoch). */
  readonly oldestAt: number;
  /** Reasons of the records this batch turned into dead letters (first claim only). */
  readonly deadLetters: readonly string[];
  /** True when this batch was claimed before (a replay after a crash or a failed run). */
  readonly replay: boolean;
}

export interface InboxStats {
  readonly received: number;
  readonly duplicates: number;
  readonly deadLetters: number;
  readonly batches: number;
  readonly committedSeq: number;
  /** Stored messages not processed yet. */
  readonly backlog: number;
  readonly schema: readonly StreamColumn[] | null;
  /** A batch was claimed and not committed: the next claim replays it. */
  readonly pending: boolean;
}

export interface DeadLetter {
  readonly id: number;
  readonly msgId: string | null;
  readonly payload: string;
  readonly reason: string;
  readonly receivedAt: number;
}

interface StateRow {
  committed_seq: number;
  batches: number;
  pending_json: string | null;
  schema_json: string | null;
  received: number;
  duplicates: number;
  dead_letters: number;
}

interface Pending {
  number: number;
  toSeq: number;
}

export class StreamInbox {
  constructor(
    private readonly store: WorkspaceStore,
    /** `<pipeline path relative to the workspace>#<node id>` */
    readonly stream: string,
    private readonly options: InboxOptions,
  ) {}

  /** Parses and stores messages in one transaction (call before acknowledging them). */
  ingest(messages: readonly string[], now = Date.now()): IngestCounts {
    return this.store.tables().write(`could not store messages of stream '${this.stream}'`, (db) => {
      const counts: IngestCounts = { stored: 0, duplicates: 0, deadLetters: 0 };
      for (const text of messages) {
        const parsed = parseMessage(text, this.options.format);
        if (!parsed.ok) {
          this.deadLetter(db, null, null, text, parsed.reason, now);
          counts.deadLetters++;
          continue;
        }
        for (const record of parsed.records) this.storeRecord(db, record, now, counts);
      }
      this.count(db, counts, now);
      return counts;
    });
  }

  /**
   * Stores records read from a file (a folder source) and marks the file handled in the same
   * transaction: a crash stores all of the file's records or none, and the file is read again.
   */
  ingestFile(records: readonly StreamRecord[], file: { name: string; signature: string }, now = Date.now()): IngestCounts {
    return this.store.tables().write(`could not store the rows of '${file.name}' for stream '${this.stream}'`, (db) => {
      const counts: IngestCounts = { stored: 0, duplicates: 0, deadLetters: 0 };
      for (const record of records) this.storeRecord(db, record, now, counts);
      db.prepare('INSERT INTO stream_files (stream, name, signature) VALUES (?, ?, ?) ON CONFLICT (stream, name) DO UPDATE SET signature = excluded.signature').run(
        this.stream,
        file.name,
        file.signature,
      );
      this.count(db, counts, now);
      return counts;
    });
  }

  /** A file that could not be read at all: one dead letter naming it, and the file counts as handled. */
  refuseFile(file: { name: string; signature: string }, reason: string, now = Date.now()): void {
    this.store.tables().write(`could not record the file '${file.name}' of stream '${this.stream}'`, (db) => {
      this.deadLetter(db, null, null, file.name, reason, now);
      db.prepare('INSERT INTO stream_files (stream, name, signature) VALUES (?, ?, ?) ON CONFLICT (stream, name) DO UPDATE SET signature = excluded.signature').run(
        this.stream,
        file.name,
        file.signature,
      );
      this.count(db, { stored: 0, duplicates: 0, deadLetters: 1 }, now);
    });
  }

  /** The files a folder source has handled (name → signature). */
  handledFiles(): Record<string, string> {
    return this.store.tables().read((db) => {
      const rows = db.prepare<[string], { name: string; signature: string }>('SELECT name, signature FROM stream_files WHERE stream = ?').all(this.stream);
      return Object.fromEntries(rows.map((row) => [row.name, row.signature]));
    });
  }

  private storeRecord(db: Database.Database, record: StreamRecord, now: number, counts: IngestCounts): void {
    const text = JSON.stringify(record);
    let msgId: string | null = null;
    const { idField } = this.options;
    if (idField !== undefined) {
      const id = record[idField];
      if (id === undefined || id === null || id === '') {
        this.deadLetter(db, null, null, text, `missing key '${idField}' (the idField)`, now);
        counts.deadLetters++;
        return;
      }
      msgId = String(id);
    }
    const inserted = db.prepare('INSERT OR IGNORE INTO stream_messages (stream, msg_id, payload, received_at) VALUES (?, ?, ?, ?)').run(this.stream, msgId, text, now);
    if (inserted.changes === 0) counts.duplicates++;
    else counts.stored++;
  }

  private deadLetter(db: Database.Database, seq: number | null, msgId: string | null, payload: string, reason: string, now: number): boolean {
    return (
      db
        .prepare('INSERT OR IGNORE INTO stream_dead_letters (stream, seq, msg_id, payload, reason, received_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(this.stream, seq, msgId, payload.slice(0, 64 * 1024), reason, now).changes > 0
    );
  }

  private count(db: Database.Database, counts: IngestCounts, now: number): void {
    this.ensureState(db, now);
    db.prepare('UPDATE stream_state SET received = received + ?, duplicates = duplicates + ?, dead_letters = dead_letters + ?, updated_at = ? WHERE stream = ?').run(
      counts.stored + counts.duplicates + counts.deadLetters,
      counts.duplicates,
      counts.deadLetters,
      now,
      this.stream,
    );
  }

  private ensureState(db: Database.Database, now: number): void {
    db.prepare('INSERT OR IGNORE INTO stream_state (stream, updated_at) VALUES (?, ?)').run(this.stream, now);
  }

  private state(db: Database.Database): StateRow | undefined {
    return db.prepare<[string], StateRow>('SELECT * FROM stream_state WHERE stream = ?').get(this.stream);
  }

  /** Stored messages after the offset (not yet processed). */
  backlog(): number {
    return this.store.tables().read((db) => this.backlogIn(db, this.state(db)?.committed_seq ?? 0));
  }

  private backlogIn(db: Database.Database, afterSeq: number): number {
    return db.prepare<[string, number], { n: number }>('SELECT count(*) AS n FROM stream_messages WHERE stream = ? AND seq > ?').get(this.stream, afterSeq)!.n;
  }

  /** When the oldest unprocessed message arrived (undefined: none waiting). */
  oldestWaiting(): number | undefined {
    return this.store.tables().read((db) => {
      const committed = this.state(db)?.committed_seq ?? 0;
      return db.prepare<[string, number], { at: number }>('SELECT received_at AS at FROM stream_messages WHERE stream = ? AND seq > ? ORDER BY seq LIMIT 1').get(this.stream, committed)?.at;
    });
  }

  /**
   * The batch to process: the pending one (a replay), else the next up to `batchRows`
   * records after the offset, recorded as pending. Batches whose records all turned out to
   * be dead letters are committed on the spot. Undefined when nothing waits.
   */
  claim(batchRows: number, now = Date.now()): ClaimedBatch | undefined {
    return this.store.tables().write(`could not claim a batch of stream '${this.stream}'`, (db) => {
      this.ensureState(db, now);
      for (;;) {
        const state = this.state(db)!;
        const pending = state.pending_json === null ? undefined : (JSON.parse(state.pending_json) as Pending);
        const rows = db
          .prepare<[string, number, number, number], { seq: number; msg_id: string | null; payload: string; received_at: number }>(
            'SELECT seq, msg_id, payload, received_at FROM stream_messages WHERE stream = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?',
          )
          .all(this.stream, state.committed_seq, pending?.toSeq ?? Number.MAX_SAFE_INTEGER, pending ? Number.MAX_SAFE_INTEGER : batchRows);
        if (rows.length === 0) {
          if (pending) db.prepare('UPDATE stream_state SET pending_json = NULL, committed_seq = ?, batches = batches + 1 WHERE stream = ?').run(pending.toSeq, this.stream);
          return undefined;
        }
        const records = rows.map((row) => JSON.parse(row.payload) as StreamRecord);
        let schema = state.schema_json === null ? undefined : (JSON.parse(state.schema_json) as StreamColumn[]);
        if (schema === undefined) {
          schema = inferSchema(records);
          db.prepare('UPDATE stream_state SET schema_json = ? WHERE stream = ?').run(JSON.stringify(schema), this.stream);
        }
        const good: StreamValue[][] = [];
        const reasons: string[] = [];
        rows.forEach((row, index) => {
          const why = misfit(records[index]!, schema);
          if (why === undefined) good.push(schema.map((column) => records[index]![column.name] ?? null));
          else if (this.deadLetter(db, row.seq, row.msg_id, row.payload, why, now)) {
            reasons.push(why);
            db.prepare('UPDATE stream_state SET dead_letters = dead_letters + 1 WHERE stream = ?').run(this.stream);
          }
        });
        const toSeq = rows[rows.length - 1]!.seq;
        const number = pending?.number ?? state.batches + 1;
        if (good.length === 0) {
          db.prepare('UPDATE stream_state SET pending_json = NULL, committed_seq = ?, batches = ?, updated_at = ? WHERE stream = ?').run(toSeq, number, now, this.stream);
          continue;
        }
        if (!pending) db.prepare('UPDATE stream_state SET pending_json = ?, updated_at = ? WHERE stream = ?').run(JSON.stringify({ number, toSeq } satisfies Pending), now, this.stream);
        return {
          id: `${number}:${rows[0]!.seq}-${toSeq}`,
          number,
          toSeq,
          columns: schema,
          rows: good,
          oldestAt: Math.min(...rows.map((row) => row.received_at)),
          deadLetters: reasons,
          replay: pending !== undefined,
        };
      }
    });
  }

  /** Marks a claimed batch processed: the offset moves past it. Committing it twice is harmless. */
  commit(batch: Pick<ClaimedBatch, 'number' | 'toSeq'>, now = Date.now()): void {
    this.store.tables().write(`could not commit batch ${batch.number} of stream '${this.stream}'`, (db) => {
      db.prepare(
        'UPDATE stream_state SET pending_json = NULL, committed_seq = max(committed_seq, ?), batches = max(batches, ?), updated_at = ? WHERE stream = ? AND committed_seq < ?',
      ).run(batch.toSeq, batch.number, now, this.stream, batch.toSeq);
    });
  }

  /**
   * What a plain run shows: the next records after the offset (the pending batch first),
   * with the schema they would get; nothing is recorded, no offset moves.
   */
  peek(batchRows: number): { columns: StreamColumn[]; rows: StreamValue[][]; oldestAt: number | undefined } {
    return this.store.tables().read((db) => {
      const state = this.state(db);
      const rows = db
        .prepare<[string, number, number], { payload: string; received_at: number }>('SELECT payload, received_at FROM stream_messages WHERE stream = ? AND seq > ? ORDER BY seq LIMIT ?')
        .all(this.stream, state?.committed_seq ?? 0, batchRows);
      const records = rows.map((row) => JSON.parse(row.payload) as StreamRecord);
      const columns = state?.schema_json ? (JSON.parse(state.schema_json) as StreamColumn[]) : inferSchema(records);
      const fit = records.filter((record) => misfit(record, columns) === undefined);
      return {
        columns,
        rows: fit.map((record) => columns.map((column) => record[column.name] ?? null)),
        oldestAt: rows.length === 0 ? undefined : Math.min(...rows.map((row) => row.received_at)),
      };
    });
  }

  stats(): InboxStats {
    return this.store.tables().read((db) => {
      const state = this.state(db);
      return {
        received: state?.received ?? 0,
        duplicates: state?.duplicates ?? 0,
        deadLetters: state?.dead_letters ?? 0,
        batches: state?.batches ?? 0,
        committedSeq: state?.committed_seq ?? 0,
        backlog: this.backlogIn(db, state?.committed_seq ?? 0),
        schema: state?.schema_json ? (JSON.parse(state.schema_json) as StreamColumn[]) : null,
        pending: state?.pending_json != null,
      };
    });
  }

  /** The latest dead letters, newest first. */
  deadLetters(limit = 100): DeadLetter[] {
    return this.store.tables().read((db) =>
      db
        .prepare<[string, number], { id: number; msg_id: string | null; payload: string; reason: string; received_at: number }>(
          'SELECT id, msg_id, payload, reason, received_at FROM stream_dead_letters WHERE stream = ? ORDER BY id DESC LIMIT ?',
        )
        .all(this.stream, limit)
        .map((row) => ({ id: row.id, msgId: row.msg_id, payload: row.payload, reason: row.reason, receivedAt: row.received_at })),
    );
  }
}
