/**
 * A mistake the user can act on (bad param, missing column, malformed file). The engine
 * records its message as the node's error without a stack trace. Any other exception is a
 * bug: its stack goes to the log.
 */
export class NodeError extends Error {
  override readonly name = 'NodeError';
  /** The param or column the message is about, when there is one. */
  readonly field: string | undefined;

  constructor(message: string, options: { field?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.field = options.field;
  }
}

export function isNodeError(error: unknown): error is NodeError {
  return error instanceof Error && error.name === 'NodeError';
}
