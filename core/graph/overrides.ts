/**
 * The CLI's repeated `--set node.param=value`. Values are JSON when they parse as JSON
 * (`0.3`, `true`, `[1,2]`, `{"a":1}`, `"quoted"`) and plain strings otherwise, so
 * `--set load.path=data/other.csv` needs no quoting. Whether the param exists is
 * validation's business: it runs on the result and names unknown params with suggestions.
 */
import { isPlainObject } from './issues.js';
import { didYouMean } from './suggest.js';
import type { PipelineDoc, PipelineNode, ValidationIssue } from './types.js';

export type OverrideResult =
  | {
      ok: true;
      /** A new document; the input is never changed. */
      doc: PipelineDoc;
      /** `node.param` → the value it was set to (the last `--set` wins), for the run record. */
      overrides: Record<string, unknown>;
    }
  | { ok: false; issues: ValidationIssue[] };

/** `0.3` → 0.3, `true` → true, `"x"` → "x", `data/a.csv` → "data/a.csv". */
export function parseOverrideValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

interface Override {
  text: string;
  nodeId: string;
  path: string[];
  value: unknown;
}

function parseSet(text: string): Override | ValidationIssue {
  const equals = text.indexOf('=');
  const target = equals < 0 ? text : text.slice(0, equals).trim();
  const dot = target.indexOf('.');
  const path = target.slice(dot + 1).split('.');
  if (equals < 0 || dot <= 0 || path.some((step) => step === '')) {
    const problem = equals < 0 ? "there is no '='" : "the part before '=' must be node.param";
    return {
      code: 'bad-override',
      message: `--set '${text}': ${problem}; write --set node.param=value, e.g. --set split.test=0.3`,
      ...(dot > 0 ? { nodeId: target.slice(0, dot) } : {}),
    };
  }
  return { text, nodeId: target.slice(0, dot), path, value: parseOverrideValue(text.slice(equals + 1)) };
}

function setKey(object: Record<string, unknown>, key: string, value: unknown): void {
  // defineProperty: `--set x.__proto__=…` must create a key (that validation then rejects).
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Applies every `--set` to a copy of the document, or reports every malformed one. */
export function applyOverrides(doc: PipelineDoc, sets: readonly string[]): OverrideResult {
  const issues: ValidationIssue[] = [];
  const overrides: Record<string, unknown> = {};
  const nodes: PipelineNode[] = [...doc.nodes];
  const ids = nodes.map((node) => node.id);
  const copied = new Set<number>();

  for (const text of sets) {
    const parsed = parseSet(text);
    if ('code' in parsed) {
      issues.push(parsed);
      continue;
    }
    const matches = nodes.flatMap((node, index) => (node.id === parsed.nodeId ? [index] : []));
    if (matches.length === 0) {
      issues.push({
        code: 'unknown-node',
        message: `--set '${text}': there is no node '${parsed.nodeId}'${didYouMean(parsed.nodeId, ids)}`,
        nodeId: parsed.nodeId,
        field: parsed.path.join('.'),
      });
      continue;
    }
    for (const index of matches) {
      const node = nodes[index]!;
      // Copy each node once, then copy objects along the path: the input stays untouched.
      const params: Record<string, unknown> = copied.has(index) ? node.params! : { ...(node.params ?? {}) };
      const problem = setPath(params, parsed.path, parsed.value);
      if (problem) {
        issues.push({ code: 'bad-override', message: `--set '${text}': ${problem}`, nodeId: parsed.nodeId, field: parsed.path.join('.') });
        break;
      }
      nodes[index] = { ...node, params };
      copied.add(index);
    }
    overrides[`${parsed.nodeId}.${parsed.path.join('.')}`] = parsed.value;
  }
  if (issues.length > 0) return { ok: false, issues };
  return { ok: true, doc: { ...doc, nodes }, overrides };
}

/** Sets params[a][b]… = value, copying every object it goes through. */
function setPath(params: Record<string, unknown>, path: string[], value: unknown): string | undefined {
  let current = params;
  for (let step = 0; step < path.length - 1; step++) {
    const key = path[step]!;
    const existing = Object.hasOwn(current, key) ? current[key] : undefined;
    if (existing !== undefined && !isPlainObject(existing)) {
      return `param '${path.slice(0, step + 1).join('.')}' is ${JSON.stringify(existing) ?? String(existing)}, not an object, so it has no '${path[step + 1]}'`;
    }
    const next: Record<string, unknown> = existing === undefined ? {} : { ...existing };
    setKey(current, key, next);
    current = next;
  }
  setKey(current, path[path.length - 1]!, value);
  return undefined;
}
