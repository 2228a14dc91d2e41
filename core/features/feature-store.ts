/**
 * A workspace's feature store: views written offline as content-addressed Arrow IPC
 * partitions, the point-in-time join over them, and the online table of the latest
 * values per entity, materialized incrementally. See README.md for the layout.
 */
import type { FeatureWriteOutcome } from '../base/context.js';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Bool, Field, Float64, makeVector, tableToIPC, Utf8, type Data, type DataType, type Table, type Vector } from 'apache-arrow';
import type Database from 'better-sqlite3';
import { NodeError } from '../base/errors.js';
import { SPLIT_COLUMN } from '../base/table.js';
import { tableFromIpcBytes } from '../data/arrow-wide.js';
import { makeTable } from '../data/source-file.js';
import { columnNames, requireColumn, singleData, takeVector } from '../data/table-ops.js';
import { didYouMean } from '../graph/suggest.js';
import { float64Data, gatherColumn, keyValuesOf, locateRows, numbersOf, storedData, storedKindOf, stringsOf, timestampsOf } from './columns.js';
import { encodeKeys, type KeyValues } from './keys.js';
import { groupRows, matchRows } from './pit-join.js';
import { FEATURES_DB_FILE, onlineTableName, openFeaturesDatabase, type PartitionRow, type ViewRow } from './registry.js';
import { parseTtl, schemaDifferences, viewNameProblem, type FeatureView, type FeatureViewSpec, type StoredColumn, type StoredKind, type ViewSchema } from './view.js';

export const FEATURES_DIR = 'features';

/** What a write did (the same record ctx.features.write answers a node with). */
export type WriteOutcome = FeatureWriteOutcome;

export interface ReadRequest {
  readonly views: readonly string[];
  /** The entity table's event-time column. */
  readonly timestamp: string;
}

export interface MaterializeOutcome {
  readonly view: string;
  readonly partitions: number;
  readonly entities: number;
}

export type OnlineValue = number | string | boolean | null;

/** One online lookup result: the feature values (null for an unknown entity) and their timestamp. */
export interface OnlineRow {
  readonly found: boolean;
  readonly timestamp: number | null;
  readonly values: Record<string, OnlineValue>;
}

/** A prepared online lookup for one view (the model server keeps one per view). */
export interface OnlineLookup {
  readonly view: FeatureView;
  /** Values for `key` (one value per entity column, in order); found: false for an unknown entity. */
  get(key: readonly unknown[]): OnlineRow;
}

/** The columns of a view loaded from all its partitions, partition by partition. */
interface LoadedView {
  readonly view: FeatureView;
  readonly partStarts: number[];
  /** column name → one Data per partition */
  readonly chunks: Map<string, Data[]>;
  readonly rows: number;
}

export class FeatureStore {
  readonly dir: string;
  readonly offlineDir: string;
  private readonly db: Database.Database;

  private constructor(dir: string, db: Database.Database) {
    this.dir = dir;
    this.offlineDir = join(dir, 'offline');
    this.db = db;
  }

  /** Opens (creating if needed) the feature store inside a workspace's `.tensorloom` folder. */
  static open(dotDir: string): FeatureStore {
    const dir = join(dotDir, FEATURES_DIR);
    mkdirSync(join(dir, 'offline'), { recursive: true });
    return new FeatureStore(dir, openFeaturesDatabase(join(dir, FEATURES_DB_FILE)));
  }

  /** True when the workspace has a feature store (without creating one). */
  static exists(dotDir: string): boolean {
    return existsSync(join(dotDir, FEATURES_DIR, FEATURES_DB_FILE));
  }

  close(): void {
    this.db.close();
  }

  // Registry ------------------------------------------------------------------------------

  list(): FeatureView[] {
    const rows = this.db.prepare('SELECT * FROM views ORDER BY name').all() as ViewRow[];
    return rows.map((row) => this.describe(row));
  }

  view(name: string): FeatureView | undefined {
    const row = this.viewRow(name);
    return row === undefined ? undefined : this.describe(row);
  }

  /** The view, or a NodeError naming `field` and the views there are. */
  requireView(name: string, field = 'views'): FeatureView {
    const found = this.view(name);
    if (found) return found;
    const names = this.list().map((view) => view.name);
    throw new NodeError(`feature view '${name}' not found${didYouMean(name, names)}; ${names.length === 0 ? 'the feature store has no views yet (write one with feature.store.write)' : `views are: ${names.join(', ')}`}`, { field });
  }

