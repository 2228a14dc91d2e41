import type { Table } from 'apache-arrow';

/** Name of the column `data.split` adds; values are the SplitRole strings. */
export const SPLIT_COLUMN = '__split';
export const SPLIT_ROLES = ['train', 'validation', 'test'] as const;
export type SplitRole = (typeof SPLIT_ROLES)[number];

/**
 * One fitted transform: what a feature node learned on train rows, replayable on any row
 * (at evaluation, batch prediction and in the model server).
 */
export interface RecipeStep {
  /** Node type that fitted it, e.g. `feature.scale`. */
  readonly kind: string;
  readonly nodeId: string;
  readonly version: number;
  /** Fitted statistics and settings, plain JSON. */
  readonly fitted: Readonly<Record<string, unknown>>;
}

/**
 * The value that travels on a `table` wire: an Arrow table plus the recipe of fitted
 * transforms applied so far (ARCHITECTURE.md, section 4).
 */
export interface DataTable {
  readonly table: Table;
  readonly recipe: readonly RecipeStep[];
}
