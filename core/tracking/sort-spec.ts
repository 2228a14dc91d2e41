import type { SortKey } from './evaluate.js';
import { checkField } from './run-fields.js';
import { fieldSegments, QuerySyntaxError } from './where.js';

/**
 * `--sort`: comma-separated fields, each descending with a leading '-' and ascending
 * without (or with '+'): `-metrics.accuracy`, `duration`, `-metrics.accuracy,started`.
 * The default is newest first (`-started`).
 */
export function parseSort(source: string): SortKey[] {
  const keys: SortKey[] = [];
  let at = 0;
  for (const part of source.split(',')) {
    const lead = part.length - part.trimStart().length;
    const text = part.trim();
    const column = at + lead + 1;
    const descending = text.startsWith('-');
    const name = text.replace(/^[-+]/, '');
    if (name === '') throw new QuerySyntaxError('expected a field such as -metrics.accuracy or started', source, column, 'sort');
    const field = fieldSegments(name);
    const problem = checkField(field);
    if (problem !== undefined) throw new QuerySyntaxError(problem, source, column + (text.length - name.length), 'sort');
    keys.push({ field, descending });
    at += part.length + 1;
  }
  return keys;
}

export const DEFAULT_SORT: readonly SortKey[] = [{ field: ['started'], descending: true }];
