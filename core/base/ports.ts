/**
 * Port types form a closed union: the UI checks them while connecting, the validator
 * checks them again before anything runs. Adding a type means adding a codec for it in
 * core/engine/codecs.ts.
 */
export const PORT_TYPES = ['table', 'model', 'metrics', 'report', 'image'] as const;
export type PortType = (typeof PORT_TYPES)[number];

export interface PortSpec<T extends PortType = PortType> {
  readonly type: T;
  readonly description?: string;
  /** An optional input may stay unconnected; outputs are never optional. */
  readonly optional?: boolean;
  /**
   * A metrics output: the names of every number it may carry (for any input), so validation
   * can refuse a name a node downstream reads that this output never has (a gate's
   * `acuracy`). Leave it out when the names are not known before the run.
   */
  readonly keys?: readonly string[];
}

export function port<T extends PortType>(
  type: T,
  options: { description?: string; optional?: boolean; keys?: readonly string[] } = {},
): PortSpec<T> {
  return { type, ...options };
}

export function isPortType(value: unknown): value is PortType {
  return typeof value === 'string' && (PORT_TYPES as readonly string[]).includes(value);
}
