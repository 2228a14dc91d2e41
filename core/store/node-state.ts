import type Database from 'better-sqlite3';
import type { Json } from '../base/values.js';

/** One stored entry of a node type's state, for `tensorloom state`. */
export interface NodeStateEntry {
  readonly nodeType: string;
  readonly key: string;
  readonly value: Json;
  /** The run and node that wrote it last (null when written outside a run). */
  readonly runId: string | null;
  readonly nodeId: string | null;
  readonly updatedAt: number;
}

interface Row {
  node_type: string;
  key: string;
  value_json: string;
  run_id: string | null;
  node_id: string | null;
  updated_at: number;
}

/**
 * The `node_state` table: what `ctx.state` keeps for a node type between runs. Each write
 * is one SQLite statement, so it is committed whole (WAL) or not at all.
 */
export class NodeStateTable {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      get: db.prepare<[string, string], Pick<Row, 'value_json'>>('SELECT value_json FROM node_state WHERE node_type = ? AND key = ?'),
      set: db.prepare<[string, string, string, string | null, string | null, number]>(
        `INSERT INTO node_state (node_type, key, value_json, run_id, node_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (node_type, key) DO UPDATE SET value_json = excluded.value_json, run_id = excluded.run_id,
           node_id = excluded.node_id, updated_at = excluded.updated_at`,
      ),
      delete: db.prepare<[string, string]>('DELETE FROM node_state WHERE node_type = ? AND key = ?'),
      list: db.prepare<[], Row>('SELECT * FROM node_state ORDER BY node_type, key'),
    };
  }

  get(nodeType: string, key: string): Json | undefined {
    const row = this.statements.get.get(nodeType, key);
    return row === undefined ? undefined : (JSON.parse(row.value_json) as Json);
  }

  set(nodeType: string, key: string, valueJson: string, writer: { runId: string; nodeId: string } | undefined): void {
    this.statements.set.run(nodeType, key, valueJson, writer?.runId ?? null, writer?.nodeId ?? null, Date.now());
  }

  delete(nodeType: string, key: string): boolean {
    return this.statements.delete.run(nodeType, key).changes > 0;
  }

  list(): NodeStateEntry[] {
    return this.statements.list.all().map((row) => ({
      nodeType: row.node_type,
      key: row.key,
      value: JSON.parse(row.value_json) as Json,
      runId: row.run_id,
      nodeId: row.node_id,
      updatedAt: row.updated_at,
    }));
  }
}
