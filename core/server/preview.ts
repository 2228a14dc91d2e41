/**
 * Artifact previews for the UI: a table's first rows plus per-column statistics and
 * histograms (computed over every row), or the JSON of metrics, reports and model bundles.
 */
import { existsSync } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Table, Vector } from 'apache-arrow';
import { decodeTable } from '../data/arrow-io.js';
import { scanJson } from '../graph/json-source.js';
import { columnKind, previewRows, type ColumnKind, type PreviewValue } from '../data/table-ops.js';
import { isArtifactHash, type WorkspaceStore } from '../store/index.js';
import { HttpError } from './http.js';

export const PREVIEW_KINDS = ['table', 'metrics', 'report', 'model', 'image'] as const;
export type PreviewKind = (typeof PREVIEW_KINDS)[number];

export const DEFAULT_PREVIEW_ROWS = 100;
export const MAX_PREVIEW_ROWS = 1000;
const HISTOGRAM_BINS = 20;
const TOP_VALUES = 10;
/** JSON artifacts (metrics, reports, bundle.json) larger than this are not sent whole. */
const MAX_JSON_BYTES = 10 * 1024 * 1024;

export type Histogram = { bins: { from: number; to: number; count: number }[] } | { top: { value: PreviewValue; count: number }[] };

export interface ColumnPreview {
  name: string;
  kind: ColumnKind;
  /** Arrow's name for the type, e.g. `Int32`, `Float64`, `Utf8`. */
  type: string;
  nulls: number;
  min?: number;
  max?: number;
  mean?: number;
  /** Different values (text, bool and other columns only). */
  distinct?: number;
  histogram: Histogram;
}

export interface TablePreview {
  kind: 'table';
  rowCount: number;
  columns: ColumnPreview[];
  rows: Record<string, PreviewValue>[];
}

export type Preview = TablePreview | { kind: Exclude<PreviewKind, 'table'>; value: unknown };

export async function previewArtifact(store: WorkspaceStore, id: string, kind: PreviewKind | undefined, rows: number): Promise<Preview> {
  if (!isArtifactHash(id)) throw new HttpError(400, `not an artifact id: '${id}' (expected sha256: and 64 lowercase hex digits)`);
  const stored = store.artifacts.kindOf(id);
  if (stored === undefined) throw new HttpError(404, `artifact ${id} is not in this workspace`);
  const path = store.artifacts.pathOf(id);
  const as = kind ?? (await sniff(path, stored));
  if ((as === 'model') !== (stored === 'dir')) throw new HttpError(400, `artifact ${id} is ${stored === 'dir' ? 'a folder (a model)' : 'a file'}, not a ${as}`);
  switch (as) {
    case 'table': {
      let table: Table;
      try {
        // Named 'it', not by its path: the message goes to the client.
        table = decodeTable(await readFile(path), 'it').table;
      } catch (error) {
        throw new HttpError(400, `artifact ${id} is not a table: ${(error as Error).message}`);
      }
      return previewTable(table, rows);
    }
    case 'metrics':
    case 'report':
      return { kind: as, value: await readJson(path, id) };
    case 'model':
      return { kind: 'model', value: await describeModel(path, id) };
    case 'image': {
      const bytes = await readFile(path);
      return { kind: 'image', value: `data:image/png;base64,${bytes.toString('base64')}` };
    }
  }
}

/** Without ?type=: folders are models, Arrow files tables, PNGs images, the rest JSON. */
async function sniff(path: string, stored: 'file' | 'dir'): Promise<PreviewKind> {
  if (stored === 'dir') return 'model';
  const head = Buffer.alloc(8);
  const handle = await open(path, 'r');
  try {
    await handle.read(head, 0, 8, 0);
  } finally {
    await handle.close();
  }
  if (head.subarray(0, 6).toString('latin1') === 'ARROW1') return 'table';
  if (head[0] === 0x89 && head.subarray(1, 4).toString('latin1') === 'PNG') return 'image';
  return 'report';
}

