/**
 * Zod issues → plain English about one param: `param 'test' must be at most 0.9 (got 1.5)`.
 * The reason is written for the person editing the pipeline, not for the schema's author.
 */
import type { z } from 'zod';
import { describeValue, pathOf } from './issues.js';

type ZodIssue = z.core.$ZodIssue;

export interface ParamProblem {
  code: 'missing-param' | 'invalid-param';
  /** `test`, `layers[0].units`; empty for a rule about the params as a whole. */
  field: string;
  /** Starts with `param '…'` (or `params` for a whole-object rule). */
  text: string;
}

const EXPECTED: Record<string, string> = {
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  string: 'a string',
  boolean: 'true or false',
  array: 'an array',
  tuple: 'an array',
  object: 'an object',
  record: 'an object',
  map: 'an object',
  null: 'null',
  date: 'a date',
  set: 'an array',
};

function expectedName(expected: string): string {
  return EXPECTED[expected] ?? expected;
}

function lookup(params: unknown, path: readonly PropertyKey[]): { found: boolean; value: unknown } {
  let current: unknown = params;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || typeof segment === 'symbol') return { found: false, value: undefined };
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return { found: false, value: undefined };
    current = (current as Record<string | number, unknown>)[segment];
  }
  return { found: current !== undefined, value: current };
}

function plural(count: number | bigint, noun: string): string {
  return `${String(count)} ${noun}${count === 1 || count === 1n ? '' : 's'}`;
}

function sizeOf(value: unknown, origin: string): string {
  if (origin === 'string' && typeof value === 'string') return ` (got ${plural(value.length, 'character')})`;
  if ((origin === 'array' || origin === 'set') && Array.isArray(value)) return ` (got ${plural(value.length, 'item')})`;
  return ` (got ${describeValue(value)})`;
}

function bound(issue: Extract<ZodIssue, { code: 'too_big' | 'too_small' }>, value: unknown): string {
  const big = issue.code === 'too_big';
  const limit = big ? (issue as { maximum: number | bigint }).maximum : (issue as { minimum: number | bigint }).minimum;
  const inclusive = issue.inclusive !== false;
  switch (issue.origin) {
    case 'number':
    case 'int':
    case 'bigint': {
      const relation = big ? (inclusive ? 'at most' : 'less than') : inclusive ? 'at least' : 'greater than';
      return `must be ${relation} ${String(limit)} (got ${describeValue(value)})`;
    }
    case 'string': {
      if (!big && inclusive && Number(limit) === 1) return 'must not be empty';
      const relation = issue.exact ? 'exactly' : big ? (inclusive ? 'at most' : 'fewer than') : inclusive ? 'at least' : 'more than';
      return `must be ${relation} ${plural(limit, 'character')} long${sizeOf(value, 'string')}`;
    }
    case 'array':
    case 'set': {
      if (!big && inclusive && Number(limit) === 1) return 'must have at least 1 item (got none)';
      const relation = issue.exact ? 'exactly' : big ? (inclusive ? 'at most' : 'fewer than') : inclusive ? 'at least' : 'more than';
      return `must have ${relation} ${plural(limit, 'item')}${sizeOf(value, issue.origin)}`;
    }
    default: {
      const relation = big ? (inclusive ? 'at most' : 'less than') : inclusive ? 'at least' : 'greater than';
      return `must be ${relation} ${String(limit)} (got ${describeValue(value)})`;
    }
  }
}

function showValues(values: readonly unknown[]): string {
  return values.map((value) => (typeof value === 'bigint' ? String(value) : JSON.stringify(value) ?? String(value))).join(', ');
}

function unionReason(issue: Extract<ZodIssue, { code: 'invalid_union' }>, value: unknown): string {
  const got = ` (got ${describeValue(value)})`;
  if (issue.discriminator !== undefined) {
    // zod puts the discriminator itself on the path: `model.kind`.
    const options = 'options' in issue && Array.isArray(issue.options) ? issue.options : [];
    return options.length > 0 ? `must be one of ${showValues(options)}${got}` : `is not a known "${issue.discriminator}"${got}`;
  }
  const branches = issue.errors;
  if (branches.length === 0) return `matches more than one allowed form${got}`;
  const types: string[] = [];
  const values: unknown[] = [];
  for (const branch of branches) {
    const only = branch.length === 1 ? branch[0] : undefined;
    if (only?.path.length !== 0) return `does not match any of the allowed forms${got}`;
    if (only.code === 'invalid_type') types.push(expectedName(only.expected));
    else if (only.code === 'invalid_value') values.push(...only.values);
    else return `does not match any of the allowed forms${got}`;
  }
  const options = [...new Set(types)];
  if (values.length > 0) options.push(values.length === 1 ? showValues(values) : `one of ${showValues(values)}`);
  return `must be ${options.join(' or ')}${got}`;
}

function reasonFor(issue: ZodIssue, value: unknown): string {
  const got = ` (got ${describeValue(value)})`;
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'never' ? `is not allowed here${got}` : `must be ${expectedName(issue.expected)}${got}`;
    case 'too_big':
    case 'too_small':
      return bound(issue, value);
    case 'invalid_format': {
      const detail = issue as { format: string; pattern?: string; prefix?: string; suffix?: string; includes?: string };
      if (detail.format === 'regex') return `must match the pattern ${detail.pattern ?? ''}${got}`;
      if (detail.format === 'starts_with') return `must start with ${JSON.stringify(detail.prefix)}${got}`;
      if (detail.format === 'ends_with') return `must end with ${JSON.stringify(detail.suffix)}${got}`;
      if (detail.format === 'includes') return `must contain ${JSON.stringify(detail.includes)}${got}`;
      return `must be a valid ${detail.format}${got}`;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}${got}`;
    case 'invalid_value':
      return issue.values.length === 1 ? `must be ${showValues(issue.values)}${got}` : `must be one of ${showValues(issue.values)}${got}`;
    case 'unrecognized_keys':
      return `has unknown ${issue.keys.length === 1 ? 'key' : 'keys'} ${issue.keys.map((key) => `'${key}'`).join(', ')}`;
    case 'invalid_union':
      return unionReason(issue, value);
    case 'invalid_key':
      return `has an invalid key: ${issue.issues[0]?.message ?? issue.message}`;
    case 'invalid_element':
      return `has an invalid element: ${issue.issues[0]?.message ?? issue.message}`;
    case 'custom':
      return issue.message && issue.message !== 'Invalid input' ? issue.message : `is not valid${got}`;
    default:
      return (issue as { message?: string }).message ?? 'is not valid';
  }
}

/** Explains one zod issue about a node's params, given the params as written. */
export function explainParamIssue(issue: ZodIssue, params: Record<string, unknown>, describe?: (field: string) => string | undefined): ParamProblem {
  const field = pathOf(issue.path);
  const { found, value } = lookup(params, issue.path);
  const subject = field === '' ? 'params' : `param '${field}'`;
  const missing = !found && (issue.code === 'invalid_type' || (issue.code === 'invalid_union' && issue.path.length > 0));
  if (missing && field !== '') {
    const about = describe?.(field);
    return { code: issue.path.length === 1 ? 'missing-param' : 'invalid-param', field, text: `${subject} is required${about ? ` (${about})` : ''}` };
  }
  return { code: 'invalid-param', field, text: `${subject} ${reasonFor(issue, value)}` };
}
