import { createHash } from 'node:crypto';
import { canonicalJson } from '../graph/canonical.js';
import type { AnyNodeDefinition } from '../base/define-node.js';

/**
 * A node's cache key: everything that determines its outputs. Type and version (a new
 * node version computes differently), params after defaults are filled, the content hashes
 * of its inputs (not the upstream nodes' keys: an upstream re-run with an equal result still
 * hits), and the content hashes of the files a source node reads.
 */
export function cacheKey(
  definition: AnyNodeDefinition,
  params: Record<string, unknown>,
  inputs: Record<string, string>,
  files: Record<string, string>,
): string {
  const material = canonicalJson({ type: definition.type, version: definition.version, params, inputs, files });
  return `sha256:${createHash('sha256').update(material).digest('hex')}`;
}
