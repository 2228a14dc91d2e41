/**
 * Reading a large CSV file on several threads: the rows after the header are cut into
 * byte ranges at line ends, this thread and helper worker threads (csv-chunk-worker.ts)
 * parse ranges, and the columns are merged in file order (mergeColumnParts).
 *
 * A cut is chosen without reading what comes before it, so it may fall inside a quoted
 * field that holds a newline. Each range is therefore parsed as if it were a whole file
 * and checked afterwards: a range that ends inside an open quote proves the cut wrong,
 * and one that ends cleanly proves the next cut right (the first range starts at a true
 * record start; a parse that reaches its end outside quotes ends a record exactly there,
 * so by induction every range starts where the one-pass read starts a record).
 *
 * Whenever the chunked result could differ from the one-pass read in any way (a wrong
 * cut, a bad row, a text cell in a numeric column, an error of any kind), `readChunked`
 * returns undefined and the caller reads the file in one pass, which gives the exact
 * errors, bad rows and line numbers. So this path only ever returns what the one-pass
 * read would, faster.
 */
import { availableParallelism, loadavg } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { spawnModuleWorker } from '../base/module-worker.js';
import type { Data } from 'apache-arrow';
import { isNodeError } from '../base/errors.js';
import { ColumnReader, Scratch, type ColumnParts, type InferredType, type Replay } from './csv-columns.js';
import { replayRows, Utf8Check, type CsvTuning } from './csv-scan.js';
import { openInput, Window, type Input } from './csv-source.js';
import { createTokenizer, fieldCountOf, setWindow, startBlock, tokenizeUntil, type TokenizeStatus } from './csv-tokenize.js';

/** What every range is parsed with: known from the header, before the ranges start. */
export interface ChunkSettings {
  readonly name: string;
  readonly delimiter: number;
  readonly columnCount: number;
  readonly maxColumns: number;
}

export interface ChunkResult {
  readonly rows: number;
  readonly columns: ColumnParts[];
}

export interface ChunkedColumns {
  /** Threads that parsed chunks: this one and the helpers that took part. */
  readonly threads: number;
  readonly rows: number;
  readonly columns: Data[];
  readonly columnTypes: InferredType[];
}

/** Below this many bytes of rows, one pass is as fast as starting the threads. */
export const PARALLEL_MIN_BYTES = 8 << 20;
/** Chunks per helper thread and this one: small enough that an early finisher takes another. */
const CHUNKS_PER_THREAD = 4;
const MIN_CHUNK_BYTES = 2 << 20;
/** How far past a chosen offset a line end is looked for; a range without one joins the next. */
const CUT_SEARCH_BYTES = 64 << 10;
const LF = 10;

/**
 * Parses the rows in [from, input.size) of the file at `path` in chunks on several
 * threads, or returns undefined when the one-pass read must decide (see the file comment).
 * This thread reads chunks from the front, into one set of column readers sized for the
 * whole file; helpers read chunks from the back, and their columns are appended at the
 * end, so only the helpers' share is copied once. Aborting `signal` rejects with its reason.
 */
