/**
 * Graph algorithms on node ids. Everything here is deterministic: the same document gives
 * the same order and names the same cycle, whatever Map or Set iteration would do.
 */
import { parsePortRef } from './types.js';
import type { PipelineDoc, ResolvedPipeline } from './types.js';

/** A directed graph of node ids, nodes in file order. Edges to unknown ids are ignored. */
export interface GraphView {
  readonly nodes: readonly string[];
  readonly edges: readonly { readonly from: string; readonly to: string }[];
}

/** The node-level graph of a document (well-formed edges only) or of a resolved pipeline. */
export function graphOf(source: PipelineDoc | ResolvedPipeline): GraphView {
  if (source.nodes instanceof Map) {
    const resolved = source as ResolvedPipeline;
    return { nodes: [...resolved.nodes.keys()], edges: resolved.edges.map((edge) => ({ from: edge.from.node, to: edge.to.node })) };
  }
  const doc = source as PipelineDoc;
  const edges: { from: string; to: string }[] = [];
  for (const edge of doc.edges) {
    const from = parsePortRef(edge.from);
    const to = parsePortRef(edge.to);
    if (from && to) edges.push({ from: from.node, to: to.node });
  }
  return { nodes: doc.nodes.map((node) => node.id), edges };
}

interface Indexed {
  ids: string[];
  successors: number[][];
  inDegree: number[];
}

function index(graph: GraphView): Indexed {
  const position = new Map<string, number>();
  const ids: string[] = [];
  for (const id of graph.nodes) {
    if (position.has(id)) continue;
    position.set(id, ids.length);
    ids.push(id);
  }
  const successors = ids.map((): number[] => []);
  const inDegree = ids.map(() => 0);
  for (const edge of graph.edges) {
    const from = position.get(edge.from);
    const to = position.get(edge.to);
    if (from === undefined || to === undefined) continue;
    successors[from]!.push(to);
    inDegree[to]!++;
  }
  return { ids, successors, inDegree };
}

/** A binary min-heap of numbers: Kahn's ready set, smallest file index first. */
class MinHeap {
  private readonly items: number[] = [];

  get size(): number {
    return this.items.length;
  }

  push(value: number): void {
    const items = this.items;
    items.push(value);
    let child = items.length - 1;
    while (child > 0) {
      const parent = (child - 1) >> 1;
      if (items[parent]! <= value) break;
      items[child] = items[parent]!;
      child = parent;
    }
    items[child] = value;
  }

  pop(): number | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let parent = 0;
    for (;;) {
      const left = parent * 2 + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const smaller = right < items.length && items[right]! < items[left]! ? right : left;
      if (items[smaller]! >= last) break;
      items[parent] = items[smaller]!;
      parent = smaller;
    }
    items[parent] = last;
    return top;
  }
}

/**
 * Kahn's algorithm; among the nodes that are ready, the one earliest in the file goes first,
 * so the order follows the file wherever the edges allow. `blocked` holds the nodes that
 * could not be ordered: those on a cycle and those downstream of one (empty for a DAG).
 */
export function topologicalOrder(graph: GraphView): { order: string[]; blocked: string[] } {
  const { ids, successors, inDegree } = index(graph);
  const remaining = [...inDegree];
  const ready = new MinHeap();
  remaining.forEach((degree, node) => {
    if (degree === 0) ready.push(node);
  });
  const order: string[] = [];
  const done = new Array<boolean>(ids.length).fill(false);
  while (ready.size > 0) {
    const node = ready.pop()!;
    done[node] = true;
    order.push(ids[node]!);
    for (const next of successors[node]!) {
      if (--remaining[next]! === 0) ready.push(next);
    }
  }
  return { order, blocked: ids.filter((_, node) => !done[node]) };
}

/**
 * One cycle per strongly connected component that has one, each as the node ids in edge
 * order, starting from the component's node that comes first in the file; the cycle is a
 * shortest one through that node. Sorted by where the first node is in the file.
 */
