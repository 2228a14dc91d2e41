/**
 * PipelineDoc + NodeRegistry → ResolvedPipeline, or every problem at once. Each check goes on
 * past the ones before it: an unknown type still gets its edges checked on the other side, a
 * broken edge does not hide a cycle, a cycle does not hide a missing input.
 */
import type { AnyNodeDefinition } from '../base/define-node.js';
import type { PortSpec, PortType } from '../base/ports.js';
import { withoutHiddenParams } from '../base/show-when.js';
import { findCycles, topologicalOrder } from './algorithms.js';
import { canonicalFromParts, canonicalJson, sha256 } from './canonical.js';
import { pathConcat, pathJoin, pathOf, quoteList } from './issues.js';
import { migratePipeline } from './migrate.js';
import { explainParamIssue } from './param-messages.js';
import { findNonJson, parsePipelineValue } from './parse.js';
import type { NodeRegistry } from './registry.js';
import { closestMatch, didYouMean } from './suggest.js';
import { formatPortRef, NODE_ID_PATTERN, parsePortRef } from './types.js';
import type { MigratedNode, PipelineDoc, PipelineNode, PortRef, ResolvedEdge, ResolvedNode, ResolvedPipeline, ValidationIssue } from './types.js';

export type ValidationResult =
  | {
      ok: true;
      /** `pipeline.doc` has every node at its type's current version, `typeVersion` written. */
      pipeline: ResolvedPipeline;
      warnings: ValidationIssue[];
      /** Nodes saved by an older version of their type, migrated in memory (also a `needs-migration` warning each). */
      migrated: MigratedNode[];
    }
  | { ok: false; issues: ValidationIssue[]; warnings: ValidationIssue[] };

interface Entry {
  node: PipelineNode;
  index: number;
  definition: AnyNodeDefinition | undefined;
  params: Record<string, unknown> | undefined;
  inputs: Record<string, PortRef>;
}