async function readJson(path: string, id: string): Promise<unknown> {
  const info = await stat(path);
  if (info.size > MAX_JSON_BYTES) throw new HttpError(413, `artifact ${id} is ${Math.round(info.size / 1024 / 1024)} MiB: too large to preview`);
  const text = await readFile(path, 'utf8');
  const scan = scanJson(text, { record: false });
  // Deeper than a pipeline may be would overflow JSON.stringify when answering.
  if (!scan.ok) throw new HttpError(400, `artifact ${id} is not JSON the preview can show: ${scan.message}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, `artifact ${id} is not JSON`);
  }
}

/** A model bundle: its bundle.json (recipe, schema, metrics, lineage) and the files it holds. */
async function describeModel(dir: string, id: string): Promise<unknown> {
  const files: { path: string; size: number }[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = join(folder, entry.name);
      if (entry.isDirectory()) await walk(full);
      else files.push({ path: relative(dir, full).split(sep).join('/'), size: (await stat(full)).size });
    }
  };
  await walk(dir);
  files.sort((a, b) => (a.path < b.path ? -1 : 1));
  const bundlePath = join(dir, 'bundle.json');
  const bundle = existsSync(bundlePath) ? await readJson(bundlePath, id) : null;
  return { bundle, files };
}

export function previewTable(table: Table, rows: number): TablePreview {
  const columns = table.schema.fields.map((field, k) => describeColumn(field.name, String(field.type), columnKind(field.type), table.getChildAt(k)!));
  return { kind: 'table', rowCount: table.numRows, columns, rows: previewRows(table, rows) };
}

function describeColumn(name: string, type: string, kind: ColumnKind, vector: Vector): ColumnPreview {
  const base = { name, kind, type, nulls: vector.nullCount };
  return kind === 'int' || kind === 'float' ? { ...base, ...numericStats(vector) } : { ...base, ...topValues(vector) };
}

/** min / max / mean and a 20-bin equal-width histogram over the finite values. */
function numericStats(vector: Vector): Pick<ColumnPreview, 'min' | 'max' | 'mean' | 'histogram'> {
  const values = new Float64Array(vector.length);
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let row = 0; row < vector.length; row++) {
    const cell = vector.get(row) as number | bigint | null;
    if (cell === null || cell === undefined) continue;
    const value = Number(cell);
    if (!Number.isFinite(value)) continue;
    values[count++] = value;
    sum += value;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  if (count === 0) return { histogram: { bins: [] } };
  const binCount = min === max ? 1 : HISTOGRAM_BINS;
  const width = (max - min) / binCount;
  const bins = Array.from({ length: binCount }, (_, k) => ({ from: min + k * width, to: k === binCount - 1 ? max : min + (k + 1) * width, count: 0 }));
  for (let k = 0; k < count; k++) {
    const index = width === 0 ? 0 : Math.min(binCount - 1, Math.floor((values[k]! - min) / width));
    bins[index]!.count += 1;
  }
  return { min, max, mean: sum / count, histogram: { bins } };
}

/** The 10 most frequent values (ties: by value), and how many different values there are. */
function topValues(vector: Vector): Pick<ColumnPreview, 'distinct' | 'histogram'> {
  const counts = new Map<string | number | boolean, number>();
  for (let row = 0; row < vector.length; row++) {
    const cell: unknown = vector.get(row);
    if (cell === null || cell === undefined) continue;
    const value = typeof cell === 'string' || typeof cell === 'boolean' || typeof cell === 'number' ? cell : cell instanceof Date ? cell.toISOString() : String(cell);
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  const top = [...counts]
    .sort(([a, countA], [b, countB]) => countB - countA || (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0))
    .slice(0, TOP_VALUES)
    .map(([value, count]) => ({ value, count }));
  return { distinct: counts.size, histogram: { top } };
}
