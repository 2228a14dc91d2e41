/** Param and metric values as text: one spelling per value, so equal values compare equal. */

/** Strings as they are; anything else as JSON with object keys sorted (NaN and ±Infinity by name). */
export function canonicalText(value: unknown): string {
  return typeof value === 'string' ? value : stableJson(value);
}

function stableJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : String(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, entry]) => entry !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, entry]) => `${JSON.stringify(key)}:${stableJson(entry)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Two values are the same param value: equal canonical text, and of the same kind (1 is not "1"). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return a === b;
  return typeof a === typeof b && canonicalText(a) === canonicalText(b);
}

/** A value for a table cell: numbers to 4 significant digits (integers whole), missing as '—'. */
export function formatCell(value: unknown): string {
  if (value === undefined || value === null) return '—';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    return Number.isInteger(value) ? String(value) : Number(value.toPrecision(4)).toString();
  }
  const text = canonicalText(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}