export async function readChunked(
  path: string,
  input: Input,
  from: number,
  settings: ChunkSettings,
  tuning: CsvTuning,
  signal: AbortSignal | undefined,
  onFraction: ((fraction: number) => void) | undefined,
): Promise<ChunkedColumns | undefined> {
  if ((tuning.threads ?? 'auto') === 'auto' && !coreLooksIdle()) return undefined;
  const helpers = chunkWorkers();
  if (helpers.length === 0) return undefined;
  const ranges = await cutRanges(input, from, tuning.minChunkBytes ?? MIN_CHUNK_BYTES, helpers.length + 1);
  if (ranges.length < 2) return undefined;

  const helped: (ChunkResult | undefined)[] = new Array<ChunkResult | undefined>(ranges.length);
  let front = 0;
  let back = ranges.length - 1;
  let failed = false;
  let bytesDone = 0;
  const total = Math.max(1, input.size - from);
  const finished = (k: number, ok: boolean) => {
    if (!ok) failed = true;
    bytesDone += ranges[k]!.to - ranges[k]!.from;
    onFraction?.(bytesDone / total);
  };
  // Helpers join once started (the first read of a process may be over before they are).
  let threads = 1;
  const helping = helpers.map(async (helper) => {
    if (!(await helper.ready)) return;
    if (!failed && front <= back && !signal?.aborted) threads++;
    while (!failed && front <= back && !signal?.aborted) {
      const k = back--;
      const result = await helper.parse(path, ranges[k]!, settings, tuning);
      helped[k] = result;
      finished(k, result !== undefined);
    }
  });
  const allHelped = Promise.all(helping);
  const main = new RangeParser(input, from, settings, tuning);
  while (!failed && front <= back) {
    signal?.throwIfAborted();
    const k = front++;
    finished(k, await main.parse(ranges[k]!.to, signal));
  }
  await allHelped;
  signal?.throwIfAborted();
  if (failed) return undefined;
  for (let k = front; k < ranges.length; k++) {
    const result = helped[k];
    if (result === undefined) return undefined;
    main.append(result);
  }
  const columns = main.finish();
  return columns && { ...columns, threads };
}

export interface ByteRange {
  readonly from: number;
  readonly to: number;
}

/** Ranges over [from, input.size), each ending just after a line end (the last at the end). */
async function cutRanges(input: Input, from: number, minChunkBytes: number, threads: number): Promise<ByteRange[]> {
  const size = input.size;
  const chunkBytes = Math.max(minChunkBytes, Math.ceil((size - from) / (threads * CHUNKS_PER_THREAD)));
  const probe = new Uint8Array(Math.min(CUT_SEARCH_BYTES, Math.max(1, size)));
  const ranges: ByteRange[] = [];
  let start = from;
  for (let target = from + chunkBytes; target < size; target = Math.max(target + chunkBytes, start + 1)) {
    const { bytesRead } = await input.handle!.read(probe, 0, probe.length, target);
    const at = probe.subarray(0, bytesRead).indexOf(LF);
    if (at < 0) continue;
    const cut = target + at + 1;
    if (cut >= size) break;
    ranges.push({ from: start, to: cut });
    start = cut;
  }
  ranges.push({ from: start, to: size });
  return ranges;
}

/**
 * Parses consecutive byte ranges starting at `from` as a whole file of rows (no header),
 * into one set of column readers. A range with anything the one-pass read must report or
 * decide (an open quote at its end, a ragged or over-wide record, bad UTF-8) makes
 * `parse` return false.
 */
export class RangeParser {
  private readers: ColumnReader[] | undefined;
  private rows = 0;
  /** Where the next range starts. */
  private at: number;
  private readonly scratch = new Scratch();
  private readonly replay: Replay;

  /** `input` reaches at least as far as the last range: readers are sized for all of it. */
  constructor(
    private readonly input: Input,
    private readonly from: number,
    private readonly settings: ChunkSettings,
    private readonly tuning: CsvTuning,
  ) {
    this.at = from;
    const { delimiter, columnCount, maxColumns } = settings;
    // Rows are replayed (rarely: a column found to be text late) from the first range on.
    this.replay = (throughRow, visit) => replayRows(input, tuning, { offset: from, line: 1 }, delimiter, columnCount, maxColumns, throughRow, visit);
  }