export function findCycles(graph: GraphView): string[][] {
  const { ids, successors } = index(graph);
  const cycles: number[][] = [];
  for (const component of stronglyConnectedComponents(successors)) {
    const start = component.reduce((a, b) => Math.min(a, b));
    const isSelfLoop = component.length === 1 && successors[start]!.includes(start);
    if (component.length === 1 && !isSelfLoop) continue;
    cycles.push(shortestCycleThrough(start, new Set(component), successors));
  }
  cycles.sort((a, b) => a[0]! - b[0]!);
  return cycles.map((cycle) => cycle.map((node) => ids[node]!));
}

/** The node ids on one cycle (see findCycles), or undefined for a DAG. */
export function findCycle(graph: GraphView): string[] | undefined {
  return findCycles(graph)[0];
}

function shortestCycleThrough(start: number, within: Set<number>, successors: number[][]): number[] {
  const parent = new Map<number, number>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    for (const next of successors[node]!) {
      if (!within.has(next)) continue;
      if (next === start) {
        const path = [node];
        for (let step = node; step !== start; ) {
          step = parent.get(step)!;
          path.push(step);
        }
        return path.reverse();
      }
      if (!parent.has(next)) {
        parent.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start]; // unreachable for a component with a cycle
}

/** Tarjan's algorithm without recursion, so long chains cannot overflow the stack. */
function stronglyConnectedComponents(successors: number[][]): number[][] {
  const count = successors.length;
  const order = new Array<number>(count).fill(-1);
  const low = new Array<number>(count).fill(0);
  const onStack = new Array<boolean>(count).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;
  for (let root = 0; root < count; root++) {
    if (order[root] !== -1) continue;
    const frames: { node: number; next: number }[] = [{ node: root, next: 0 }];
    order[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const edges = successors[frame.node]!;
      if (frame.next < edges.length) {
        const next = edges[frame.next++]!;
        if (order[next] === -1) {
          order[next] = low[next] = counter++;
          stack.push(next);
          onStack[next] = true;
          frames.push({ node: next, next: 0 });
        } else if (onStack[next]) {
          low[frame.node] = Math.min(low[frame.node]!, order[next]!);
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low[parent.node] = Math.min(low[parent.node]!, low[frame.node]!);
      if (low[frame.node] === order[frame.node]) {
        const component: number[] = [];
        let member: number;
        do {
          member = stack.pop()!;
          onStack[member] = false;
          component.push(member);
        } while (member !== frame.node);
        components.push(component);
      }
    }
  }
  return components;
}

function requireNode(pipeline: ResolvedPipeline, nodeId: string): void {
  if (!pipeline.nodes.has(nodeId)) throw new Error(`the pipeline has no node '${nodeId}'`);
}

/** `nodeId` and every node it depends on, in the pipeline's topological order. */
export function ancestors(pipeline: ResolvedPipeline, nodeId: string): Set<string> {
  requireNode(pipeline, nodeId);
  const found = new Set<string>([nodeId]);
  const pending = [nodeId];
  while (pending.length > 0) {
    const node = pipeline.nodes.get(pending.pop()!)!;
    for (const source of Object.values(node.inputs)) {
      if (!found.has(source.node)) {
        found.add(source.node);
        pending.push(source.node);
      }
    }
  }
  return new Set(pipeline.order.filter((id) => found.has(id)));
}

/** `nodeId` and every node that depends on it, in the pipeline's topological order. */
export function descendants(pipeline: ResolvedPipeline, nodeId: string): Set<string> {
  requireNode(pipeline, nodeId);
  const consumers = new Map<string, string[]>();
  for (const edge of pipeline.edges) {
    const list = consumers.get(edge.from.node);
    if (list) list.push(edge.to.node);
    else consumers.set(edge.from.node, [edge.to.node]);
  }
  const found = new Set<string>([nodeId]);
  const pending = [nodeId];
  while (pending.length > 0) {
    for (const next of consumers.get(pending.pop()!) ?? []) {
      if (!found.has(next)) {
        found.add(next);
        pending.push(next);
      }
    }
  }
  return new Set(pipeline.order.filter((id) => found.has(id)));
}