/** Checks a document against the registry. Never throws, whatever the document holds. */
export function validatePipeline(input: PipelineDoc, registry: NodeRegistry): ValidationResult {
  const shaped = parsePipelineValue(input);
  if (!shaped.ok) return { ok: false, issues: shaped.issues, warnings: [] };
  // Old params are brought to the current version first, so they are checked (and hashed,
  // and run) as the current schema reads them.
  const migration = migratePipeline(shaped.doc, registry);
  const doc = migration.doc;
  const issues: ValidationIssue[] = [...migration.issues];
  const entries = new Map<string, Entry>();

  doc.nodes.forEach((node, index) => {
    const path = pathJoin('nodes', index);
    if (!NODE_ID_PATTERN.test(node.id)) {
      issues.push({
        code: 'bad-id',
        message: `${node.id === '' ? 'a node id is empty' : `node id '${node.id}' is not valid`}: ids start with a letter and contain only letters, digits, '_' and '-'`,
        nodeId: node.id,
        field: 'id',
        path: pathJoin(path, 'id'),
      });
    }
    const first = entries.get(node.id);
    if (first) {
      issues.push({
        code: 'duplicate-id',
        message: `node id '${node.id}' is used twice (nodes[${first.index}] and nodes[${index}]); ids must be unique`,
        nodeId: node.id,
        field: 'id',
        path: pathJoin(path, 'id'),
      });
    }
    const definition = registry.get(node.type);
    if (!definition) issues.push(unknownType(node, path, registry));
    // Params a node could not be migrated from are not checked against a schema they predate.
    const params = definition && !migration.failed.has(index) ? checkParams(node, definition, path, issues) : undefined;
    if (!first) entries.set(node.id, { node, index, definition, params, inputs: {} });
  });

  const graphEdges: { from: string; to: string }[] = [];
  const resolvedEdges: ResolvedEdge[] = [];
  const connectedBy = new Map<string, number>();
  doc.edges.forEach((edge, index) => {
    const path = pathJoin('edges', index);
    const from = parsePortRef(edge.from);
    const to = parsePortRef(edge.to);
    if (!from || !to) return; // parsePipelineValue has reported it
    const label = `edge ${edge.from} → ${edge.to}`;
    const source = entries.get(from.node);
    const target = entries.get(to.node);
    if (!source) issues.push(unknownNode(label, from, pathJoin(path, 'from'), entries));
    if (!target) issues.push(unknownNode(label, to, pathJoin(path, 'to'), entries));
    const output = source?.definition ? findPort(label, from, source.definition, 'output', pathJoin(path, 'from'), issues) : undefined;
    const inputSpec = target?.definition ? findPort(label, to, target.definition, 'input', pathJoin(path, 'to'), issues) : undefined;
    if (source && target) graphEdges.push({ from: from.node, to: to.node });
    if (output && inputSpec && output.type !== inputSpec.type) {
      issues.push({
        code: 'type-mismatch',
        message: `'${edge.from}' is ${withArticle(output.type)}, '${edge.to}' expects ${withArticle(inputSpec.type)}`,
        nodeId: to.node,
        field: to.port,
        path: pathJoin(path, 'to'),
      });
    }
    if (!inputSpec || !target) return;
    const key = formatPortRef(to);
    const earlier = connectedBy.get(key);
    if (earlier !== undefined) {
      const previous = doc.edges[earlier]!.from;
      const same = previous === edge.from;
      issues.push({
        code: 'input-connected-twice',
        message: same
          ? `node '${to.node}': input '${to.port}' is connected twice by the same edge from '${edge.from}' (edges[${earlier}] and edges[${index}])`
          : `node '${to.node}': input '${to.port}' is connected twice (from '${previous}' and '${edge.from}'); an input takes one edge`,
        nodeId: to.node,
        field: to.port,
        path: pathJoin(path, 'to'),
      });
      return;
    }
    connectedBy.set(key, index);
    target.inputs[to.port] = from;
    resolvedEdges.push({ from, to });
  });

  for (const entry of entries.values()) {
    if (!entry.definition) continue;
    for (const [port, spec] of Object.entries(entry.definition.inputs)) {
      if (spec.optional || Object.hasOwn(entry.inputs, port)) continue;
      issues.push({
        code: 'missing-input',
        message: `node '${entry.node.id}': required input '${port}' (${spec.type}) is not connected`,
        nodeId: entry.node.id,
        field: port,
        path: pathJoin('nodes', entry.index),
      });
    }
  }

  for (const entry of entries.values()) checkInputKeys(entry, entries, issues);

  const nodeIds = [...entries.keys()];
  for (const cycle of findCycles({ nodes: nodeIds, edges: graphEdges })) {
    const first = cycle[0]!;
    issues.push({
      code: 'cycle',
      message: `cycle: ${[...cycle, first].join(' → ')}; a pipeline must not loop back on itself`,
      nodeId: first,
      path: pathJoin('nodes', entries.get(first)!.index),
      nodes: cycle,
    });
  }

  const warnings = [...migration.warnings, ...unconnectedWarnings(entries, graphEdges)];
  if (issues.length > 0) return { ok: false, issues, warnings };

  const resolved = new Map<string, ResolvedNode>();
  for (const entry of entries.values()) {
    resolved.set(entry.node.id, {
      id: entry.node.id,
      type: entry.node.type,
      definition: entry.definition!,
      params: entry.params!,
      inputs: entry.inputs,
      index: entry.index,
    });
  }
  const { order } = topologicalOrder({ nodes: nodeIds, edges: graphEdges });
  const hash = sha256(canonicalJson(canonicalFromParts(resolved.values(), doc.edges)));
  return { ok: true, pipeline: { doc, nodes: resolved, edges: resolvedEdges, order, hash }, warnings, migrated: migration.migrated };
}

/**
 * Names a node reads from an input (NodeDefinition.inputKeys: a gate's metrics) must be
 * among the `keys` the connected output declares; an input they come from must be connected.
 */
