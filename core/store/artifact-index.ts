import type Database from 'better-sqlite3';
import type { PortType } from '../base/ports.js';
import type { ArtifactStore } from './artifact-store.js';
import { StoreError } from './errors.js';

/**
 * The `artifacts` table: what each stored hash is (file or folder, port type, size) and
 * since when. Rows are written only for artifacts whose files are in place, which is what
 * lets every other table reference `artifacts(hash)` without ever pointing at nothing.
 */
export class ArtifactIndex {
  private readonly upsert: Database.Statement<[string, string, string | null, number, number]>;

  constructor(
    db: Database.Database,
    private readonly artifacts: ArtifactStore,
  ) {
    this.upsert = db.prepare(`
      INSERT INTO artifacts (hash, kind, type, size, created_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (hash) DO UPDATE SET type = excluded.type
      WHERE artifacts.type IS NULL AND excluded.type IS NOT NULL`);
  }

  /** Checks that the artifact's file or folder exists and says which; call before the transaction that records it. */
  requireStored(hash: string, purpose: string): 'file' | 'dir' {
    const kind = this.artifacts.kindOf(hash);
    if (kind === undefined) {
      const path = this.artifacts.pathOf(hash);
      throw new StoreError('missing-artifact', `cannot ${purpose}: artifact ${hash} is not in the store (expected at ${path})`, { path });
    }
    return kind;
  }

  /** Records an artifact (inside the caller's transaction). An attachment's type is null. */
  record(hash: string, kind: 'file' | 'dir', type: PortType | null, size: number, now: number): void {
    this.upsert.run(hash, kind, type, size, now);
  }
}
