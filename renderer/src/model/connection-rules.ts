/**
 * Whether an output may feed an input, with a reason a user can act on when not. The canvas
 * asks while a wire is being dragged; the connect action asks again before it changes
 * anything. The engine's validator stays the final word.
 */
import { formatPortRef, type PortRef } from '../../../core/graph/types.js';
import type { CatalogEntry } from '../api/protocol';
import { edgeNodes, type DocContent } from './document';

export type ConnectionCheck = { ok: true } | { ok: false; reason: string };

export type Catalog = Readonly<Record<string, CatalogEntry>>;

const article = (word: string) => (/^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`);

export function checkConnection(content: DocContent, catalog: Catalog, from: PortRef, to: PortRef): ConnectionCheck {
  if (from.node === to.node) return { ok: false, reason: 'a node cannot feed its own input' };
  const source = content.nodes.find((node) => node.id === from.node);
  const target = content.nodes.find((node) => node.id === to.node);
  if (!source || !target) return { ok: false, reason: 'both ends must be nodes of this pipeline' };
  const sourceEntry = catalog[source.type];
  const targetEntry = catalog[target.type];
  if (!sourceEntry) return { ok: false, reason: `'${source.id}' has an unknown type '${source.type}'` };
  if (!targetEntry) return { ok: false, reason: `'${target.id}' has an unknown type '${target.type}'` };
  const output = sourceEntry.outputs[from.port];
  const input = targetEntry.inputs[to.port];
  if (!output) return { ok: false, reason: `'${source.id}' has no output '${from.port}'` };
  if (!input) return { ok: false, reason: `'${target.id}' has no input '${to.port}'` };
  if (output.type !== input.type) {
    return {
      ok: false,
      reason: `type mismatch: ${formatPortRef(from)} gives ${article(output.type)}, but ${formatPortRef(to)} takes ${article(input.type)}`,
    };
  }
  const target_ = formatPortRef(to);
  const existing = content.edges.find((edge) => edge.to === target_);
  if (existing) {
    return { ok: false, reason: `${target_} is already fed by ${existing.from}; delete that wire first` };
  }
  const loop = pathBetween(content, to.node, from.node);
  if (loop) return { ok: false, reason: `this would make a cycle: ${[from.node, ...loop].join(' → ')}` };
  return { ok: true };
}

/** Node ids on a directed path from `start` to `goal`, both included; undefined when none. */
export function pathBetween(content: DocContent, start: string, goal: string): string[] | undefined {
  const next = new Map<string, string[]>();
  for (const edge of content.edges) {
    const { from, to } = edgeNodes(edge);
    if (!from || !to) continue;
    let list = next.get(from);
    if (!list) next.set(from, (list = []));
    list.push(to);
  }
  const cameFrom = new Map<string, string | null>([[start, null]]);
  const queue = [start];
  while (queue.length > 0) {
    const current = queue.shift()!;
    if (current === goal) {
      const path: string[] = [];
      for (let at: string | null | undefined = goal; at != null; at = cameFrom.get(at)) path.unshift(at);
      return path;
    }
    for (const following of next.get(current) ?? []) {
      if (!cameFrom.has(following)) {
        cameFrom.set(following, current);
        queue.push(following);
      }
    }
  }
  return undefined;
}