  /** Parses the range from where the last one ended up to `to`. */
  async parse(to: number, signal?: AbortSignal): Promise<boolean> {
    const { delimiter, columnCount, maxColumns } = this.settings;
    const { blockBytes, reportBytes } = this.tuning;
    const input: Input = { size: to, handle: this.input.handle, whole: this.input.whole?.subarray(0, to) };
    const start = this.at;
    const window = await Window.at(input, start, this.tuning.windowBytes);
    const utf8 = new Utf8Check(this.settings.name);
    if (!checked(() => utf8.check(window, 1))) return false;
    const tokenizer = createTokenizer(window.bytes, window.final, 0, delimiter, blockBytes, 1, maxColumns);
    const tokens = tokenizer.tokens;
    let records = new Uint32Array(1024);
    let nextReport = start + reportBytes;
    for (let status: TokenizeStatus = 'block'; status !== 'done'; ) {
      startBlock(tokenizer);
      status = tokenizeUntil(tokenizer, tokenizer.position + blockBytes);
      if (tokenizer.unterminatedQuoteLine !== undefined || tokenizer.tooManyFields !== undefined) return false;
      if (tokens.recordCount > 0) {
        if (this.readers === undefined) {
          const seen = Math.max(1, window.offset + tokenizer.position - start);
          const expectedRows = Math.ceil((tokens.recordCount / seen) * (this.input.size - start) * 1.05) + 16;
          this.readers = Array.from({ length: columnCount }, (_, c) => new ColumnReader(c, expectedRows, this.scratch));
        }
        if (tokens.recordCount > records.length) records = new Uint32Array(tokens.recordCount * 2);
        for (let r = 0; r < tokens.recordCount; r++) {
          if (fieldCountOf(tokens, r) !== columnCount) return false;
          records[r] = r;
        }
        const block = { bytes: window.bytes, tokens, records, count: tokens.recordCount };
        for (const reader of this.readers) reader.consume(block, this.replay);
        this.rows += tokens.recordCount;
      }
      if (status === 'more') {
        await window.refill(tokenizer.position);
        setWindow(tokenizer, window.bytes, window.final);
        if (!checked(() => utf8.check(window, 1))) return false;
      }
      if (status !== 'done' && window.offset + tokenizer.position >= nextReport) {
        nextReport += reportBytes;
        await new Promise((resolve) => setImmediate(resolve)); // lets helpers' replies in, and a cancel
        signal?.throwIfAborted();
      }
    }
    this.at = to;
    return true;
  }

  /** Every column's cells so far, before any type is decided (a helper's result). */
  parts(): ChunkResult {
    return { rows: this.rows, columns: this.columnReaders().map((reader) => reader.parts()) };
  }

  /** Appends the rows of the chunk that follows the ranges parsed so far. */
  append(chunk: ChunkResult): void {
    for (const [c, reader] of this.columnReaders().entries()) reader.appendParts(chunk.columns[c]!);
    this.rows += chunk.rows;
  }

  /** The columns, or undefined when a column has cells that are bad rows (the one-pass read reports them). */
  finish(): Omit<ChunkedColumns, 'threads'> | undefined {
    const columns: Data[] = [];
    const columnTypes: InferredType[] = [];
    for (const reader of this.columnReaders()) {
      const result = reader.finish(this.replay);
      if (result.strays.length > 0) return undefined;
      columns.push(result.data);
      columnTypes.push(result.type);
    }
    return { rows: this.rows, columns, columnTypes };
  }

  private columnReaders(): ColumnReader[] {
    this.readers ??= Array.from({ length: this.settings.columnCount }, (_, c) => new ColumnReader(c, 0, this.scratch));
    return this.readers;
  }
}

/** Runs a check that throws a NodeError for bad input; false when it did. */
function checked(check: () => void): boolean {
  try {
    check();
    return true;
  } catch (error) {
    if (isNodeError(error)) return false;
    throw error;
  }
}

/** The worker side: parses the range of `path` it is asked for. */
export async function parseFileRange(path: string, range: ByteRange, settings: ChunkSettings, tuning: CsvTuning): Promise<ChunkResult | undefined> {
  const input = await openInput(path, (code, error) => Object.assign(new Error(`cannot read ${path} (${code ?? String(error)})`), { cause: error }));
  try {
    const parser = new RangeParser({ size: range.to, handle: input.handle }, range.from, settings, tuning);
    return (await parser.parse(range.to)) ? parser.parts() : undefined;
  } finally {
    await input.handle?.close();
  }
}

