import type { NodeRegistry } from '../../core/graph/registry.js';
import { displayPath } from '../load.js';
import { bold, dim, green, red } from '../output.js';

/**
 * `tensorloom packs`: the node packs found for the workspace and in TENSORLOOM_PLUGINS, with
 * version, where each was found, its node types and step kinds, and why one did not load.
 * Exit 0 when every pack loaded, 1 when one did not (the report says why).
 */
export function packsCommand(registry: NodeRegistry, options: { json: boolean }): number {
  const packs = registry.packs();
  const failed = packs.some((pack) => pack.error !== undefined);
  if (options.json) {
    const body = { packs: packs.map((pack) => ({ ...pack, loaded: pack.error === undefined })) };
    process.stdout.write(JSON.stringify(body, null, 2) + '\n');
    return failed ? 1 : 0;
  }
  if (packs.length === 0) {
    process.stdout.write(`No node packs: none among the workspace's package.json dependencies (keyword tensorloom-pack), and TENSORLOOM_PLUGINS is empty.\n`);
    return 0;
  }
  for (const pack of packs) {
    const state = pack.error === undefined ? green('loaded') : red('not loaded', process.stdout);
    process.stdout.write(`${bold(pack.name)}${pack.version ? ` ${pack.version}` : ''}  ${state}  ${dim(`${pack.source === 'workspace' ? 'workspace dependency' : 'TENSORLOOM_PLUGINS'} · ${displayPath(pack.path)}`)}\n`);
    if (pack.nodeTypes.length > 0) process.stdout.write(`  ${dim('node types')} ${pack.nodeTypes.join(', ')}\n`);
    if (pack.stepKinds.length > 0) process.stdout.write(`  ${dim('step kinds')} ${pack.stepKinds.join(', ')}\n`);
    if (pack.error !== undefined) process.stdout.write(`  ${red('error', process.stdout)} ${pack.error}\n`);
  }
  return failed ? 1 : 0;
}
