/** data.write `mode: append`: atomic appends, a batch replayed after a crash is not appended twice, a half-done append is rolled back. */
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { float64Column, stringColumn, tableFromColumns, type DataTable } from '../../core/sdk/index.js';
import { createTestContext, expectNodeError } from '../../core/sdk/testing.js';
import writeNode from './write.js';

function rows(ids: number[]): DataTable {
  return { table: tableFromColumns({ id: float64Column(ids), name: stringColumn(ids.map((id) => `n${id}`)) }), recipe: [] };
}

/** Contexts sharing one workspace and one ctx.state, as successive runs of a node. */
function runs() {
  const root = mkdtempSync(join(tmpdir(), 'tensorloom-append-'));
  const state = new Map<string, string>();
  const run = (table: DataTable, params: Record<string, unknown>, batch?: string) => {
    const ctx = createTestContext({ root, nodeType: 'data.write', state, stream: { batch, read: async () => Promise.reject(new Error('unused')) } });
    return { ctx, done: writeNode.run({ inputs: { table }, params: { mode: 'append', ...params } as never }, ctx) };
  };
  return { root, state, run };
}

describe('data.write mode append', () => {
  it('appends CSV rows under one header and JSON Lines rows, run after run', async () => {
    const { root, run } = runs();
    await run(rows([1, 2]), { path: 'out/a.csv', format: 'csv' }).done;
    await run(rows([3]), { path: 'out/a.csv', format: 'csv' }).done;
    expect(readFileSync(join(root, 'out', 'a.csv'), 'utf8')).toBe('id,name\n1.0,n1\n2.0,n2\n3.0,n3\n');
    await run(rows([1]), { path: 'out/a.jsonl', format: 'jsonl' }).done;
    await run(rows([2]), { path: 'out/a.jsonl', format: 'jsonl' }).done;
    expect(readFileSync(join(root, 'out', 'a.jsonl'), 'utf8')).toBe('{"id":1.0,"name":"n1"}\n{"id":2.0,"name":"n2"}\n');
  });

  it('a stream batch appended before is not appended again; the next batch is', async () => {
    const { root, run } = runs();
    const params = { path: 'events.jsonl', format: 'jsonl' };
    await run(rows([1, 2]), params, '1:1-2').done;
    const replay = run(rows([1, 2]), params, '1:1-2');
    expect((await replay.done).report).toMatchObject({ rows: 0 });
    expect(replay.ctx.logs.map((log) => log.message)).toContain("batch 1:1-2 was appended to 'events.jsonl' before: not again");
    await run(rows([3]), params, '2:3-3').done;
    expect(readFileSync(join(root, 'events.jsonl'), 'utf8').trim().split('\n').map((line) => (JSON.parse(line) as { id: number }).id)).toEqual([1, 2, 3]);
  });

  it('rolls back an append that a crash left unrecorded, then appends the batch whole', async () => {
    const { root, state, run } = runs();
    const params = { path: 'events.jsonl', format: 'jsonl' };
    await run(rows([1]), params, '1:1-1').done;
    const file = join(root, 'events.jsonl');
    // A crash mid-append of batch 2: the intent was recorded, half a line reached the file.
    const [key, value] = [...state.entries()][0]!;
    state.set(key, JSON.stringify({ ...(JSON.parse(value) as object), pending: { size: readFileSync(file).length, batch: '2:2-3' } }));
    appendFileSync(file, '{"id":2,"na');
    const again = run(rows([2, 3]), params, '2:2-3');
    await again.done;
    expect(readFileSync(file, 'utf8')).toBe('{"id":1.0,"name":"n1"}\n{"id":2.0,"name":"n2"}\n{"id":3.0,"name":"n3"}\n');
    expect(again.ctx.logs.some((log) => log.level === 'warn' && /rolled back 11 bytes/.test(log.message))).toBe(true);
  });

  it('refuses to append rows whose columns differ from the CSV header, naming both', async () => {
    const { root, run } = runs();
    writeFileSync(join(root, 'other.csv'), 'id,price\n1,2\n');
    const error = await expectNodeError(run(rows([1]), { path: 'other.csv', format: 'csv' }).done);
    expect(error.message).toBe("cannot append to 'other.csv': its columns are id,price, the table's are id,name");
    expect(readFileSync(join(root, 'other.csv'), 'utf8')).toBe('id,price\n1,2\n');
  });

  it('append is for csv and jsonl only', () => {
    const parsed = writeNode.params.safeParse({ path: 'x.arrow', format: 'arrow', mode: 'append' });
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toContain('append works for csv and jsonl, not arrow');
  });
});
