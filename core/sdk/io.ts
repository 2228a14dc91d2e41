/**
 * File readers and writers as nodes see them: JSON Lines, JSON arrays, Parquet, SQLite
 * queries, and writing a table to CSV / JSON Lines / Parquet / Arrow atomically.
 * Re-exported from the SDK index. (CSV reading lives in data.ts.)
 */
export { readJson, readJsonLines } from '../data/json-io.js';
export type { JsonSource, JsonReadOptions, JsonReadResult } from '../data/json-io.js';
export { readParquetFile } from '../data/parquet-io.js';
export type { ParquetReadOptions, ParquetReadResult } from '../data/parquet-io.js';
export { readSqlite } from '../data/sqlite-io.js';
export type { SqliteReadOptions, SqliteReadResult } from '../data/sqlite-io.js';
export { exportTable, TABLE_FILE_FORMATS, FORMAT_EXTENSIONS } from '../data/writers.js';
export type { TableFileFormat, TableWriteOptions } from '../data/writers.js';
