import { readFile } from 'node:fs/promises';
import type { NodeRegistry } from '../../core/graph/registry.js';
import { formatIssue, pipelineFileText } from '../../core/graph/index.js';
import { writeFileAtomic } from '../../core/server/workspace-files.js';
import { loadPipeline } from '../load.js';
import { green, red, UsageError } from '../output.js';

export interface MigrateOptions {
  pipeline: string;
  /** Only report (exit 1 when some node needs migrating); never write. */
  check: boolean;
}

/**
 * `tensorloom migrate <pipeline.json> [--check]`: brings every node's params to its type's
 * current version and writes `typeVersion` on every node, in exactly the form the UI saves,
 * so a migrate followed by a save in the UI changes nothing. Exit 0 done (or current),
 * 1 `--check` found nodes to migrate, 2 invalid pipeline (the file is left as it was).
 */
export async function migrateCommand(registry: NodeRegistry, options: MigrateOptions): Promise<number> {
  const loaded = await loadPipeline(options.pipeline, registry);
  const { shown } = loaded;
  if (!loaded.ok) {
    process.stderr.write(red(`${shown}: ${loaded.issues.length} problem${loaded.issues.length === 1 ? '' : 's'}; nothing was changed`, process.stderr) + '\n');
    for (const issue of loaded.issues) process.stderr.write(`  ${formatIssue(issue)}\n`);
    return 2;
  }
  const { migrated } = loaded;
  const list = migrated.map((note) => `  ${note.nodeId}: ${note.type} version ${note.from} → ${note.to}\n`).join('');
  const count = `${migrated.length} node${migrated.length === 1 ? '' : 's'}`;
  if (options.check) {
    if (migrated.length === 0) {
      process.stdout.write(`${green('✓')} ${shown}: every node is at its type's current version\n`);
      return 0;
    }
    process.stderr.write(red(`${shown}: ${count} saved by an older version of ${migrated.length === 1 ? 'its' : 'their'} type:`, process.stderr) + '\n' + list);
    process.stderr.write(`run 'tensorloom migrate ${shown}' to update the file\n`);
    return 1;
  }
  const text = pipelineFileText(loaded.pipeline.doc);
  // Unchanged files are not rewritten: their modification time says when they last changed.
  const before = await readFile(loaded.path, 'utf8').catch(() => undefined);
  if (before === text) {
    process.stdout.write(`${green('✓')} ${shown} is already current; nothing to change\n`);
    return 0;
  }
  try {
    await writeFileAtomic(loaded.path, text);
  } catch (error) {
    throw new UsageError(`cannot write ${shown}: ${writeFailure(error)}; the file was left as it was`, 1);
  }
  if (migrated.length === 0) process.stdout.write(`${green('✓')} ${shown}: every node was current; wrote each node's typeVersion\n`);
  else process.stdout.write(`${green('✓')} ${shown}: migrated ${count}:\n${list}`);
  return 0;
}

function writeFailure(error: unknown): string {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'the disk is full';
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
