import type { RecipeStep } from '../../base/table.js';

/**
 * A recipe could not be replayed on the given rows: a column the step was fitted with is
 * missing or has the wrong kind, or the step itself is unknown or malformed. The message
 * names the column and the step's node, so the model server can return it as a 4xx.
 */
export class RecipeError extends Error {
  override readonly name = 'RecipeError';
  /** The column the message is about, when there is one. */
  readonly column: string | undefined;
  readonly nodeId: string;
  readonly kind: string;

  constructor(message: string, step: Pick<RecipeStep, 'nodeId' | 'kind'>, column?: string) {
    super(message);
    this.nodeId = step.nodeId;
    this.kind = step.kind;
    this.column = column;
  }
}

export function isRecipeError(error: unknown): error is RecipeError {
  return error instanceof Error && error.name === 'RecipeError';
}

/** `node 'scale' (feature.scale)`: how messages name a step. */
export function stepLabel(step: Pick<RecipeStep, 'nodeId' | 'kind'>): string {
  return `node '${step.nodeId}' (${step.kind})`;
}

export function missingColumnError(step: Pick<RecipeStep, 'nodeId' | 'kind'>, column: string): RecipeError {
  return new RecipeError(`column '${column}' is missing; ${stepLabel(step)} was fitted with it`, step, column);
}