  private viewRow(name: string): ViewRow | undefined {
    return this.db.prepare('SELECT * FROM views WHERE name = ?').get(name) as ViewRow | undefined;
  }

  private describe(row: ViewRow): FeatureView {
    const stats = this.db
      .prepare('SELECT COUNT(*) AS partitions, COALESCE(SUM(rows), 0) AS rows, MIN(min_ts) AS earliest, MAX(max_ts) AS latest, COALESCE(SUM(materialized = 0), 0) AS pending FROM partitions WHERE view_id = ?')
      .get(row.id) as { partitions: number; rows: number; earliest: number | null; latest: number | null; pending: number };
    const online = this.db.prepare(`SELECT COUNT(*) AS n FROM ${onlineTableName(row.id)}`).get() as { n: number };
    return {
      name: row.name,
      schema: JSON.parse(row.schema_json) as ViewSchema,
      ttl: row.ttl,
      ttlMs: row.ttl_ms,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      materializedAt: row.materialized_at,
      rows: stats.rows,
      partitions: stats.partitions,
      pendingPartitions: stats.pending,
      onlineRows: online.n,
      latestTimestamp: stats.latest,
      earliestTimestamp: stats.earliest,
    };
  }

  // Writing -------------------------------------------------------------------------------

  /**
   * Appends `table`'s rows to view `spec.name` (created on first write) as one partition,
   * then materializes what is new into the online table. A schema other than the view's is
   * refused, naming the columns. Writing the same rows again adds nothing.
   */
  write(table: Table, spec: FeatureViewSpec): WriteOutcome {
    const problem = viewNameProblem(spec.name);
    if (problem) throw new NodeError(problem, { field: 'name' });
    const ttlMs = spec.ttl === undefined || spec.ttl === '' ? null : parseTtl(spec.ttl);
    if (spec.entity.length === 0) throw new NodeError('entity: name at least one key column', { field: 'entity' });
    const seen = new Set<string>();
    for (const name of [...spec.entity, spec.timestamp, ...(spec.features ?? [])]) {
      if (seen.has(name)) throw new NodeError(`column '${name}' is named twice among the entity, timestamp and feature columns`, { field: spec.entity.includes(name) ? 'entity' : 'features' });
      seen.add(name);
    }
    const entity: StoredColumn[] = spec.entity.map((name) => {
      const kind = storedKindOf(requireColumn(table, name, 'entity').type);
      if (kind === undefined) throw new NodeError(`entity column '${name}' is ${String(requireColumn(table, name, 'entity').type)}; keys must be numbers or text`, { field: 'entity' });
      return { name, kind };
    });
    requireColumn(table, spec.timestamp, 'timestamp');
    const featureNames = spec.features && spec.features.length > 0 ? spec.features : columnNames(table).filter((name) => !seen.has(name) && name !== SPLIT_COLUMN);
    if (featureNames.length === 0) throw new NodeError('the table has no feature columns besides the entity and timestamp columns', { field: 'features' });
    const features: StoredColumn[] = featureNames.map((name) => {
      const vector = requireColumn(table, name, 'features');
      const kind = storedKindOf(vector.type);
      if (kind === undefined) throw new NodeError(`feature column '${name}' is ${String(vector.type)}; features must be numbers, text or true/false`, { field: 'features' });
      return { name, kind };
    });
    const schema: ViewSchema = { entity, timestamp: spec.timestamp, features };

    // The partition: keys and features in the store's form, times as epoch ms; rows without a key or time dropped.
    const times = timestampsOf(requireColumn(table, spec.timestamp, 'timestamp'), spec.timestamp, 'timestamp');
    const keep: number[] = [];
    const keys = entity.map((column) => keyValuesOf(requireColumn(table, column.name, 'entity'), column.kind));
    for (let row = 0; row < table.numRows; row++) {
      if (times[row] !== times[row]) continue;
      if (keys.some((key) => (key.kind === 'number' ? key.values[row] !== key.values[row] : key.values[row] === null))) continue;
      keep.push(row);
    }
    // Rows are stored grouped by entity, each entity's rows in time order (ties in the order
    // written): the layout the join reads, so a view written in one piece is joined without sorting.
    const order = storageOrder(keys, times, keep);
    const pick = (data: Data): Data => (isIdentity(order, table.numRows) ? data : takeVector(makeVector(data), order));
    const names = [...entity.map((column) => column.name), spec.timestamp, ...features.map((column) => column.name)];
    const columns: Data[] = [
      ...entity.map((column) => pick(storedData(requireColumn(table, column.name, 'entity'), column.kind))),
      pick(float64Data(times)),
      ...features.map((column) => pick(storedData(requireColumn(table, column.name, 'features'), column.kind))),
    ];
    const partition = makeTable(names, columns, keep.length);
    let minTs = Infinity;
    let maxTs = -Infinity;
    for (const row of keep) {
      const t = times[row]!;
      if (t < minTs) minTs = t;
      if (t > maxTs) maxTs = t;
    }
    const bytes = tableToIPC(partition, 'file');
    const hash = createHash('sha256').update(bytes).digest('hex');

    // The file first (content-addressed, flushed), then the rows that name it.
    const folder = join(this.offlineDir, spec.name);
    const file = join(folder, `${hash}.arrow`);
    if (!existsSync(file)) writeDurably(folder, file, bytes);

    const now = Date.now();
    const outcome = this.db
      .transaction(() => {
        let row = this.viewRow(spec.name);
        let created = false;
        if (row === undefined) {
          const id = Number(
            this.db.prepare('INSERT INTO views (name, schema_json, ttl, ttl_ms, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(spec.name, JSON.stringify(schema), spec.ttl || null, ttlMs, now, now).lastInsertRowid,
          );
          this.createOnlineTable(id, schema);
          row = this.viewRow(spec.name)!;
          created = true;
        } else {
          const differences = schemaDifferences(JSON.parse(row.schema_json) as ViewSchema, schema);
          if (differences.length > 0) {
            throw new NodeError(`feature view '${spec.name}' has another schema than this table: ${differences.join('; ')}. A view keeps its schema; write these rows under a new name`, {
              field: differences[0]!.startsWith('entity') ? 'entity' : differences[0]!.startsWith('timestamp') ? 'timestamp' : 'features',
            });
          }
          if ((row.ttl ?? null) !== (spec.ttl || null)) this.db.prepare('UPDATE views SET ttl = ?, ttl_ms = ? WHERE id = ?').run(spec.ttl || null, ttlMs, row.id);
        }
        const existing = this.db.prepare('SELECT seq FROM partitions WHERE view_id = ? AND hash = ?').get(row.id, hash);
        if (existing !== undefined) return { created, fresh: false };
        const seq = ((this.db.prepare('SELECT MAX(seq) AS seq FROM partitions WHERE view_id = ?').get(row.id) as { seq: number | null }).seq ?? 0) + 1;
        this.db
          .prepare('INSERT INTO partitions (view_id, seq, hash, rows, min_ts, max_ts, written_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(row.id, seq, hash, keep.length, keep.length > 0 ? minTs : null, keep.length > 0 ? maxTs : null, now);
        this.db.prepare('UPDATE views SET updated_at = ? WHERE id = ?').run(now, row.id);
        return { created, fresh: true };
      })
      .immediate();
    const materialized = this.materialize(spec.name).entities;
    return { view: spec.name, rows: keep.length, dropped: table.numRows - keep.length, hash: `sha256:${hash}`, fresh: outcome.fresh, created: outcome.created, materialized };
  }

  // Offline reads -------------------------------------------------------------------------

  private partitions(viewName: string): PartitionRow[] {
    return this.db.prepare('SELECT p.* FROM partitions p JOIN views v ON v.id = p.view_id WHERE v.name = ? ORDER BY p.seq').all(viewName) as PartitionRow[];
  }

  private readPartition(viewName: string, hash: string): Table {
    const file = join(this.offlineDir, viewName, `${hash}.arrow`);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(file);
    } catch (error) {
      throw new NodeError(`feature view '${viewName}': its partition file ${file} cannot be read (${(error as Error).message}); the feature store is damaged`, { cause: error });
    }
    return tableFromIpcBytes(bytes);
  }

  /** Every partition of a view, column by column (what the join and the CLI's show read). */
  loadView(name: string, field = 'views'): LoadedView {
    const view = this.requireView(name, field);
    const columns = [...view.schema.entity.map((column) => column.name), view.schema.timestamp, ...view.schema.features.map((column) => column.name)];
    const chunks = new Map<string, Data[]>(columns.map((column) => [column, []]));
    const partStarts = [0];
    for (const partition of this.partitions(name)) {
      const table = this.readPartition(name, partition.hash);
      for (const column of columns) chunks.get(column)!.push(singleData(requireColumn(table, column, field)));
      partStarts.push(partStarts[partStarts.length - 1]! + table.numRows);
    }
    return { view, partStarts, chunks, rows: partStarts[partStarts.length - 1]! };
  }

  /**
   * The point-in-time join: `entities` plus, for each view, its feature columns holding, for
   * each row, the latest values with the same key at or before the row's timestamp and
   * within the view's TTL (missing when nothing qualifies). Never a later value.
   */
  read(entities: Table, request: ReadRequest): Table {
    if (request.views.length === 0) throw new NodeError('views: name at least one feature view', { field: 'views' });
    const timestampColumn = entities.schema.fields.find((field) => field.name === request.timestamp);
    if (!timestampColumn) {
      throw new NodeError(`the entity table has no timestamp column '${request.timestamp}'${didYouMean(request.timestamp, columnNames(entities))}; its columns are: ${columnNames(entities).join(', ')}`, { field: 'timestamp' });
    }
    const entityTimes = timestampsOf(requireColumn(entities, request.timestamp, 'timestamp'), request.timestamp, 'timestamp');
    const taken = new Map<string, string>(columnNames(entities).map((name) => [name, 'the entity table']));
    const fields: Field[] = [...entities.schema.fields];
    const columns: Data[] = entities.schema.fields.map((_, k) => singleData(entities.getChildAt(k)!));
    for (const name of request.views) {
      const loaded = this.loadView(name);
      const { view } = loaded;
      for (const column of view.schema.entity) {
        if (!entities.schema.fields.some((field) => field.name === column.name)) {
          throw new NodeError(`feature view '${name}' is keyed by ${view.schema.entity.map((key) => `'${key.name}'`).join(', ')}, but the entity table has no column '${column.name}'; its columns are: ${columnNames(entities).join(', ')}`, { field: 'views' });
        }
      }
      for (const column of view.schema.features) {
        const owner = taken.get(column.name);
        if (owner !== undefined) throw new NodeError(`feature '${column.name}' of view '${name}' clashes with a column of ${owner}; rename one of them before the join`, { field: 'views' });
        taken.set(column.name, `feature view '${name}'`);
      }
      const matched = this.match(loaded, entities, entityTimes);
      const at = locateRows(matched, loaded.partStarts);
      for (const column of view.schema.features) {
        fields.push(new Field(column.name, kindType(column.kind), true));
        columns.push(gatherColumn(loaded.chunks.get(column.name)!, at, column.kind));
      }
    }
    const out = makeTable(
      fields.map((field) => field.name),
      columns,
      entities.numRows,
    );
    return out;
  }

  /** For each entity row, the index (over all the view's partitions) of the feature row it takes, or -1. */
  private match(loaded: LoadedView, entities: Table, entityTimes: Float64Array): Int32Array {
    const { view } = loaded;
    const viewKeys: KeyValues[] = view.schema.entity.map((column) => concatKeys(loaded.chunks.get(column.name)!, column.kind, loaded.rows));
    const entityKeys: KeyValues[] = view.schema.entity.map((column) => entityKey(requireColumn(entities, column.name, 'views'), column.kind));
    const codes = encodeKeys(viewKeys, entityKeys);
    const viewTimes = concatNumbers(loaded.chunks.get(view.schema.timestamp)!, loaded.rows);
    const grouped = groupRows(codes.viewCodes, viewTimes, codes.groups);
    return matchRows(grouped, codes.entityCodes, entityTimes, view.ttlMs);
  }

  // Online --------------------------------------------------------------------------------

  private createOnlineTable(id: number, schema: ViewSchema): void {
    const sqlType = (kind: StoredKind) => (kind === 'string' ? 'TEXT' : kind === 'number' ? 'REAL' : 'INTEGER');
    const keys = schema.entity.map((column, k) => `k${k} ${sqlType(column.kind)} NOT NULL`);
    const features = schema.features.map((column, k) => `f${k} ${sqlType(column.kind)}`);
    this.db.exec(`CREATE TABLE ${onlineTableName(id)} (${[...keys, 'ts REAL NOT NULL', ...features].join(', ')}, PRIMARY KEY (${schema.entity.map((_, k) => `k${k}`).join(', ')})) WITHOUT ROWID`);
  }

  /**
   * Brings the online table up to date with the partitions not yet in it (in write order):
   * for each entity the row with the latest timestamp wins (on a tie, the one written last).
   */
  materialize(name: string): MaterializeOutcome {
    const row = this.viewRow(name);
    if (!row) this.requireView(name, 'view');
    const { id } = row!;
    const schema = JSON.parse(row!.schema_json) as ViewSchema;
    const pending = this.db.prepare('SELECT * FROM partitions WHERE view_id = ? AND materialized = 0 ORDER BY seq').all(id) as PartitionRow[];
    if (pending.length === 0) return { view: name, partitions: 0, entities: 0 };
    const table = onlineTableName(id);
    const keyNames = schema.entity.map((_, k) => `k${k}`);
    const featureNames = schema.features.map((_, k) => `f${k}`);
    const all = [...keyNames, 'ts', ...featureNames];
    const upsert = this.db.prepare(
      `INSERT INTO ${table} (${all.join(', ')}) VALUES (${all.map(() => '?').join(', ')}) ON CONFLICT (${keyNames.join(', ')}) DO UPDATE SET ${['ts', ...featureNames].map((column) => `${column} = excluded.${column}`).join(', ')} WHERE excluded.ts >= ${table}.ts`,
    );
    const markDone = this.db.prepare('UPDATE partitions SET materialized = 1 WHERE view_id = ? AND seq = ?');
    let entities = 0;
    // Read the files before the transaction: it holds the write lock only for the upserts.
    const latest = pending.map((partition) => ({ partition, rows: latestPerEntity(this.readPartition(name, partition.hash), schema) }));
    this.db
      .transaction(() => {
        for (const { partition, rows } of latest) {
          for (const values of rows) entities += upsert.run(values).changes;
          markDone.run(id, partition.seq);
        }
        this.db.prepare('UPDATE views SET materialized_at = ? WHERE id = ?').run(Date.now(), id);
      })
      .immediate();
    return { view: name, partitions: pending.length, entities };
  }

  /** A prepared lookup of view `name`'s online values (Feast's get_online_features for one view). */
  onlineLookup(name: string, field = 'view'): OnlineLookup {
    const view = this.requireView(name, field);
    const row = this.viewRow(name)!;
    const { schema } = view;
    const where = schema.entity.map((_, k) => `k${k} = ?`).join(' AND ');
    const select = this.db.prepare(`SELECT ts, ${schema.features.map((_, k) => `f${k}`).join(', ')} FROM ${onlineTableName(row.id)} WHERE ${where}`).raw(true);
    const missing = Object.fromEntries(schema.features.map((column) => [column.name, null])) as Record<string, OnlineValue>;
    return {
      view,
      get(key) {
        const params = schema.entity.map((column, k) => keyParam(key[k], column.kind));
        if (params.some((value) => value === null)) return { found: false, timestamp: null, values: { ...missing } };
        const found = select.get(params) as unknown[] | undefined;
        if (!found) return { found: false, timestamp: null, values: { ...missing } };
        const values: Record<string, OnlineValue> = {};
        schema.features.forEach((column, k) => {
          const value = found[k + 1] as number | string | null;
          values[column.name] = value === null ? null : column.kind === 'boolean' ? value === 1 : value;
        });
        return { found: true, timestamp: found[0] as number, values };
      },
    };
  }

  /** The online values for several entities of one view. */
  getOnline(name: string, keys: readonly (readonly unknown[])[]): OnlineRow[] {
    const lookup = this.onlineLookup(name);
    return keys.map((key) => lookup.get(key));
  }
}

function kindType(kind: StoredKind): DataType {
  return kind === 'number' ? new Float64() : kind === 'string' ? new Utf8() : new Bool();
}

/** A key value as the online table compares it; null when it cannot be a key of that kind. */
function keyParam(value: unknown, kind: StoredKind): number | string | null {
  if (value === null || value === undefined) return null;
  if (kind === 'string') return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    return Number.isFinite(number) ? number : null;
  }
  return null;
}

