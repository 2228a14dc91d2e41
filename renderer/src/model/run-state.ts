/**
 * How the document relates to the run on the canvas. Like KNIME's reset: a node whose params,
 * type or inputs changed since the run that produced its result, and everything downstream of
 * it, holds an out-of-date result until it runs again. Params are compared as they matter to
 * a run: a value equal to its default counts as not set (the engine fills defaults in).
 */
import type { CatalogEntry, PipelineDoc, PipelineEdge, PipelineNode } from '../api/protocol';
import { edgeNodes } from './document';
import { objectProperties, type JsonSchema } from './schema';

/** The run states that stand for a result (or an error) computed from some params. */
const RESULT_STATES = new Set(['succeeded', 'cached', 'failed']);

export interface DocShape {
  readonly nodes: readonly PipelineNode[];
  readonly edges: readonly PipelineEdge[];
}

type Defaults = (type: string) => ReadonlyMap<string, unknown>;

/** Param defaults per node type, from the catalog's JSON Schemas. */
export function catalogDefaults(byType: Readonly<Record<string, CatalogEntry>>): Defaults {
  const cache = new Map<string, ReadonlyMap<string, unknown>>();
  return (type) => {
    let found = cache.get(type);
    if (!found) {
      const schema = byType[type]?.params as JsonSchema | undefined;
      const properties = schema ? objectProperties(schema) : [];
      found = new Map(properties.filter((property) => property.field.hasDefault).map((property) => [property.name, property.field.default]));
      cache.set(type, found);
    }
    return found;
  };
}

/** JSON with object keys sorted, so two equal values give the same text. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The params that a run depends on, as comparable text: unset and default values dropped. */
function paramsKey(params: Readonly<Record<string, unknown>> | undefined, defaults: ReadonlyMap<string, unknown>): string {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params ?? {})) {
    if (value === undefined) continue;
    if (defaults.has(key) && stableJson(defaults.get(key)) === stableJson(value)) continue;
    kept[key] = value;
  }
  return stableJson(kept);
}

/** Whether `value` differs from the param `key` as a run saw it (unset means the default). */
export function paramDiffers(key: string, value: unknown, other: unknown, defaults: ReadonlyMap<string, unknown>): boolean {
  const effective = (item: unknown) => stableJson(item === undefined ? defaults.get(key) : item);
  return effective(value) !== effective(other);
}

function inputsOf(doc: DocShape): Map<string, string> {
  const byNode = new Map<string, string[]>();
  for (const edge of doc.edges) {
    const to = edgeNodes(edge).to;
    if (to === undefined) continue;
    const list = byNode.get(to) ?? [];
    list.push(`${edge.to}<-${edge.from}`);
    byNode.set(to, list);
  }
  return new Map([...byNode].map(([id, list]) => [id, list.sort().join('|')]));
}

/**
 * The nodes whose shown result is out of date: those with a result in the run (`states`)
 * that changed since `ranWith` (the document the run started with), or sit downstream of a
 * changed node. Empty when the run's document is unknown.
 */
export function outdatedNodes(current: DocShape, ranWith: DocShape | null, states: Readonly<Record<string, { status: string }>>, defaultsOf: Defaults): string[] {
  if (!ranWith) return [];
  const before = new Map(ranWith.nodes.map((node) => [node.id, node]));
  const inputsBefore = inputsOf(ranWith);
  const inputsNow = inputsOf(current);
  const changed = current.nodes.filter((node) => {
    const old = before.get(node.id);
    if (!old || old.type !== node.type) return true;
    const defaults = defaultsOf(node.type);
    return paramsKey(node.params, defaults) !== paramsKey(old.params, defaults) || (inputsNow.get(node.id) ?? '') !== (inputsBefore.get(node.id) ?? '');
  });

  const downstream = new Map<string, string[]>();
  for (const edge of current.edges) {
    const { from, to } = edgeNodes(edge);
    if (from === undefined || to === undefined) continue;
    downstream.set(from, [...(downstream.get(from) ?? []), to]);
  }
  const reached = new Set<string>();
  const pending = changed.map((node) => node.id);
  while (pending.length > 0) {
    const id = pending.pop()!;
    if (reached.has(id)) continue;
    reached.add(id);
    pending.push(...(downstream.get(id) ?? []));
  }
  return current.nodes.filter((node) => reached.has(node.id) && RESULT_STATES.has(states[node.id]?.status ?? 'idle')).map((node) => node.id);
}

/** `wine` for `models/wine.pipeline.json`. */
export function pipelineBaseName(path: string): string {
  return (path.split('/').pop() ?? path).replace(/\.pipeline\.json$|\.json$/, '');
}

/**
 * The document's name after it is saved as `path`: it follows the file while it is the
 * default ('untitled', or empty) or the name of the file it was saved as before; a name the
 * user gave it otherwise is kept.
 */
export function nameAfterSave(name: string, previousPath: string | null, path: string): string {
  const followsFile = name.trim() === '' || name === 'untitled' || (previousPath !== null && name === pipelineBaseName(previousPath));
  return followsFile ? pipelineBaseName(path) || name : name;
}

/** Convenience for the live run: the document it was started with, in the shape above. */
export function docShape(doc: PipelineDoc | null | undefined): DocShape | null {
  return doc && Array.isArray(doc.nodes) && Array.isArray(doc.edges) ? doc : null;
}
