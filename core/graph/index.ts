/**
 * The pipeline document: types, parsing, validation, canonical form and hashes, graph
 * algorithms and `--set` overrides. See README.md in this folder for the decisions.
 */
export { PIPELINE_FORMAT, ISSUE_CODES, NODE_ID_PATTERN, PORT_NAME_PATTERN, parsePortRef, formatPortRef, savedPipelineDoc, pipelineFileText } from './types.js';
export type {
  PipelineDoc,
  PipelineNode,
  PipelineEdge,
  PortRef,
  IssueCode,
  MigratedNode,
  ValidationIssue,
  ResolvedNode,
  ResolvedEdge,
  ResolvedPipeline,
} from './types.js';
export { NodeRegistry, describeNode } from './registry.js';
export type { CatalogEntry, PackSummary } from './registry.js';
export { composeRegistry } from './compose.js';
export type { ComposeOptions, PackNodes } from './compose.js';
export { parsePipelineText, parsePipelineValue, locateIssues } from './parse.js';
export type { ParseResult, ParseTextResult } from './parse.js';
export { validatePipeline } from './validate.js';
export { migrateNode, migratePipeline, describeMigrations } from './migrate.js';
export type { NodeMigrationResult, PipelineMigration } from './migrate.js';
export type { ValidationResult } from './validate.js';
export {
  canonicalJson,
  canonicalHash,
  canonicalize,
  canonicalPipeline,
  pipelineHash,
  sha256,
  CanonicalJsonError,
} from './canonical.js';
export type { CanonicalPipeline } from './canonical.js';
export { graphOf, topologicalOrder, findCycle, findCycles, ancestors, descendants } from './algorithms.js';
export type { GraphView } from './algorithms.js';
export { applyOverrides, parseOverrideValue } from './overrides.js';
export type { OverrideResult } from './overrides.js';
export { loadPipelineFile, readPipelineText } from './load.js';
export type { LoadResult } from './load.js';
export { checkWorkspacePaths } from './workspace-paths.js';
export type { WorkspacePlace } from './workspace-paths.js';
export { formatIssue } from './issues.js';
export { closestMatch, editDistance } from './suggest.js';
export { SourceLocator } from './json-source.js';
