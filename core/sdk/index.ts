/**
 * The node SDK: everything a node definition in nodes/ or a node pack may import, as one
 * named list (no `export *`), so what the SDK promises is visible here. Nodes import only
 * this module, and core never imports it (lint rules enforce both), so core can change
 * behind it. The bottom layer it re-exports from is core/base.
 */
export { z } from 'zod';
export { defineNode, NODE_CATEGORIES } from '../base/define-node.js';
export type { NodeDefinition, AnyNodeDefinition, NodeCategory, NodeMigration, ParamsSchema, SourceFile } from '../base/define-node.js';
export { showWhen } from '../base/show-when.js';
export type { ShowWhen, ShowWhenValue } from '../base/show-when.js';
export { port, PORT_TYPES, isPortType } from '../base/ports.js';
export type { PortSpec, PortType } from '../base/ports.js';
export { NodeError, isNodeError } from '../base/errors.js';
export type { RunContext, LogLevel, AttachedArtifact, NodeState, ModelLineage, ModelRegistryAccess, RegisterRequest, RegisterOutcome, SchemaChange, FeatureStoreAccess, FeatureViewWrite, FeatureWriteOutcome } from '../base/context.js';
export type { Json, MetricsValue, ReportValue, ModelValue, ImageValue, PortValues, PortValue, InputValues, OutputValues } from '../base/values.js';
export { SPLIT_COLUMN, SPLIT_ROLES } from '../base/table.js';
export type { DataTable, RecipeStep, SplitRole } from '../base/table.js';
export type { StreamAccess, StreamColumn, StreamReadResult } from '../base/stream.js';
export { streamTable } from '../stream/stream-table.js';

// Tables and CSV (core/data)
export { readCsv, formatBadRow, MAX_REPORTED_BAD_ROWS } from '../data/csv.js';
export type { CsvSource, CsvReadOptions, CsvReadResult, CsvBadRow } from '../data/csv.js';
export type { InferredType } from '../data/csv-columns.js';
export { seededRandom, shuffleInPlace } from '../data/random.js';
export {
  columnNames,
  columnKind,
  describeColumns,
  requireColumn,
  takeRows,
  takeVector,
  filterRows,
  compactTable,
  withColumn,
  tableFromColumns,
  stringColumn,
  float64Column,
  columnValues,
  columnAsFloat64,
  previewRows,
} from '../data/table-ops.js';
export type { ColumnKind, ColumnSummary, PreviewValue } from '../data/table-ops.js';
export type { Table, Vector, Data, DataType, Field, Schema } from 'apache-arrow';

// Other file formats (core/data)
export { readJson, readJsonLines } from '../data/json-io.js';
export type { JsonSource, JsonReadOptions, JsonReadResult } from '../data/json-io.js';
export { readParquetFile } from '../data/parquet-io.js';
export type { ParquetReadOptions, ParquetReadResult } from '../data/parquet-io.js';
export { readSqlite } from '../data/sqlite-io.js';
export type { SqliteReadOptions, SqliteReadResult } from '../data/sqlite-io.js';
export { exportTable, TABLE_FILE_FORMATS, FORMAT_EXTENSIONS } from '../data/writers.js';
export type { TableFileFormat, TableWriteOptions } from '../data/writers.js';
export { appendTable, APPEND_FORMATS } from '../data/append.js';
export type { AppendOptions, AppendResult } from '../data/append.js';

// The recipe runtime and step kinds (core/ml/recipe)
export {
  applyRecipe,
  applyStep,
  StepKindRegistry,
  stepKinds,
  registerStepKind,
  BUILT_IN_STEP_KINDS,
  RECIPE_STEP_KINDS,
  findInput,
  wrongTypeError,
  // Row forms of step kinds (StepKind.rows): the model server's compiled path for small batches.
  finiteOrMissing,
  rowAllMissing,
  rowCategory,
  rowInputIndex,
  rowNumbers,
  utf8Text,
  RecipeError,
  isRecipeError,
  missingColumnError,
  stepLabel,
  hasSplit,
  trainRowMask,
  NO_SPLIT_WARNING,
  fitScale,
  SCALE_METHODS,
  fitEncode,
  onehotName,
  ENCODE_METHODS,
  UNKNOWN_CODE,
  fitImpute,
  missingCount,
  IMPUTE_STRATEGIES,
  fitSelect,
  fitExpression,
  expressionParamProblem,
  parseExpression,
  evaluateExpression,
  referencedColumns,
  ExpressionError,
  EXPRESSION_LIMITS,
  EXPRESSION_FUNCTIONS,
  // Column plumbing for writing a step kind's apply: read numbers or categories, build columns.
  categoryCodes,
  float64Data,
  indexOfColumn,
  isAllMissing,
  isNumericType,
  isTextType,
  newColumn,
  numericValues,
  stringForm,
  typeName,
  utf8FromCodes,
} from '../ml/recipe/index.js';
export type {
  ApplyOptions,
  StepKind,
  StepContext,
  RowColumn,
  RowStep,
  RowStepInput,
  ColumnFlow,
  InputType,
  TargetEffect,
  RegisterOptions,
  ResolvedStep,
  TrainRows,
  ScaleFitted,
  ScaleMethod,
  EncodeFitted,
  EncodeFitInfo,
  EncodeMethod,
  ImputeFitted,
  ImputeFitInfo,
  ImputeFitOptions,
  ImputeStrategy,
  SelectFitted,
  ExpressionFitted,
  Expr,
  CategoryCodes,
  Column,
} from '../ml/recipe/index.js';

