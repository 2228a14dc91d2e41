import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Int32, Table, tableFromArrays, vectorFromArray } from 'apache-arrow';
import { isNodeError } from '../base/errors.js';
import { canonicalJson, decodeTable, encodeTable, readTableFile, RECIPE_METADATA_KEY, writeTableFile } from './arrow-io.js';
import { readCsv } from './csv.js';
import type { DataTable, RecipeStep } from '../base/table.js';
import { takeRows } from './table-ops.js';

const PENGUINS = fileURLToPath(new URL('../../examples/data/penguins.csv', import.meta.url));
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const recipe: RecipeStep[] = [{ kind: 'feature.scale', nodeId: 'scale', version: 1, fitted: { mean: { a: 1.5 }, std: { a: 0.5 } } }];

async function penguins(): Promise<DataTable> {
  return { table: (await readCsv({ path: PENGUINS })).table, recipe };
}

describe('arrow-io', () => {
  it('round-trips a table and its recipe through bytes', async () => {
    const dt = await penguins();
    const back = decodeTable(encodeTable(dt));
    expect(back.recipe).toEqual(recipe);
    expect(back.table.numRows).toBe(344);
    expect(back.table.schema.fields.map((f) => `${f.name}:${f.type}`)).toEqual(dt.table.schema.fields.map((f) => `${f.name}:${f.type}`));
    expect(back.table.toArray().map((r) => r.toJSON())).toEqual(dt.table.toArray().map((r) => r.toJSON()));
    // The recipe lives in the file, not in the in-memory schema.
    expect(back.table.schema.metadata.has(RECIPE_METADATA_KEY)).toBe(false);
  });

  it('writes an Arrow IPC file (Feather v2) with the recipe in the schema metadata', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tensorloom-arrow-')), 'table.arrow');
    await writeTableFile(await penguins(), path);
    const bytes = readFileSync(path);
    expect(bytes.subarray(0, 6).toString('latin1')).toBe('ARROW1');
    expect(bytes.subarray(bytes.length - 6).toString('latin1')).toBe('ARROW1');
    expect(bytes.includes(Buffer.from(RECIPE_METADATA_KEY))).toBe(true);
    expect((await readTableFile(path)).recipe).toEqual(recipe);
  });

  it('is deterministic: the same CSV read twice encodes to the same bytes', async () => {
    const first = encodeTable(await penguins());
    const second = encodeTable(await penguins());
    expect(sha(second)).toBe(sha(first));
  });

  it('encodes equal tables equally, however they are chunked or built', async () => {
    const dt = await penguins();
    const all = Array.from({ length: dt.table.numRows }, (_, k) => k);
    const rebuilt = takeRows(dt.table, all);
    const chunked = dt.table.slice(0, 100).concat(dt.table.slice(100));
    expect(chunked.batches.length).toBe(2);
    const expected = sha(encodeTable(dt));
    expect(sha(encodeTable({ table: rebuilt, recipe }))).toBe(expected);
    expect(sha(encodeTable({ table: chunked, recipe }))).toBe(expected);
  });

  it('writes the recipe canonically, whatever the key order', () => {
    const table = tableFromArrays({ a: Float64Array.from([1, 2]) });
    const one = encodeTable({ table, recipe: [{ kind: 'k', nodeId: 'n', version: 1, fitted: { b: 1, a: 2 } }] });
    const two = encodeTable({ table, recipe: [{ fitted: { a: 2, b: 1 }, version: 1, nodeId: 'n', kind: 'k' }] });
    expect(sha(two)).toBe(sha(one));
    expect(canonicalJson({ b: [{ d: 1, c: 2 }], a: null })).toBe('{"a":null,"b":[{"c":2,"d":1}]}');
  });

  it('changes bytes when data or recipe change', async () => {
    const dt = await penguins();
    const base = sha(encodeTable(dt));
    expect(sha(encodeTable({ table: dt.table, recipe: [] }))).not.toBe(base);
    expect(sha(encodeTable({ table: takeRows(dt.table, [1, 0]), recipe }))).not.toBe(sha(encodeTable({ table: takeRows(dt.table, [0, 1]), recipe })));
  });

  it('keeps other schema metadata and an empty recipe', () => {
    const table = new Table({ a: vectorFromArray([1, null, 3], new Int32()) });
    const back = decodeTable(encodeTable({ table, recipe: [] }));
    expect(back.recipe).toEqual([]);
    expect(back.table.getChild('a')!.toJSON()).toEqual([1, null, 3]);
  });

  it('rejects bytes that are not Arrow, and a broken recipe', async () => {
    const notArrow = (() => {
      try {
        decodeTable(new TextEncoder().encode('a,b\n1,2\n'), "'x.arrow'");
      } catch (error) {
        return error;
      }
    })();
    expect(isNodeError(notArrow) && notArrow.message.startsWith("'x.arrow' is not an Arrow IPC")).toBe(true);

    const path = join(mkdtempSync(join(tmpdir(), 'tensorloom-arrow-')), 'bad.arrow');
    const table = tableFromArrays({ a: Float64Array.from([1]) });
    const bytes = encodeTable({ table, recipe: [] });
    // Swap the recipe for something that is not a list of steps (same length keeps the file valid).
    const text = Buffer.from(bytes).toString('latin1').replace('[]', '{}');
    writeFileSync(path, Buffer.from(text, 'latin1'));
    await expect(readTableFile(path)).rejects.toThrow('recipe metadata is not a list of recipe steps');
  });
});
