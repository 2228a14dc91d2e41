/**
 * Table artifacts on disk: Arrow IPC *file* format (Feather v2, readable by pandas and
 * polars), with the recipe as JSON in the schema's custom metadata. Encoding is
 * deterministic — the same table and recipe always give the same bytes — because the
 * engine caches on the content hash: chunks are merged into one record batch and the
 * metadata is written in a canonical order.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { RecordBatch, RecordBatchFileWriter, Table, tableToIPC } from 'apache-arrow';
import { NodeError } from '../base/errors.js';
import { tableFromIpcBytes, wideSchema } from './arrow-wide.js';
import type { DataTable, RecipeStep } from '../base/table.js';
import { compactTable } from './table-ops.js';

/** Schema metadata key holding the recipe JSON. */
export const RECIPE_METADATA_KEY = 'tensorloom.recipe';

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const source = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(source)
        .sort()
        .filter((key) => source[key] !== undefined)
        .map((key) => [key, sortKeys(source[key])]),
    );
  }
  return value;
}

function withSchemaMetadata(table: Table, metadata: Map<string, string>): Table {
  const schema = wideSchema(table.schema.fields, metadata);
  return new Table(
    schema,
    table.batches.map((batch) => new RecordBatch(schema, batch.data)),
  );
}

/** One record batch, the recipe in the schema metadata, keys in a canonical order. */
function tableToStore(dt: DataTable): Table {
  const table = compactTable(dt.table);
  const entries = [...table.schema.metadata].filter(([key]) => key !== RECIPE_METADATA_KEY);
  entries.push([RECIPE_METADATA_KEY, canonicalJson(dt.recipe)]);
  entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return withSchemaMetadata(table, new Map(entries));
}

/** The table as Arrow IPC file bytes, recipe included; deterministic. */
export function encodeTable(dt: DataTable): Uint8Array {
  return tableToIPC(tableToStore(dt), 'file');
}

/**
 * The same bytes as `encodeTable`, as the writer emits them: metadata and padding pieces
 * and views of the columns' own buffers, never joined into one copy of the file (joining
 * cost as much as the encoding on a million-row table). For writing straight to a file.
 */
export async function* encodeTableChunks(dt: DataTable): AsyncGenerator<Uint8Array> {
  const writer = RecordBatchFileWriter.writeAll(tableToStore(dt));
  // The writer is done and closed: its queue holds every piece, in order.
  for await (const chunk of writer) yield chunk;
}

function isRecipeStep(value: unknown): value is RecipeStep {
  if (value === null || typeof value !== 'object') return false;
  const step = value as Record<string, unknown>;
  return typeof step.kind === 'string' && typeof step.nodeId === 'string' && typeof step.version === 'number' && typeof step.fitted === 'object' && step.fitted !== null;
}

/** Reads bytes written by encodeTable (or any Arrow IPC file/stream: its recipe is empty). */
export function decodeTable(bytes: Uint8Array, name = 'table'): DataTable {
  let table: Table;
  try {
    table = tableFromIpcBytes(bytes);
  } catch (error) {
    throw new NodeError(`${name} is not an Arrow IPC (Feather v2) file: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const metadata = new Map(table.schema.metadata);
  const json = metadata.get(RECIPE_METADATA_KEY);
  metadata.delete(RECIPE_METADATA_KEY);
  let recipe: unknown = [];
  if (json !== undefined) {
    try {
      recipe = JSON.parse(json);
    } catch (error) {
      throw new NodeError(`${name}: its recipe metadata is not valid JSON`, { cause: error });
    }
  }
  if (!Array.isArray(recipe) || !recipe.every(isRecipeStep)) throw new NodeError(`${name}: its recipe metadata is not a list of recipe steps`);
  return { table: withSchemaMetadata(table, metadata), recipe };
}

/** Writes the table to `path` (the engine places it atomically; this just writes). */
export async function writeTableFile(dt: DataTable, path: string): Promise<void> {
  await writeFile(path, encodeTable(dt));
}

export async function readTableFile(path: string): Promise<DataTable> {
  return decodeTable(await readFile(path), `'${path}'`);
}
