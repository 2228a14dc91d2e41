import { describeShowWhen, type ShowWhen } from '../../core/base/show-when.js';
import type { NodeRegistry } from '../../core/graph/registry.js';
import { bold, dim, table } from '../output.js';

export function nodesCommand(registry: NodeRegistry, options: { json: boolean }): number {
  const catalog = registry.catalog();
  if (options.json) {
    process.stdout.write(JSON.stringify(catalog, null, 2) + '\n');
    return 0;
  }
  for (const entry of catalog) {
    const ports = (ports: Record<string, { type: string }>) => Object.entries(ports).map(([name, spec]) => `${name}:${spec.type}`).join(', ') || '—';
    process.stdout.write(`${bold(entry.type)} ${dim(`v${entry.version} · ${entry.category}${entry.pack ? ` · pack ${entry.pack}` : ''}`)}  ${entry.title}\n  ${entry.description}\n`);
    process.stdout.write(`  ${dim('in')} ${ports(entry.inputs)}  ${dim('out')} ${ports(entry.outputs)}\n`);
    const properties = (entry.params.properties ?? {}) as Record<string, { type?: unknown; default?: unknown; description?: string; enum?: unknown[]; showWhen?: ShowWhen }>;
    const required = new Set((entry.params.required as string[] | undefined) ?? []);
    const rows = Object.entries(properties).map(([name, schema]) => [
      `    ${name}`,
      schema.enum ? schema.enum.map(String).join(' | ') : String(schema.type ?? 'any'),
      required.has(name) ? 'required' : schema.default === undefined ? 'optional' : `default ${JSON.stringify(schema.default)}`,
      dim([schema.description, schema.showWhen ? `(only when ${describeShowWhen(schema.showWhen)})` : ''].filter(Boolean).join(' ')),
    ]);
    if (rows.length > 0) process.stdout.write(table(rows) + '\n');
    process.stdout.write('\n');
  }
  return 0;
}
