/** The recipe runtime: fitting feature steps on train rows and replaying them anywhere. */
export { applyRecipe, applyStep } from './apply.js';
export { StepKindRegistry, stepKinds, registerStepKind, BUILT_IN_STEP_KINDS, RECIPE_STEP_KINDS } from './registry.js';
export type { RegisterOptions, ResolvedStep, StepKindProvider, PackModule } from './registry.js';
export { findInput, wrongTypeError } from './step.js';
export { finiteOrMissing, rowAllMissing, rowCategory, rowInputIndex, rowNumbers, utf8Text } from './rows.js';
export type { RowColumn, RowStep, RowStepInput } from './rows.js';
export type { ApplyOptions, StepKind, StepContext, ColumnFlow, InputType, TargetEffect } from './step.js';
export { RecipeError, isRecipeError, missingColumnError, stepLabel } from './errors.js';
export { hasSplit, trainRowMask, NO_SPLIT_WARNING } from './train-rows.js';
export type { TrainRows } from './train-rows.js';
export { fitScale, SCALE_METHODS } from './scale.js';
export type { ScaleFitted, ScaleMethod } from './scale.js';
export { fitEncode, onehotName, ENCODE_METHODS, UNKNOWN_CODE } from './encode.js';
export type { EncodeFitted, EncodeFitInfo, EncodeMethod } from './encode.js';
export { fitImpute, missingCount, IMPUTE_STRATEGIES } from './impute.js';
export type { ImputeFitted, ImputeFitInfo, ImputeFitOptions, ImputeStrategy } from './impute.js';
export { fitSelect } from './select.js';
export type { SelectFitted } from './select.js';
export { fitExpression, expressionParamProblem } from './expression.js';
export type { ExpressionFitted } from './expression.js';
export { parseExpression, evaluateExpression, referencedColumns, ExpressionError, EXPRESSION_LIMITS, FUNCTIONS as EXPRESSION_FUNCTIONS } from './expression-parser.js';
export type { Expr } from './expression-parser.js';
export {
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
} from './columns.js';
export type { CategoryCodes, Column } from './columns.js';