/** The entity table's key column in the view's key kind (numbers written as text and back are accepted). */
function entityKey(vector: Vector, kind: StoredKind): KeyValues {
  const actual = storedKindOf(vector.type);
  if (kind === 'string') {
    if (actual === 'string') return { kind: 'string', values: stringsOf(vector) };
    const numbers = numbersOf(vector);
    return { kind: 'string', values: Array.from(numbers, (value) => (value === value ? String(value) : null)) };
  }
  if (actual === 'string') return { kind: 'number', values: Float64Array.from(stringsOf(vector), (text) => (text === null || text.trim() === '' ? NaN : Number(text))) };
  return { kind: 'number', values: numbersOf(vector) };
}

function concatNumbers(chunks: readonly Data[], rows: number): Float64Array {
  const out = new Float64Array(rows);
  let at = 0;
  for (const data of chunks) {
    const values = data.values as Float64Array;
    if (data.nullCount === 0) out.set(values.subarray(0, data.length), at);
    else for (let k = 0; k < data.length; k++) out[at + k] = data.getValid(k) ? values[k]! : NaN;
    at += data.length;
  }
  return out;
}

function concatKeys(chunks: readonly Data[], kind: StoredKind, rows: number): KeyValues {
  if (kind !== 'string') return { kind: 'number', values: concatNumbers(chunks, rows) };
  const values: (string | null)[] = [];
  for (const data of chunks) for (const text of stringsOf(makeVector(data))) values.push(text);
  return { kind: 'string', values };
}