function checkInputKeys(entry: Entry, entries: Map<string, Entry>, issues: ValidationIssue[]): void {
  if (!entry.definition?.inputKeys || entry.params === undefined) return;
  let wanted: ReturnType<NonNullable<AnyNodeDefinition['inputKeys']>>;
  try {
    wanted = entry.definition.inputKeys(entry.params as never);
  } catch {
    return; // the params check has said what is wrong with them
  }
  const id = entry.node.id;
  for (const { port, field, keys } of wanted) {
    if (keys.length === 0) continue;
    const path = pathJoin(pathJoin(pathJoin('nodes', entry.index), 'params'), field);
    const names = quoteList(keys);
    const from = entry.inputs[port];
    if (from === undefined) {
      if (entry.definition.inputs[port]?.optional) {
        issues.push({ code: 'invalid-param', message: `node '${id}': '${field}' reads ${names} from input '${port}', which is not connected; connect it (or leave '${field}' out)`, nodeId: id, field, path });
      }
      continue;
    }
    const known = entries.get(from.node)?.definition?.outputs[from.port]?.keys;
    if (known === undefined) continue;
    for (const key of keys) {
      if (known.includes(key)) continue;
      issues.push({
        code: 'invalid-param',
        message: `node '${id}': '${field}' reads '${key}', which '${formatPortRef(from)}' never has${didYouMean(key, known)}; it has ${quoteList(known)}`,
        nodeId: id,
        field,
        path,
      });
    }
  }
}

function withArticle(type: PortType): string {
  if (type === 'metrics') return 'metrics';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function unknownType(node: PipelineNode, path: string, registry: NodeRegistry): ValidationIssue {
  if (node.pack !== undefined) return missingPack(node, node.pack, path, registry);
  const known = registry.types();
  const suggestion = didYouMean(node.type, known);
  let hint = '';
  if (!suggestion) {
    const category = node.type.split('.')[0] ?? '';
    const sameCategory = known.filter((type) => type.startsWith(`${category}.`));
    if (sameCategory.length > 0) hint = `; known '${category}.*' types: ${sameCategory.join(', ')}`;
    else if (known.length > 0 && known.length <= 12) hint = `; known types: ${known.join(', ')}`;
  }
  return {
    code: 'unknown-type',
    message: `node '${node.id}': unknown node type '${node.type}'${suggestion}${hint}`,
    nodeId: node.id,
    field: 'type',
    path: pathJoin(path, 'type'),
  };
}

/** A node whose file names the pack its type comes from: say whether that pack is missing or failed to load, and how to fix it. */
function missingPack(node: PipelineNode, pack: string, path: string, registry: NodeRegistry): ValidationIssue {
  const found = registry.packs().find((summary) => summary.name === pack);
  let reason: string;
  if (found?.error !== undefined) reason = `is installed but did not load: ${found.error} (see 'tensorloom packs')`;
  else if (found) reason = `is loaded but has no such node type (it has ${found.nodeTypes.join(', ') || 'none'}); a newer or older version of the pack may be installed`;
  else reason = `is not installed in this workspace; install it there (npm install ${pack}) or list it in TENSORLOOM_PLUGINS`;
  return {
    code: 'unknown-type',
    message: `node '${node.id}': node type '${node.type}' comes from the node pack '${pack}', which ${reason}`,
    nodeId: node.id,
    field: 'type',
    path: pathJoin(path, 'type'),
  };
}

function checkParams(node: PipelineNode, definition: AnyNodeDefinition, path: string, issues: ValidationIssue[]): Record<string, unknown> | undefined {
  const schema = definition.params;
  const shape = schema.shape as Record<string, { description?: string } | undefined>;
  const catchall = schema._zod.def.catchall;
  const acceptsOtherKeys = catchall !== undefined && catchall._zod.def.type !== 'never';
  const paramsPath = pathJoin(path, 'params');
  const known = Object.keys(shape);
  const before = issues.length;
  const accepted: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node.params ?? {})) {
    if (acceptsOtherKeys || Object.hasOwn(shape, key)) {
      // defineProperty: a key such as "__proto__" must stay a plain key.
      Object.defineProperty(accepted, key, { value, enumerable: true, writable: true, configurable: true });
      continue;
    }
    const takes = known.length === 0 ? `${definition.type} takes no params` : `${definition.type} takes ${quoteList(known)}`;
    issues.push({
      code: 'unknown-param',
      message: `node '${node.id}': unknown param '${key}'${didYouMean(key, known)}; ${takes}`,
      nodeId: node.id,
      field: key,
      path: pathJoin(paramsPath, key),
    });
  }

  // A param hidden by its showWhen rule keeps its value in the file but does not apply: it is
  // not checked, not passed to the node and not hashed (its default, if any, applies).
  let visible: Record<string, unknown>;
  let parsed: ReturnType<typeof schema.safeParse>;
  try {
    visible = withoutHiddenParams(schema, accepted).params;
    parsed = schema.safeParse(visible);
  } catch (error) {
    issues.push({
      code: 'invalid-param',
      message: `node '${node.id}': its params could not be checked (${error instanceof Error ? error.message : String(error)})`,
      nodeId: node.id,
      field: 'params',
      path: paramsPath,
    });
    return undefined;
  }
  if (!parsed.success) {
    for (const zodIssue of parsed.error.issues) {
      const problem = explainParamIssue(zodIssue, visible, (field) => shape[field]?.description);
      issues.push({
        code: problem.code,
        message: `node '${node.id}': ${problem.text}`,
        nodeId: node.id,
        ...(problem.field === '' ? {} : { field: problem.field }),
        path: pathOf(zodIssue.path, paramsPath),
      });
    }
    return undefined;
  }
  const output = parsed.data as Record<string, unknown>;
  const notJson = findNonJson(output, '');
  if (notJson) {
    const subject = notJson.path === '' ? 'params' : `param '${notJson.path}'`;
    issues.push({
      code: 'invalid-param',
      message: `node '${node.id}': ${subject} ${notJson.reason} after node type '${definition.type}' parsed it; params must stay plain JSON (a bug in the node definition)`,
      nodeId: node.id,
      field: notJson.path === '' ? 'params' : notJson.path,
      path: pathConcat(paramsPath, notJson.path),
    });
    return undefined;
  }
  return issues.length > before ? undefined : output;
}

