import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTable } from './arrow-io.js';
import { startCsvHelpers } from './csv-chunks.js';
import { DEFAULT_TUNING, readCsvTuned, type CsvReadOptions, type CsvReadResult } from './csv.js';

/** Chunks of a few hundred bytes, so small files are cut many times. */
const CHUNKED = { ...DEFAULT_TUNING, parallelMinBytes: 1, minChunkBytes: 200, threads: 'always' } as const;
const ONE_PASS = { ...DEFAULT_TUNING, parallelMinBytes: Number.MAX_SAFE_INTEGER };
const multiCore = availableParallelism() > 1;

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tensorloom-csv-chunks-'));
  // The helpers start once per process; without waiting, the first small read is over before they are.
  await startCsvHelpers();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function file(text: string): string {
  const path = join(dir, `f${files++}.csv`);
  writeFileSync(path, text);
  return path;
}

type Outcome = { ok: true; result: CsvReadResult; bytes: Uint8Array } | { ok: false; message: string };

async function outcome(path: string, options: CsvReadOptions, tuning: typeof CHUNKED | typeof ONE_PASS): Promise<Outcome> {
  try {
    const result = await readCsvTuned({ path, name: 'data.csv' }, options, tuning);
    return { ok: true, result, bytes: encodeTable({ table: result.table, recipe: [] }) };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

/** Reads `text` both ways; they must agree to the byte (table) and word (errors, bad rows). Returns the chunked read. */
async function bothWays(text: string, options: CsvReadOptions = {}): Promise<Outcome> {
  const path = file(text);
  const chunked = await outcome(path, options, CHUNKED);
  const onePass = await outcome(path, options, ONE_PASS);
  if (!onePass.ok || !chunked.ok) {
    expect(chunked).toEqual(onePass);
    return chunked;
  }
  expect(Buffer.from(chunked.bytes).equals(Buffer.from(onePass.bytes)), 'the same Arrow bytes').toBe(true);
  const { table: _a, threads: _b, ...chunkedRest } = chunked.result;
  const { table: _c, threads: _d, ...onePassRest } = onePass.result;
  expect(chunkedRest).toEqual(onePassRest);
  expect(onePass.result.threads).toBe(1);
  return chunked;
}

function threadsOf(read: Outcome): number {
  return read.ok ? read.result.threads : 0;
}

/** Rows of every kind of column: int, float with missing cells, text with quotes, bool, dates. */
function mixedRows(count: number, newline = '\n'): string {
  const lines = ['id,score,label,flag,day'];
  for (let k = 0; k < count; k++) {
    const score = k % 13 === 0 ? '' : (k / 7).toFixed(3);
    const label = k % 5 === 0 ? `"w${k}, ""q"""` : `w${k}`;
    lines.push(`${k},${score},${label},${k % 3 === 0},2024-01-${String((k % 28) + 1).padStart(2, '0')}`);
  }
  return lines.join(newline) + newline;
}

describe('readCsv in chunks on several threads', () => {
  it.runIf(multiCore)('reads a file in chunks, the same table as one pass', async () => {
    const read = await bothWays(mixedRows(2000));
    expect(threadsOf(read)).toBeGreaterThan(1);
    expect(read.ok && read.result.rowsRead).toBe(2000);
  });

  it.runIf(multiCore)('CRLF line ends', async () => {
    expect(threadsOf(await bothWays(mixedRows(2000, '\r\n')))).toBeGreaterThan(1);
  });

  it.runIf(multiCore)('a quote character right at a cut (every line starts with a quoted field)', async () => {
    const lines = Array.from({ length: 1500 }, (_, k) => `"t${k}, x",${k}`);
    expect(threadsOf(await bothWays(`name,n\n${lines.join('\n')}\n`))).toBeGreaterThan(1);
  });

  it('quoted newlines where the cuts fall (a cut inside quotes is found and read again in one pass)', async () => {
    // Every record spans several lines, so most cuts land inside a quoted field.
    const lines = Array.from({ length: 800 }, (_, k) => `${k},"line one\nline two ${k}\n\nline four",${k % 2 === 0}`);
    const read = await bothWays(`id,text,flag\n${lines.join('\n')}\n`);
    expect(read.ok && read.result.rowsRead).toBe(800);
  });

  it('a cut inside quotes where the text after it also parses as rows', async () => {
    // Read from just after the newline, `b7",7` is two fields as well: only the check that the
    // chunk before ends outside quotes can tell the cut is wrong.
    const lines = Array.from({ length: 1500 }, (_, k) => `"a\nb${k}",${k}`);
    const read = await bothWays(`text,n\n${lines.join('\n')}\n`);
    expect(read.ok && read.result.rowsRead).toBe(1500);
  });

  it('quoted newlines in some records, cut anywhere', async () => {
    for (const every of [3, 7, 31]) {
      const lines = Array.from({ length: 1200 }, (_, k) => (k % every === 0 ? `${k},"a\r\nb ${k}",x` : `${k},plain ${k},y`));
      await bothWays(`id,text,tag\r\n${lines.join('\r\n')}\r\n`);
    }
  });

  it('files with fewer lines than chunks, a header only, and an empty file', async () => {
    await bothWays('a,b\n1,x\n2,y\n');
    await bothWays('a,b\n1,x\n');
    await bothWays('a,b\n');
    const empty = await bothWays('');
    expect(empty.ok).toBe(false);
  });

  it('bad rows are reported with their line numbers, as in one pass', async () => {
    const lines = mixedRows(2000).split('\n');
    lines[1500] = '1499,oops,w,true,2024-01-01'; // text in the float column
    lines[1700] = '1699,1.5,w'; // too few fields
    const text = lines.join('\n');
    const skipped = await bothWays(text, { onBadRow: 'skip' });
    expect(skipped.ok && skipped.result.badRows).toEqual([
      { line: 1501, column: 'score', reason: "'oops' is not a number" },
      { line: 1701, reason: 'expected 5 fields, found 3' },
    ]);
    const failed = await bothWays(text);
    expect(failed.ok === false && failed.message).toMatch(/has 2 bad rows/);
  });

  it('an unterminated quote near the end fails with its line, as in one pass', async () => {
    const read = await bothWays(`${mixedRows(1500)}1500,2,"open,true,2024-01-01\n`);
    expect(read.ok === false && read.message).toMatch(/line 1502: a quoted field starts here and is never closed/);
  });

  it.runIf(multiCore)('types that only the whole file decides: ints then floats, numbers then text, empty chunks', async () => {
    const lines = ['n,t,sparse'];
    for (let k = 0; k < 2000; k++) {
      const n = k < 1500 ? String(k) : `${k}.5`; // Int32 in the first chunks, Float64 in the last
      const t = k < 1500 ? String(k) : `tag${k}`; // looks numeric at first: text by the end
      const sparse = k > 1000 && k % 97 === 0 ? `s${k}` : ''; // all empty in the first chunks
      lines.push(`${n},${t},${sparse}`);
    }
    const read = await bothWays(`${lines.join('\n')}\n`);
    expect(read.ok && read.result.columnTypes).toEqual(['float', 'string', 'string']);
    expect(threadsOf(read)).toBeGreaterThan(1);
  });

  it('a column too large for Int32 in a later chunk', async () => {
    const lines = Array.from({ length: 2000 }, (_, k) => `${k === 1900 ? 3_000_000_000 : k},${k % 2 === 0 ? 'NA' : 'x'}`);
    const read = await bothWays(`big,s\n${lines.join('\n')}\n`);
    expect(read.ok && read.result.columnTypes).toEqual(['float', 'string']);
  });
});