// Machine learning (core/ml); TensorFlow.js loads on first use (core/ml/on-demand.ts)
export { backendHint, BACKEND_CHAIN } from '../ml/backend-names.js';
export type { BackendName } from '../ml/backend-names.js';
export type { LoadedBackend } from '../ml/backend.js';
export { HIDDEN_ACTIVATIONS, OPTIMIZERS } from '../ml/options.js';
export type { DenseOptions, DenseResult, TrainingHooks } from '../ml/trainer.js';
export { modelInputTable, classValue, BUNDLE_FILE } from '../ml/bundle-format.js';
export type { ModelBundle, Predictions, Task, InputColumn } from '../ml/bundle-format.js';
export type { LoadedModel } from '../ml/bundle.js';
export { targetLabels, targetValues } from '../ml/features.js';
export { classificationMetrics, regressionMetrics } from '../ml/metrics.js';
export type { ClassificationReport, RegressionReport } from '../ml/metrics.js';
export { withPredictions, probabilityColumn, PREDICTION_COLUMN } from '../ml/predictions.js';
export { originalValues } from '../ml/original-values.js';
export type { OriginalValues } from '../ml/original-values.js';
export { loadBackend, backendForWork, trainDense, loadBundle, backendForPrediction, predictTable, tuneDense } from '../ml/on-demand.js';

// Hyperparameter search (core/ml/tune): the space and its checks load without TF.js
export { TUNE_STRATEGIES, TUNE_METRICS, CLASSIFICATION_METRICS, REGRESSION_METRICS, SEARCHABLE_PARAMS, spaceProblems, metricDirection, metricTask, isRange } from '../ml/tune/space.js';
export type { TuneStrategy, TuneMetric, ScoreName, SearchSpace, SpaceSpec, RangeSpec, SpaceProblem, TrialParams } from '../ml/tune/space.js';
export type { TuneOptions, TuneHooks, TuneResult, TrialSummary } from '../ml/tune/search.js';
export type { TrialRecord, TrialRecorder } from '../base/context.js';

// The model registry's gates and names (core/registry)
export { parseGate, gateMetrics, gateAliases, GateSyntaxError, LOWER_IS_BETTER } from '../registry/gate.js';
export type { Gate, GateCheckSpec } from '../registry/gate.js';
export { modelNameProblem, aliasProblem } from '../registry/refs.js';

// Container export (core/deploy)
export { exportModelImage } from '../deploy/model-image.js';
export type { ModelImageRequest, ModelImageResult } from '../deploy/model-image.js';
export { imageReferenceProblem } from '../deploy/names.js';

// Drift statistics (core/monitor/drift)
export { DRIFT_METHODS, DRIFT_TESTS, DEFAULT_THRESHOLDS, P_VALUE_TESTS, NUMERIC_ONLY_TESTS, REPORT_CATEGORIES, numericSample, categoricalSample, autoTest, runTest, sampleSize } from '../monitor/drift.js';
export type { DriftMethod, DriftTest, ColumnSample, TestOutcome, Binned } from '../monitor/drift.js';

// Prediction log and served-model performance (core/monitor)
export { readPredictionLog, predictionLogTable, parseDuration, rowLabel } from '../monitor/prediction-log-read.js';
export type { PredictionLogContents, LogWindow } from '../monitor/prediction-log-read.js';
export type { PredictionRecord, FeedbackRecord } from '../monitor/prediction-log.js';
export { performance, percentile } from '../monitor/performance.js';
export type { PerformanceRow, PerformanceResult, PerformanceTask, WindowScores } from '../monitor/performance.js';
