/**
 * Byte values of the ASCII characters the CSV reader looks for.
 *
 * Hot code destructures this object into its own module-level consts
 * (`const { QUOTE, LF } = ASCII;`) rather than importing single bindings: V8 reads an
 * imported binding through its module cell on every use, and in the CSV scan loops that
 * measured about 10% slower than a module-local const.
 */
export const ASCII = {
  TAB: 9,
  LF: 10,
  CR: 13,
  SPACE: 32,
  QUOTE: 34,
  PLUS: 43,
  MINUS: 45,
  DOT: 46,
  ZERO: 48,
  NINE: 57,
  LOWER_E: 101,
} as const;
