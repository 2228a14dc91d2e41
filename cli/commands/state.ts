import type { NodeStateEntry } from '../../core/store/index.js';
import { dim, UsageError } from '../output.js';
import { findWorkspace, openStore } from '../workspace.js';

export interface StateOptions {
  workspace?: string;
  json: boolean;
}

/**
 * `tensorloom state`: what node types keep between runs (ctx.state), e.g. data.validate's
 * saved schemas. `state delete <type> <key>` forgets one entry (a schema baseline to accept
 * a new one). Exit 0; deleting a key that is not there is a usage error (2), naming what is.
 */
export function stateCommand(args: readonly string[], options: StateOptions): number {
  const [action = 'list', ...rest] = args;
  if (action !== 'list' && action !== 'delete') throw new UsageError(`'tensorloom state' takes 'list' or 'delete <node type> <key>' (got '${action}')`);
  if (action === 'list' && rest.length > 0) throw new UsageError(`'tensorloom state list' takes no arguments (unexpected: ${rest.join(' ')})`);
  if (action === 'delete' && rest.length !== 2) throw new UsageError("'tensorloom state delete' expects a node type and a key, e.g. tensorloom state delete data.validate schema/check");
  const store = openStore(findWorkspace(options.workspace), { cleanTemp: false });
  try {
    if (action === 'delete') {
      const [nodeType, key] = rest as [string, string];
      const entries = store.listNodeState();
      if (!store.deleteNodeState(nodeType, key)) {
        const known = entries.filter((entry) => entry.nodeType === nodeType).map((entry) => entry.key);
        throw new UsageError(`${nodeType} keeps nothing under '${key}'${known.length > 0 ? `; its keys: ${known.join(', ')}` : entries.length > 0 ? `; node types with state: ${[...new Set(entries.map((entry) => entry.nodeType))].join(', ')}` : '; no node keeps state in this workspace'}`);
      }
      if (options.json) process.stdout.write(JSON.stringify({ deleted: { nodeType, key } }) + '\n');
      else process.stdout.write(`deleted ${nodeType} ${key}; the next run saves it afresh\n`);
      return 0;
    }
    const entries = store.listNodeState();
    if (options.json) {
      process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(entries.length === 0 ? 'no node keeps state in this workspace\n' : entries.map(describe).join('\n') + '\n');
    return 0;
  } finally {
    store.close();
  }
}

function describe(entry: NodeStateEntry): string {
  const text = JSON.stringify(entry.value);
  const size = Buffer.byteLength(text);
  const writer = entry.runId === null ? '' : ` by run ${entry.runId} (node ${entry.nodeId})`;
  return `${entry.nodeType}  ${entry.key}  ${dim(`${size} bytes, written ${new Date(entry.updatedAt).toISOString()}${writer}`)}`;
}
