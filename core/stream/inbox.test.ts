/** The stream inbox against a real workspace store (SQLite on disk). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkspaceStore } from '../store/index.js';
import { StreamInbox, type InboxOptions } from './inbox.js';

const opened: { root: string; store: WorkspaceStore }[] = [];
afterEach(() => {
  for (const { root, store } of opened.splice(0)) {
    store.close();
    rmSync(root, { recursive: true, force: true });
  }
});

function inbox(options: InboxOptions = { format: 'json', idField: 'id' }, stream = 'p.pipeline.json#events'): { inbox: StreamInbox; store: WorkspaceStore; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'tensorloom-inbox-'));
  const store = WorkspaceStore.open(join(root, '.tensorloom'));
  opened.push({ root, store });
  return { inbox: new StreamInbox(store, stream, options), store, root };
}

const message = (id: number, extra: Record<string, unknown> = {}) => JSON.stringify({ id, v: id * 1.5, ...extra });

describe('StreamInbox', () => {
  it('drops a record whose id is stored already, in one message, across messages and across batches', () => {
    const { inbox: box } = inbox();
    expect(box.ingest([message(1), message(2), message(1)])).toEqual({ stored: 2, duplicates: 1, deadLetters: 0 });
    expect(box.ingest([JSON.stringify([{ id: 2, v: 3 }, { id: 3, v: 4.5 }])])).toEqual({ stored: 1, duplicates: 1, deadLetters: 0 });
    const batch = box.claim(10)!;
    box.commit(batch);
    // An id of a committed batch is still known: a redelivery after the commit is dropped too.
    expect(box.ingest([message(3), message(4)])).toEqual({ stored: 1, duplicates: 1, deadLetters: 0 });
    expect(box.stats()).toMatchObject({ received: 7, duplicates: 3, deadLetters: 0, backlog: 1, batches: 1 });
  });

  it('keys ids by their text, so 7 and "7" are the same record; streams do not share ids', () => {
    const { inbox: box, store } = inbox();
    expect(box.ingest([message(7), JSON.stringify({ id: '7', v: 1 })])).toEqual({ stored: 1, duplicates: 1, deadLetters: 0 });
    const other = new StreamInbox(store, 'p.pipeline.json#other', { format: 'json', idField: 'id' });
    expect(other.ingest([message(7)])).toEqual({ stored: 1, duplicates: 0, deadLetters: 0 });
  });

  it('without an idField keeps every record (no dedup)', () => {
    const { inbox: box } = inbox({ format: 'json' });
    expect(box.ingest([message(1), message(1)])).toEqual({ stored: 2, duplicates: 0, deadLetters: 0 });
  });

  it('dead-letters on arrival what does not parse or lacks the id, keeping the payload and the reason', () => {
    const { inbox: box } = inbox();
    expect(box.ingest(['{broken', JSON.stringify({ v: 1 }), JSON.stringify({ id: null, v: 1 }), JSON.stringify({ id: '', v: 1 }), message(1)])).toEqual({ stored: 1, duplicates: 0, deadLetters: 4 });
    const letters = box.deadLetters();
    expect(letters.map((letter) => letter.reason)).toEqual([
      "missing key 'id' (the idField)",
      "missing key 'id' (the idField)",
      "missing key 'id' (the idField)",
      expect.stringMatching(/^not JSON/),
    ]);
    expect(letters.at(-1)).toMatchObject({ payload: '{broken', msgId: null });
    expect(box.stats()).toMatchObject({ received: 5, deadLetters: 4, backlog: 1 });
  });

  it('fixes the schema at the first batch; later misfits are dead letters at their batch, with the id', () => {
    const { inbox: box } = inbox();
    box.ingest([message(1), message(2), message(3, { v: 'odd' })]);
    const first = box.claim(10)!;
    // The majority type wins: one text value in the first batch does not make v text.
    expect(first.columns).toEqual([
      { name: 'id', type: 'number' },
      { name: 'v', type: 'number' },
    ]);
    expect(first.rows).toEqual([
      [1, 1.5],
      [2, 3],
    ]);
    expect(first.deadLetters).toEqual([`wrong type for 'v': string "odd", expected number`]);
    box.commit(first);
    box.ingest([message(4, { extra: true }), JSON.stringify({ id: 5 }), message(6)]);
    const second = box.claim(10)!;
    expect(second.rows).toEqual([[6, 9]]);
    expect(second.deadLetters).toEqual(["unexpected key 'extra' (the schema is id, v)", "missing key 'v'"]);
    expect(box.deadLetters().map((letter) => letter.msgId)).toEqual(['5', '4', '3']);
    expect(box.stats().deadLetters).toBe(3);
  });

  it('replays a claimed batch that was not committed (same id, same rows), without counting its dead letters twice', () => {
    const { inbox: box, store } = inbox();
    box.ingest([message(1), message(2, { v: 'x' }), message(3)]);
    box.ingest([message(9)]);
    const first = box.claim(3)!;
    expect(first.deadLetters).toHaveLength(1);
    expect(first.replay).toBe(false);
    expect(box.stats().pending).toBe(true);
    // A restart: a new inbox object over the same store replays the pending batch, even with a larger batchRows.
    const restarted = new StreamInbox(store, box.stream, { format: 'json', idField: 'id' });
    const again = restarted.claim(100)!;
    expect(again).toMatchObject({ id: first.id, number: first.number, toSeq: first.toSeq, rows: first.rows, replay: true, deadLetters: [] });
    expect(restarted.stats().deadLetters).toBe(1);
    restarted.commit(again);
    restarted.commit(again); // twice is harmless
    const next = restarted.claim(100)!;
    expect(next.number).toBe(first.number + 1);
    expect(next.rows).toEqual([[9, 13.5]]);
    expect(restarted.stats()).toMatchObject({ batches: 1, pending: true, backlog: 1 });
  });

  it('commits a batch made only of dead letters on the spot and goes on to the next records', () => {
    const { inbox: box } = inbox();
    box.ingest([message(1)]);
    box.commit(box.claim(10)!);
    box.ingest([JSON.stringify({ id: 2 }), JSON.stringify({ id: 3 })]);
    expect(box.claim(2)).toBeUndefined();
    expect(box.stats()).toMatchObject({ backlog: 0, pending: false, deadLetters: 2 });
    box.ingest([message(4)]);
    expect(box.claim(2)!.rows).toEqual([[4, 6]]);
  });

  it('peeks at the next records without claiming or moving the offset', () => {
    const { inbox: box } = inbox();
    box.ingest([message(1), message(2), message(3)]);
    const peeked = box.peek(2);
    expect(peeked.rows).toEqual([
      [1, 1.5],
      [2, 3],
    ]);
    expect(box.stats()).toMatchObject({ pending: false, backlog: 3, batches: 0, schema: null });
    expect(box.claim(2)!.rows).toEqual(peeked.rows);
  });

  it('stores a file\'s records and its handled mark together; a refused file is one dead letter naming it', () => {
    const { inbox: box } = inbox();
    expect(box.ingestFile([{ id: 1, v: 1 }, { id: 1, v: 1 }, { v: 2 }], { name: 'a.jsonl', signature: '10:1' })).toEqual({ stored: 1, duplicates: 1, deadLetters: 1 });
    box.refuseFile({ name: 'b.parquet', signature: '20:2' }, 'not a Parquet file');
    expect(box.handledFiles()).toEqual({ 'a.jsonl': '10:1', 'b.parquet': '20:2' });
    expect(box.deadLetters()[0]).toMatchObject({ payload: 'b.parquet', reason: 'not a Parquet file' });
  });

  it('reads CSV messages with the header first', () => {
    const { inbox: box } = inbox({ format: 'csv', idField: 'id' });
    expect(box.ingest(['id,v\n1,2.5\n2,3\n', 'id,v\n2,3\n', 'no rows'])).toEqual({ stored: 2, duplicates: 1, deadLetters: 1 });
    expect(box.claim(10)!.rows).toEqual([
      [1, 2.5],
      [2, 3],
    ]);
  });
});