/** The buffers a result holds, to move (not copy) them between threads. */
export function resultBuffers(result: ChunkResult): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  const add = (array: ArrayBufferView | undefined) => {
    if (array && array.buffer instanceof ArrayBuffer) buffers.add(array.buffer);
  };
  for (const column of result.columns) {
    add(column.missingBits);
    add(column.trueBits);
    add(column.strayRows);
    add(column.int32);
    add(column.float64);
    add(column.text?.data);
    add(column.text?.offsets);
    add(column.text?.bitmap);
  }
  return [...buffers];
}

/** Messages to and from a helper thread. */
export type ToChunkWorker = { readonly id: number; readonly path: string; readonly range: ByteRange; readonly settings: ChunkSettings; readonly tuning: CsvTuning };
export type FromChunkWorker = { readonly ready: true } | { readonly id: number; readonly result: ChunkResult | undefined } | { readonly id: number; readonly error: string };

/** One helper thread, started once per process and kept for later reads. */
class ChunkWorker {
  /** Resolves true once the thread can take work; false when it could not start. */
  readonly ready: Promise<boolean>;
  alive = true;
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (result: ChunkResult | undefined) => void>();
  private nextId = 0;

  constructor() {
    this.worker = spawnModuleWorker(import.meta.url, 'csv-chunk-worker');
    // Idle, it must not keep the process alive; `parse` holds it while a chunk is out.
    this.worker.unref();
    let started: (ok: boolean) => void = () => {};
    this.ready = new Promise((resolve) => (started = resolve));
    this.worker.on('message', (message: FromChunkWorker) => {
      if ('ready' in message) return started(true);
      const resolve = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (this.waiting.size === 0) this.worker.unref();
      resolve?.('result' in message ? message.result : undefined);
    });
    const gone = () => {
      this.alive = false;
      started(false);
      for (const resolve of this.waiting.values()) resolve(undefined);
      this.waiting.clear();
    };
    this.worker.on('error', gone);
    this.worker.on('exit', gone);
  }

  /** The range's parts, or undefined when the thread could not parse it (the caller reads in one pass). */
  parse(path: string, range: ByteRange, settings: ChunkSettings, tuning: CsvTuning): Promise<ChunkResult | undefined> {
    if (!this.alive) return Promise.resolve(undefined);
    const id = this.nextId++;
    this.worker.ref();
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.worker.postMessage({ id, path, range, settings, tuning } satisfies ToChunkWorker);
    });
  }
}

/**
 * Whether another thread would get a core of its own. On a 2-core machine kept busy by
 * other processes (load average 6-7) a helper made the read about 1.45× slower, not
 * faster: the threads then share the same slice of CPU time, and page faults (a large
 * part of building columns) do not overlap across threads of one process; at a load of
 * 2 it gained 4% (median) and at 1 more (see BENCHMARKS.md). The 1-minute load average
 * counts the threads that wanted a core, this read's own among them.
 */
function coreLooksIdle(): boolean {
  return loadavg()[0]! < availableParallelism();
}

let workers: ChunkWorker[] | undefined;

/**
 * Starts the helper threads now (an app can call it at start-up, so the first large read
 * finds them ready) and resolves with how many are ready.
 */
export async function startCsvHelpers(): Promise<number> {
  const ready = await Promise.all(chunkWorkers().map((worker) => worker.ready));
  return ready.filter(Boolean).length;
}

/** The helper threads (one fewer than the CPU cores, at most 7), started on first use. */
function chunkWorkers(): ChunkWorker[] {
  workers = (workers ?? []).filter((worker) => worker.alive);
  const wanted = Math.min(7, availableParallelism() - 1);
  while (workers.length < wanted) {
    try {
      workers.push(new ChunkWorker());
    } catch {
      break; // no threads here (a sandbox, a bundle without the worker file): reads run in one pass
    }
  }
  return workers;
}

