/**
 * Arrow tables built in time linear in the column count.
 *
 * apache-arrow's RecordBatch constructor always calls `schema.assign(fields)` on its own
 * schema (to mark short columns nullable), and `Schema.assign` looks every field up by
 * name with a linear search: building one batch of n columns costs n²/2 name compares.
 * At 20,000 columns that is over a second per batch, at 100,000 most of a minute, and it
 * is paid again by every slice, every artifact write and every artifact read.
 *
 * So every schema the data layer makes carries its own `assign`, which gives a result
 * equal to Arrow's (same fields, metadata and dictionaries, same quirk with repeated
 * names) through a name → index map, and whose result carries it too. Only our own schema
 * objects get it: Arrow's prototype is left alone for everyone else in the process.
 */
import { RecordBatch, RecordBatchReader, Schema, Struct, Table, makeData, type Data, type Field } from 'apache-arrow';

/** A new map of a's entries, then b's (b wins); most fields have no metadata at all. */
function mergeMaps<K, V>(a: Map<K, V>, b: Map<K, V>): Map<K, V> {
  const merged = new Map(a);
  for (const [key, value] of b) merged.set(key, value);
  return merged;
}

function linearAssign(this: Schema, ...args: unknown[]): Schema {
  const first = args[0];
  const other = first instanceof Schema ? first : new Schema((Array.isArray(first) ? first : args) as Field[]);
  const fields = [...this.fields];
  // The first field of each name, as Arrow's findIndex finds it.
  const at = new Map<string, number>();
  for (let k = 0; k < fields.length; k++) if (!at.has(fields[k]!.name)) at.set(fields[k]!.name, k);
  // The schema's own fields again, as a RecordBatch assigns them when no column is short:
  // Arrow would return equal clones; the schema itself is equal too, and keeping one object
  // lets Arrow's Table skip comparing batch and table schemas field by field.
  if (at.size === fields.length && sameFields(fields, other.fields) && other.metadata.size === 0) return this;
  const added: Field[] = [];
  for (const field of other.fields) {
    const k = at.get(field.name);
    if (k === undefined) added.push(field);
    else fields[k] = field.clone({ metadata: mergeMaps(fields[k]!.metadata, field.metadata) });
  }
  const metadata = mergeMaps(this.metadata, other.metadata);
  // A Schema built from the added fields alone collects their dictionaries, as Arrow does.
  const dictionaries = new Map([...this.dictionaries, ...new Schema(added).dictionaries]);
  return withLinearAssign(new Schema([...fields, ...added], metadata, dictionaries));
}

function sameFields(a: readonly Field[], b: readonly Field[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** `schema` itself, its `assign` (and that of every schema derived through it) now linear. */
export function withLinearAssign<S extends Schema>(schema: S): S {
  Object.defineProperty(schema, 'assign', { value: linearAssign, configurable: true, writable: true, enumerable: false });
  return schema;
}

/** A schema of `fields` whose batches are built in linear time. */
export function wideSchema(fields: readonly Field[], metadata?: Map<string, string>): Schema {
  return withLinearAssign(new Schema([...fields], metadata));
}

/** A table of one record batch with `schema` and one finished column per field. */
export function oneBatchTable(schema: Schema, columns: readonly Data[], length: number): Table {
  const struct = makeData({ type: new Struct(schema.fields), length, nullCount: 0, children: [...columns] });
  return new Table(schema, new RecordBatch(schema, struct));
}

/**
 * `tableFromIPC(bytes)` for a synchronous source, with the reader's schema made linear
 * before its batches are built (the reader builds each one on that schema object).
 */
export function tableFromIpcBytes(bytes: Uint8Array): Table {
  const reader = RecordBatchReader.from(bytes);
  reader.open();
  if (reader.schema) withLinearAssign(reader.schema);
  return new Table(reader.readAll());
}
