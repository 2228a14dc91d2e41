/**
 * feature.expression: a new (or replaced) Float64 column computed from numeric columns by
 * an arithmetic expression (see expression-parser.ts). Missing inputs and results that are
 * not finite (division by zero, log of 0 or less, sqrt of a negative, overflow) are null.
 */
import type { Table } from 'apache-arrow';
import { z } from 'zod';
import { columnNames } from '../../data/table-ops.js';
import { SPLIT_COLUMN } from '../../base/table.js';
import { NodeError } from '../../base/errors.js';
import { float64Data, indexOfColumn, isAllMissing, isNumericType, newColumn, numericValues, tableColumns, typeName } from './columns.js';
import { evaluateExpression, ExpressionError, parseExpression, referencedColumns, type Expr } from './expression-parser.js';
import { findInput, wrongTypeError, type StepKind } from './step.js';
import { finiteOrMissing, rowInputIndex, rowNumbers, type RowStep, type RowStepInput } from './rows.js';

export interface ExpressionFitted {
  readonly name: string;
  readonly expression: string;
}

interface ParsedExpression extends ExpressionFitted {
  readonly tree: Expr;
}

const fittedSchema = z.object({ name: z.string().min(1), expression: z.string() });

function listNames(names: readonly string[]): string {
  if (names.length === 0) return '(none)';
  return names.length > 30 ? `${names.slice(0, 30).join(', ')}, … (${names.length} in all)` : names.join(', ');
}

/**
 * Checks the expression against the table (it parses, every column exists and is numeric)
 * and returns the step's fitted JSON. Errors are NodeErrors naming `expression` or `name`.
 */
export function fitExpression(table: Table, name: string, expression: string): ExpressionFitted {
  if (name === SPLIT_COLUMN) throw new NodeError(`'${SPLIT_COLUMN}' is the split column; choose another name`, { field: 'name' });
  let tree: Expr;
  try {
    tree = parseExpression(expression);
  } catch (error) {
    if (error instanceof ExpressionError) throw new NodeError(`expression: ${error.message}`, { field: 'expression' });
    throw error;
  }
  const available = tableColumns(table);
  for (const [column, at] of referencedColumns(tree)) {
    const index = indexOfColumn(available, column);
    if (index < 0) {
      const usable = columnNames(table).filter((candidate) => candidate !== SPLIT_COLUMN);
      throw new NodeError(`expression: unknown column '${column}' at character ${at}; columns are: ${listNames(usable)}`, { field: 'expression' });
    }
    const found = available[index]!;
    if (!isNumericType(found.field.type) && !isAllMissing(found.data)) {
      throw new NodeError(`expression: column '${column}' at character ${at} is ${typeName(found.field.type)}; expressions compute with numeric columns only`, { field: 'expression' });
    }
  }
  return { name, expression };
}

/**
 * What is wrong with an expression as a param, worded to follow `param 'expression'`, or
 * undefined when it parses. The node's params schema calls it, so `tensorloom validate`
 * refuses a syntax error or an expression over EXPRESSION_LIMITS before anything runs;
 * whether its columns exist needs the table, so that waits for the run.
 */
export function expressionParamProblem(expression: string): string | undefined {
  try {
    parseExpression(expression);
    return undefined;
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    return error.limit ?? `is not a valid expression: ${error.message}`;
  }
}

export const expressionStep: StepKind<ParsedExpression> = {
  kind: 'feature.expression',
  version: 1,
  parse: (fitted) => {
    const parsed = fittedSchema.parse(fitted);
    return { ...parsed, tree: parseExpression(parsed.expression) };
  },
  apply(columns, fitted, context) {
    const inputs = new Map<string, Float64Array>();
    for (const name of referencedColumns(fitted.tree).keys()) {
      const index = findInput(columns, name, context);
      // An input that may be absent (the label) makes the output absent too.
      if (index === undefined) return [...columns];
      const column = columns[index]!;
      const values = numericValues(column.data);
      if (!values) throw wrongTypeError(context, column, 'computes with numbers');
      inputs.set(name, values);
    }
    const values = evaluateExpression(fitted.tree, (name) => inputs.get(name)!, context.rows);
    const out = [...columns];
    const result = newColumn(fitted.name, float64Data(values));
    const at = indexOfColumn(out, fitted.name);
    if (at >= 0) out[at] = result;
    else out.push(result);
    return out;
  },
  flows: (fitted) => [{ reads: [...referencedColumns(fitted.tree).keys()].map((name) => ({ name, type: 'number' as const })), writes: [fitted.name] }],
  rows: expressionRows,
};

/** Row form of `apply`: the same evaluator, fed the batch's numbers as Float64Arrays. */
function expressionRows(fitted: ParsedExpression, input: RowStepInput): RowStep | null {
  const reads: { name: string; index: number }[] = [];
  for (const name of referencedColumns(fitted.tree).keys()) {
    const index = rowInputIndex(input, name);
    if (index === null) return null;
    // An absent input: `apply` returns the columns as they are, once the inputs read before it passed.
    if (index === undefined) return { names: input.names, run: (columns) => (reads.every((read) => rowNumbers(columns[read.index]!)) ? [...columns] : undefined) };
    reads.push({ name, index });
  }
  const at = input.names.indexOf(fitted.name);
  return {
    names: at >= 0 ? input.names : [...input.names, fitted.name],
    run(columns, rows) {
      const inputs = new Map<string, Float64Array>();
      for (const { name, index } of reads) {
        const numbers = rowNumbers(columns[index]!);
        if (!numbers) return undefined;
        inputs.set(name, Float64Array.from(numbers));
      }
      const values = Array.from(evaluateExpression(fitted.tree, (name) => inputs.get(name)!, rows), finiteOrMissing);
      const out = [...columns];
      if (at >= 0) out[at] = { kind: 'number', values };
      else out.push({ kind: 'number', values });
      return out;
    },
  };
}
