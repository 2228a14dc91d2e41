import { readFile } from 'node:fs/promises';
import { migratePipeline } from './migrate.js';
import { applyOverrides } from './overrides.js';
import { locateIssues, parsePipelineText } from './parse.js';
import type { NodeRegistry } from './registry.js';
import type { MigratedNode, ResolvedPipeline, ValidationIssue } from './types.js';
import { validatePipeline } from './validate.js';
import { checkWorkspacePaths, type WorkspacePlace } from './workspace-paths.js';

export type LoadResult =
  | {
      ok: true;
      pipeline: ResolvedPipeline;
      warnings: ValidationIssue[];
      overrides: Record<string, unknown>;
      /** Nodes saved by an older version of their type, migrated in memory (the file is unchanged). */
      migrated: MigratedNode[];
    }
  | { ok: false; issues: ValidationIssue[]; warnings: ValidationIssue[] };

/** Reads a file as UTF-8 text, or says in plain words why it cannot. */
export async function readPipelineText(path: string): Promise<{ ok: true; text: string } | { ok: false; issue: ValidationIssue }> {
  // formatIssue puts the file in front of the message, so the message does not repeat it.
  const fail = (message: string) => ({ ok: false as const, issue: { code: 'file' as const, message, file: path } });
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return fail('no such file');
    if (code === 'EISDIR') return fail('is a folder, not a pipeline file');
    if (code === 'EACCES' || code === 'EPERM') return fail('permission denied');
    if (code === 'ENOTDIR') return fail('a part of this path is a file, not a folder');
    return fail(`cannot be read (${error instanceof Error ? error.message : String(error)})`);
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return fail('is saved as UTF-16; save it as UTF-8');
  }
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return fail('is not UTF-8 text');
  }
}

/**
 * Reads, parses, migrates old nodes in memory, applies `--set` overrides and validates a
 * pipeline file. Never throws for a bad or missing file: every problem comes back as an issue
 * naming the file, with line and column where there is text (an overridden param points at
 * the node it belongs to).
 */
export async function loadPipelineFile(
  path: string,
  registry: NodeRegistry,
  options: { sets?: readonly string[]; workspace?: WorkspacePlace } = {},
): Promise<LoadResult> {
  const read = await readPipelineText(path);
  if (!read.ok) return { ok: false, issues: [read.issue], warnings: [] };
  const parsed = parsePipelineText(read.text, path);
  if (!parsed.ok) return { ok: false, issues: parsed.issues, warnings: [] };
  // Migrated before `--set`, so overrides name params as the current version (and
  // `tensorloom nodes`) calls them. A node that cannot be migrated stays as written, and
  // validation reports it.
  const migration = migratePipeline(parsed.doc, registry);
  const overridden = applyOverrides(migration.doc, options.sets ?? []);
  if (!overridden.ok) return { ok: false, issues: overridden.issues.map((issue) => ({ ...issue, file: path })), warnings: [] };
  const validated = validatePipeline(overridden.doc, registry);
  const place = (issues: ValidationIssue[]) => locateIssues(issues, parsed.locator).map((issue) => ({ ...issue, file: path }));
  if (!validated.ok) return { ok: false, issues: place(validated.issues), warnings: place([...migration.warnings, ...validated.warnings]) };
  const paths = options.workspace ? checkWorkspacePaths(validated.pipeline, options.workspace) : { issues: [], warnings: [] };
  const warnings = place([...migration.warnings, ...validated.warnings, ...paths.warnings]);
  if (paths.issues.length > 0) return { ok: false, issues: place(paths.issues), warnings };
  return { ok: true, pipeline: validated.pipeline, warnings, overrides: overridden.overrides, migrated: migration.migrated };
}
