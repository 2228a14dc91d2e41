/**
 * Versioned node types: a node records the `typeVersion` its params were written for (absent:
 * 1). Params of an older version go through the definition's migration steps in version order
 * (a version without a step kept its params), in memory; the file changes only when the UI saves it or `tensorloom migrate`
 * rewrites it. Never throws: a step that throws becomes an issue naming node, type and version.
 */
import type { AnyNodeDefinition } from '../base/define-node.js';
import { isPlainObject, pathJoin } from './issues.js';
import { findNonJson } from './parse.js';
import type { NodeRegistry } from './registry.js';
import type { MigratedNode, PipelineDoc, PipelineNode, ValidationIssue } from './types.js';

export type NodeMigrationResult =
  | {
      ok: true;
      /** The params at the definition's version (the input's own object when nothing changed). */
      params: Record<string, unknown>;
      /** Set when a migration step changed the params (not for a version bumped for its results only). */
      migrated?: MigratedNode;
    }
  | { ok: false; issue: ValidationIssue };

/** Brings one node's params to its definition's version. `path` is the node's (`nodes[2]`). */
export function migrateNode(node: PipelineNode, definition: AnyNodeDefinition, path: string): NodeMigrationResult {
  const from = node.typeVersion ?? 1;
  const to = definition.version;
  const params = node.params ?? {};
  const where = node.typeVersion === undefined ? path : pathJoin(path, 'typeVersion');
  const fail = (code: ValidationIssue['code'], message: string): NodeMigrationResult => ({
    ok: false,
    issue: { code, message: `node '${node.id}': ${message}`, nodeId: node.id, field: 'typeVersion', path: where },
  });
  if (from === to) return { ok: true, params };
  if (from > to) {
    return fail('newer-version', `${definition.type} version ${from} is newer than this Tensorloom's (version ${to}); update Tensorloom to open this file`);
  }
  const steps = definition.migrations ?? [];
  let current = params;
  let changed = false;
  for (let version = from; version < to; version++) {
    const step = steps.find((candidate) => candidate.from === version);
    if (!step) continue;
    changed = true;
    let next: unknown;
    try {
      // A copy: a step that edits its argument in place must not change the caller's document.
      next = step.migrate(structuredClone(current));
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      return fail('migration-failed', `migrating ${definition.type} from version ${version} to ${version + 1} failed: ${reason}`);
    }
    const problem = !isPlainObject(next) ? 'is not an object' : findNonJson(next, 'params')?.reason;
    if (problem !== undefined) {
      return fail('migration-failed', `migrating ${definition.type} from version ${version} to ${version + 1} failed: the params it returned ${problem} (a bug in the node definition)`);
    }
    current = next as Record<string, unknown>;
  }
  // Versions bumped only for their results changed nothing here: nothing to report or rewrite.
  if (!changed) return { ok: true, params };
  return { ok: true, params: current, migrated: { nodeId: node.id, type: node.type, from, to } };
}

/** The warning for a node migrated in memory. */
export function needsMigrationWarning(note: MigratedNode, path: string, explicit: boolean): ValidationIssue {
  return {
    code: 'needs-migration',
    message: `node '${note.nodeId}': ${note.type} version ${note.from} is older than this Tensorloom's (version ${note.to}); its params were migrated in memory — save the file (or run 'tensorloom migrate') to update it`,
    nodeId: note.nodeId,
    field: 'typeVersion',
    path: explicit ? pathJoin(path, 'typeVersion') : path,
  };
}

export interface PipelineMigration {
  /**
   * A copy with every node of a known type at its definition's version and `typeVersion`
   * written (also for nodes that were already current). Nodes of unknown types, and nodes
   * that cannot be migrated, are left as they were.
   */
  doc: PipelineDoc;
  migrated: MigratedNode[];
  /** `needs-migration`, one per migrated node. */
  warnings: ValidationIssue[];
  /** `newer-version`, `migration-failed`. */
  issues: ValidationIssue[];
  /** Positions in `nodes` of the nodes those issues are about. */
  failed: Set<number>;
}

/** Migrates every node of a (shape-checked) document. Never changes its input. */
export function migratePipeline(doc: PipelineDoc, registry: NodeRegistry): PipelineMigration {
  const migrated: MigratedNode[] = [];
  const warnings: ValidationIssue[] = [];
  const issues: ValidationIssue[] = [];
  const failed = new Set<number>();
  const nodes = doc.nodes.map((node, index) => {
    const definition = registry.get(node.type);
    if (!definition) return node;
    const path = pathJoin('nodes', index);
    const result = migrateNode(node, definition, path);
    if (!result.ok) {
      issues.push(result.issue);
      failed.add(index);
      return node;
    }
    if (result.migrated) {
      migrated.push(result.migrated);
      warnings.push(needsMigrationWarning(result.migrated, path, node.typeVersion !== undefined));
    }
    return { ...node, typeVersion: definition.version, params: result.params };
  });
  return { doc: { ...doc, nodes }, migrated, warnings, issues, failed };
}

/** `clean (test.offset 1 → 2), scale (feature.scale 1 → 2)` for notices. */
export function describeMigrations(migrated: readonly MigratedNode[]): string {
  return migrated.map((note) => `${note.nodeId} (${note.type} ${note.from} → ${note.to})`).join(', ');
}
