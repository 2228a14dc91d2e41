/**
 * A mistake a user can fix in a tracking command (an unknown run id, a bad tag, a run that
 * cannot be reproduced): the CLI prints the message as one line, the API answers 400 or 404.
 */
export type TrackingErrorCode = 'unknown-run' | 'unknown-experiment' | 'usage' | 'not-reproducible' | 'output-exists';

export class TrackingError extends Error {
  override readonly name = 'TrackingError';
  constructor(
    readonly code: TrackingErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isTrackingError(error: unknown): error is TrackingError {
  return error instanceof Error && error.name === 'TrackingError';
}
