/**
 * How a filter holds on a run, and how runs order by a field.
 *
 * - A field the run does not have (a metric it did not report, a tag it lacks) makes every
 *   comparison false, `!=` included, as SQL's NULL does: `not` turns that into true.
 * - Numbers compare as numbers; a quoted number compares with a number as a number
 *   (`params.split.seed = "1"` holds for 1), and a numeric string value (a tag "0.5") with a
 *   number literal too. NaN compares false.
 * - Otherwise both sides compare as text (case-sensitive; `<` and `>` in code-point order):
 *   `true`/`false` with booleans, and objects or lists by their JSON (`params.train.hiddenLayers = "[32,16]"`).
 */
import { canonicalText } from './values.js';
import { fieldValue, type FieldPath } from './run-fields.js';
import type { TrackedRun } from './tracked-run.js';
import type { Literal, Operator, WhereExpr } from './where.js';

export function matchesWhere(run: TrackedRun, expr: WhereExpr): boolean {
  switch (expr.kind) {
    case 'and':
      return matchesWhere(run, expr.left) && matchesWhere(run, expr.right);
    case 'or':
      return matchesWhere(run, expr.left) || matchesWhere(run, expr.right);
    case 'not':
      return !matchesWhere(run, expr.expr);
    case 'compare':
      return compare(fieldValue(run, expr.field), expr.op, expr.value);
  }
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function compare(actual: unknown, op: Operator, expected: Literal): boolean {
  if (actual === undefined || actual === null) return false;
  const left = asNumber(actual);
  const right = asNumber(expected);
  if ((typeof actual === 'number' || typeof expected === 'number') && left !== undefined && right !== undefined) {
    if (Number.isNaN(left) || Number.isNaN(right)) return false;
    return holds(left < right ? -1 : left > right ? 1 : 0, op);
  }
  if (typeof actual === 'number' && Number.isNaN(actual)) return false;
  const text = typeof actual === 'string' ? actual : canonicalText(actual);
  const wanted = String(expected);
  return holds(text < wanted ? -1 : text > wanted ? 1 : 0, op);
}

function holds(order: number, op: Operator): boolean {
  switch (op) {
    case '=':
      return order === 0;
    case '!=':
      return order !== 0;
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}

/** One sort key: a field, descending or ascending. */
export interface SortKey {
  field: FieldPath;
  descending: boolean;
}

/** Orders runs by the keys; runs without a value (or NaN) go last whatever the direction; ties keep the newest first. */
export function sortRuns(runs: readonly TrackedRun[], keys: readonly SortKey[]): TrackedRun[] {
  const values = new Map(runs.map((run) => [run, keys.map((key) => fieldValue(run, key.field))]));
  return [...runs].sort((a, b) => {
    for (const [index, key] of keys.entries()) {
      const order = compareSortValues(values.get(a)![index], values.get(b)![index], key.descending);
      if (order !== 0) return order;
    }
    return b.startedAt - a.startedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
  });
}

function missing(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'number' && Number.isNaN(value));
}

function compareSortValues(a: unknown, b: unknown, descending: boolean): number {
  if (missing(a) || missing(b)) return missing(a) === missing(b) ? 0 : missing(a) ? 1 : -1;
  let order: number;
  if (typeof a === 'number' && typeof b === 'number') order = a - b;
  else if (typeof a === 'number') order = -1; // numbers before text
  else if (typeof b === 'number') order = 1;
  else {
    const [x, y] = [canonicalText(a), canonicalText(b)];
    order = x < y ? -1 : x > y ? 1 : 0;
  }
  return descending ? -order : order;
}
