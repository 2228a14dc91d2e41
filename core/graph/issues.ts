import type { ValidationIssue } from './types.js';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Appends one step to a JSON-path-ish location: `nodes[2].params.test`. Keys that are not
 * identifiers are quoted (`params["my key"]`) so every path names exactly one place.
 */
export function pathJoin(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (IDENTIFIER.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** Appends a relative path (`when`, `[0].x`) to a parent path. */
export function pathConcat(parent: string, relative: string): string {
  if (relative === '') return parent;
  if (parent === '' || relative.startsWith('[')) return `${parent}${relative}`;
  return `${parent}.${relative}`;
}

/** Turns a zod-style path (`['layers', 0, 'units']`) into `layers[0].units`. */
export function pathOf(segments: readonly PropertyKey[], parent = ''): string {
  let path = parent;
  for (const segment of segments) {
    path = pathJoin(path, typeof segment === 'symbol' ? String(segment) : segment);
  }
  return path;
}

const MAX_SHOWN = 40;

/** A short, user-facing rendering of a value for "(got …)". */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : `an array of ${value.length}`;
  switch (typeof value) {
    case 'string': {
      const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
      return JSON.stringify(shown);
    }
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return `a ${typeof value}`;
  }
}

/** The JSON type of a value, as a user would name it. */
export function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    case 'undefined':
      return 'nothing';
    default:
      return `a ${typeof value}`;
  }
}

export function quoteList(items: readonly string[]): string {
  return items.map((item) => `'${item}'`).join(', ');
}

/** `file:line:column: error [code] message`, the shape compilers print and editors link. */
export function formatIssue(issue: ValidationIssue, severity: 'error' | 'warning' = 'error'): string {
  let where = issue.file ?? '';
  if (issue.line !== undefined) {
    where += `${where ? ':' : 'line '}${issue.line}`;
    if (issue.column !== undefined) where += `:${issue.column}`;
  }
  return `${where ? `${where}: ` : ''}${severity} [${issue.code}] ${issue.message}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
