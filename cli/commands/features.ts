import { join } from 'node:path';
import { isNodeError } from '../../core/base/errors.js';
import { FeatureStore, type FeatureView } from '../../core/features/index.js';
import { bold, dim, table, UsageError } from '../output.js';
import { findWorkspace, STORE_DIR } from '../workspace.js';

export interface FeaturesOptions {
  workspace?: string;
  json: boolean;
}

const USAGE = "'tensorloom features' takes list, show VIEW, materialize VIEW or get VIEW key=value…";

/**
 * `tensorloom features`: the workspace's feature store. `list` the views (schema, rows,
 * freshness), `show` one, `materialize` one into the online table (writes do that too; this
 * catches up after an interrupted write), `get` a view's online values for entity keys
 * (`get customers customer_id=7 customer_id=9`: one entity per value; an unknown entity has
 * missing values, not an error).
 */
export function featuresCommand(args: readonly string[], options: FeaturesOptions): number {
  const [action = 'list', name, ...rest] = args;
  if (!['list', 'show', 'materialize', 'get'].includes(action)) throw new UsageError(`${USAGE} (got '${action}')`);
  if (action === 'list' && name !== undefined) throw new UsageError(`'tensorloom features list' takes no arguments (unexpected: ${args.slice(1).join(' ')})`);
  if (action !== 'list' && name === undefined) throw new UsageError(`'tensorloom features ${action}' expects a view name${action === 'get' ? ' and key=value pairs' : ''}`);
  if ((action === 'show' || action === 'materialize') && rest.length > 0) throw new UsageError(`'tensorloom features ${action}' takes one view name (unexpected: ${rest.join(' ')})`);
  const dotDir = join(findWorkspace(options.workspace), STORE_DIR);
  const print = (value: unknown, text: string) => process.stdout.write(options.json ? JSON.stringify(value, null, 2) + '\n' : text + '\n');
  if (!FeatureStore.exists(dotDir)) {
    if (action === 'list') {
      print([], 'no feature views in this workspace (write one with a feature.store.write node)');
      return 0;
    }
    throw new UsageError(`no feature view '${name}': this workspace has no feature store yet (write a view with a feature.store.write node)`);
  }
  const store = FeatureStore.open(dotDir);
  try {
    switch (action) {
      case 'list': {
        const views = store.list();
        print(
          views,
          views.length === 0
            ? 'no feature views in this workspace'
            : table([['VIEW', 'ENTITY', 'FEATURES', 'ROWS', 'ONLINE', 'LATEST', 'MATERIALIZED'].map((text) => bold(text)), ...views.map((view) => [view.name, view.schema.entity.map((key) => key.name).join(', '), String(view.schema.features.length), String(view.rows), String(view.onlineRows), time(view.latestTimestamp), time(view.materializedAt)])]),
        );
        return 0;
      }
      case 'show': {
        const view = store.requireView(name!, 'view');
        print(view, describe(view));
        return 0;
      }
      case 'materialize': {
        const outcome = store.materialize(name!);
        print(outcome, outcome.partitions === 0 ? `'${name}' is up to date online` : `materialized ${outcome.partitions} partition(s) of '${name}': ${outcome.entities} entities updated`);
        return 0;
      }
      default: {
        const lookup = store.onlineLookup(name!);
        const keys = lookup.view.schema.entity.map((column) => column.name);
        const entities = parseKeys(rest, keys);
        const rows = entities.map((key) => ({ key: Object.fromEntries(keys.map((column, k) => [column, key[k]!])), ...lookup.get(key) }));
        print(
          rows,
          table([
            [...keys, ...lookup.view.schema.features.map((column) => column.name), 'TIMESTAMP'].map((text) => bold(text)),
            ...rows.map((row) => [...keys.map((column) => String(row.key[column])), ...lookup.view.schema.features.map((column) => cell(row.values[column.name])), row.found ? time(row.timestamp) : dim('unknown entity')]),
          ]),
        );
        return 0;
      }
    }
  } catch (error) {
    if (isNodeError(error)) throw new UsageError(error.message);
    throw error;
  } finally {
    store.close();
  }
}

/** `customer_id=7 customer_id=9` → [[7], [9]]; with several key columns, the n-th value of each makes entity n. */
function parseKeys(pairs: readonly string[], keys: readonly string[]): string[][] {
  if (pairs.length === 0) throw new UsageError(`'tensorloom features get' expects key=value pairs: ${keys.map((key) => `${key}=…`).join(' ')}`);
  const values = new Map<string, string[]>(keys.map((key) => [key, []]));
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const key = at < 0 ? pair : pair.slice(0, at);
    if (at < 0 || !values.has(key)) throw new UsageError(`'${pair}' is not key=value for this view's entity columns: ${keys.join(', ')}`);
    values.get(key)!.push(pair.slice(at + 1));
  }
  const counts = keys.map((key) => values.get(key)!.length);
  if (counts.some((count) => count !== counts[0])) throw new UsageError(`give each entity column the same number of values (${keys.map((key, k) => `${key}: ${counts[k]}`).join(', ')})`);
  return Array.from({ length: counts[0]! }, (_, row) => keys.map((key) => values.get(key)![row]!));
}

function cell(value: unknown): string {
  return value === null || value === undefined ? dim('—') : String(value);
}

function time(ms: number | null): string {
  return ms === null ? dim('never') : new Date(ms).toISOString();
}

function describe(view: FeatureView): string {
  const lines = [
    `${bold(view.name)}  ${dim(`entity ${view.schema.entity.map((key) => `${key.name} (${key.kind})`).join(', ')}; timestamp ${view.schema.timestamp}; ttl ${view.ttl ?? 'none'}`)}`,
    `features: ${view.schema.features.map((column) => `${column.name} (${column.kind})`).join(', ')}`,
    `offline: ${view.rows} rows in ${view.partitions} partition(s), ${time(view.earliestTimestamp)} to ${time(view.latestTimestamp)}`,
    `online: ${view.onlineRows} entities, last materialized ${time(view.materializedAt)}${view.pendingPartitions > 0 ? `; ${view.pendingPartitions} partition(s) waiting (tensorloom features materialize ${view.name})` : ''}`,
  ];
  return lines.join('\n');
}