/** The online rows a partition contributes: per entity, its latest row (on a tie, the later one), as upsert parameters. */
function latestPerEntity(partition: Table, schema: ViewSchema): (number | string | null)[][] {
  const keys = schema.entity.map((column) => keyValuesOf(requireColumn(partition, column.name, 'entity'), column.kind));
  const none: KeyValues[] = keys.map((key) => (key.kind === 'number' ? { kind: 'number', values: new Float64Array(0) } : { kind: 'string', values: [] }));
  const codes = encodeKeys(keys, none);
  const times = numbersOf(requireColumn(partition, schema.timestamp, 'timestamp'));
  const best = new Int32Array(codes.groups).fill(-1);
  for (let row = 0; row < partition.numRows; row++) {
    const code = codes.viewCodes[row]!;
    if (code < 0 || times[row] !== times[row]) continue;
    const current = best[code]!;
    if (current < 0 || times[row]! >= times[current]!) best[code] = row;
  }
  const features = schema.features.map((column) => requireColumn(partition, column.name, 'features'));
  const out: (number | string | null)[][] = [];
  for (let code = 0; code < best.length; code++) {
    const row = best[code]!;
    if (row < 0) continue;
    const values: (number | string | null)[] = keys.map((key) => key.values[row] as number | string);
    values.push(times[row]!);
    for (const vector of features) {
      const value = vector.get(row) as unknown;
      values.push(value === null || value === undefined ? null : typeof value === 'boolean' ? (value ? 1 : 0) : (value as number | string));
    }
    out.push(values);
  }
  return out;
}