function unknownNode(label: string, ref: PortRef, path: string, entries: Map<string, Entry>): ValidationIssue {
  return {
    code: 'unknown-node',
    message: `${label}: there is no node '${ref.node}'${didYouMean(ref.node, entries.keys())}`,
    nodeId: ref.node,
    field: ref.port,
    path,
  };
}

/** Finds the port an edge end names; reports a wrong name or a wrong direction. */
function findPort(
  label: string,
  ref: PortRef,
  definition: AnyNodeDefinition,
  direction: 'input' | 'output',
  path: string,
  issues: ValidationIssue[],
): PortSpec | undefined {
  const ports: Record<string, PortSpec> = direction === 'input' ? definition.inputs : definition.outputs;
  if (Object.hasOwn(ports, ref.port)) return ports[ref.port];
  const other: Record<string, PortSpec> = direction === 'input' ? definition.outputs : definition.inputs;
  const names = Object.keys(ports);
  const listing = names.length === 0 ? `it has no ${direction}s` : `its ${direction}s: ${names.map((name) => `${name} (${ports[name]!.type})`).join(', ')}`;
  const who = `node '${ref.node}' (${definition.type})`;
  if (Object.hasOwn(other, ref.port)) {
    const rule = direction === 'output' ? 'an edge starts at an output' : 'an edge ends at an input';
    issues.push({
      code: 'bad-edge',
      message: `${label}: '${formatPortRef(ref)}' is an ${direction === 'output' ? 'input' : 'output'} of ${who}, but ${rule}; ${listing}`,
      nodeId: ref.node,
      field: ref.port,
      path,
    });
    return undefined;
  }
  const suggestion = closestMatch(ref.port, names);
  issues.push({
    code: 'unknown-port',
    message: `${label}: ${who} has no ${direction} '${ref.port}'${suggestion ? ` (did you mean '${suggestion}'?)` : ''}; ${listing}`,
    nodeId: ref.node,
    field: ref.port,
    path,
  });
  return undefined;
}

function unconnectedWarnings(entries: Map<string, Entry>, graphEdges: { from: string; to: string }[]): ValidationIssue[] {
  if (entries.size < 2) return [];
  const touched = new Set<string>();
  for (const edge of graphEdges) {
    touched.add(edge.from);
    touched.add(edge.to);
  }
  const warnings: ValidationIssue[] = [];
  for (const entry of entries.values()) {
    if (touched.has(entry.node.id)) continue;
    // A node missing a required input already has an error; the warning is for the rest.
    if (entry.definition && Object.values(entry.definition.inputs).some((spec) => !spec.optional)) continue;
    warnings.push({
      code: 'unconnected-node',
      message: `node '${entry.node.id}' is not connected to any other node; it still runs`,
      nodeId: entry.node.id,
      path: pathJoin('nodes', entry.index),
    });
  }
  return warnings;
}
