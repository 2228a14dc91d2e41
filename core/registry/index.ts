/** The model registry: versions, aliases, gates and their audit trail (README.md). */
export { ModelRegistry } from './model-registry.js';
export type {
  AliasMove,
  AliasRecord,
  ModelDetail,
  ModelSummary,
  ModelVersionRecord,
  RegistryActor,
  RegistryEvent,
  RegistryEventKind,
  ResolvedVersion,
  RunFacts,
  VersionLineage,
} from './model-registry.js';
export { evaluateGate, gateAliases, gateMetrics, parseGate, GateMetricError, GateSyntaxError, LOWER_IS_BETTER } from './gate.js';
export type { Contender, Gate, GateCheckResult, GateCheckSpec, GateOperator, GateResult } from './gate.js';
export {
  aliasProblem,
  checkAlias,
  checkModelName,
  isRegistryError,
  LATEST,
  looksLikeModelRef,
  modelNameProblem,
  parseModelRef,
  RegistryError,
  versionNumber,
  ALIAS_PATTERN,
  MODEL_NAME_PATTERN,
} from './refs.js';
export type { ModelRef, VersionSelector } from './refs.js';
export { readBundleFacts, schemaChange } from './schema.js';
export type { BundleFacts, ModelSchema } from './schema.js';