/** Writes a new file so that it is either whole or absent: a temp file beside it, flushed, renamed, the folder flushed. */
function writeDurably(folder: string, file: string, bytes: Uint8Array): void {
  mkdirSync(folder, { recursive: true });
  const temp = join(folder, `.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const fd = openSync(temp, 'wx');
    try {
      let written = 0;
      while (written < bytes.byteLength) written += writeSync(fd, bytes, written, bytes.byteLength - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  const dirFd = openSync(folder, 'r');
  try {
    fsyncSync(dirFd);
  } catch {
    // Some file systems cannot flush a folder; the rename stands either way.
  } finally {
    closeSync(dirFd);
  }
}

/** The kept rows (those with a key and a time) grouped by entity, in time order within each. */
function storageOrder(keys: readonly KeyValues[], times: Float64Array, keep: readonly number[]): Int32Array {
  const none: KeyValues[] = keys.map((key) => (key.kind === 'number' ? { kind: 'number', values: new Float64Array(0) } : { kind: 'string', values: [] }));
  const codes = encodeKeys(keys, none);
  const kept = new Int32Array(times.length).fill(-1);
  for (const row of keep) kept[row] = codes.viewCodes[row]!;
  return groupRows(kept, times, codes.groups).order;
}

function isIdentity(order: Int32Array, rows: number): boolean {
  if (order.length !== rows) return false;
  for (let k = 0; k < rows; k++) if (order[k] !== k) return false;
  return true;
}
