import type { NodeRegistry } from '../../core/graph/registry.js';
import { formatIssue } from '../../core/graph/index.js';
import { loadPipeline } from '../load.js';
import { green, red, yellow } from '../output.js';

/** Exit 0 when valid, 2 when not. */
export async function validateCommand(registry: NodeRegistry, options: { pipeline: string; json: boolean; workspace?: string }): Promise<number> {
  const loaded = await loadPipeline(options.pipeline, registry, { workspace: options.workspace ?? null });
  const { shown } = loaded;
  if (options.json) {
    const body = loaded.ok
      ? { ok: true, file: shown, name: loaded.pipeline.doc.name, hash: loaded.pipeline.hash, nodes: loaded.pipeline.order, warnings: loaded.warnings, migrated: loaded.migrated }
      : { ok: false, file: shown, issues: loaded.issues, warnings: loaded.warnings };
    process.stdout.write(JSON.stringify(body, null, 2) + '\n');
    return loaded.ok ? 0 : 2;
  }
  if (!loaded.ok) {
    process.stderr.write(red(`${shown}: ${loaded.issues.length} problem${loaded.issues.length === 1 ? '' : 's'}`, process.stderr) + '\n');
    for (const issue of loaded.issues) process.stderr.write(`  ${formatIssue(issue)}\n`);
    return 2;
  }
  for (const warning of loaded.warnings) process.stdout.write(yellow(formatIssue(warning, 'warning')) + '\n');
  process.stdout.write(`${green('✓')} ${shown} is valid: ${loaded.pipeline.nodes.size} nodes, hash ${loaded.pipeline.hash.slice(0, 19)}…\n`);
  return 0;
}
