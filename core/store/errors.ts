/**
 * Why the store refused or failed, for code that wants to react (the CLI prints the
 * message; a UI could offer "move the damaged database aside" for `not-a-database`).
 */
export type StoreErrorCode =
  | 'not-writable'
  | 'not-a-folder'
  | 'not-a-database'
  | 'damaged-database'
  | 'newer-schema'
  | 'missing-artifact'
  | 'invalid-artifact'
  | 'invalid-hash'
  | 'invalid-input'
  | 'unknown-run'
  | 'io';

/**
 * A store failure a user can read: the message names the path involved and, where there is
 * one, what to do about it. The underlying error stays available as `cause`.
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;
  /** The file or folder the message is about, when there is one. */
  readonly path: string | undefined;

  constructor(code: StoreErrorCode, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.path = options.path;
  }
}

export function isStoreError(error: unknown): error is StoreError {
  return error instanceof Error && error.name === 'StoreError';
}

/** The `code` of a Node.js system error (`ENOENT`, `EACCES`, …), if it has one. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

const PERMISSION_CODES = new Set(['EACCES', 'EPERM', 'EROFS']);

/** Turns a file-system failure on `path` into a StoreError whose message says what was being done. */
export function fsError(action: string, path: string, error: unknown): StoreError {
  const code = errnoCode(error);
  if (code !== undefined && PERMISSION_CODES.has(code)) {
    const why = code === 'EROFS' ? 'the file system is read-only' : 'permission denied';
    return new StoreError('not-writable', `cannot ${action} ${path}: ${why}; the workspace must be a folder you can write to`, { path, cause: error });
  }
  if (code === 'ENOSPC') return new StoreError('io', `cannot ${action} ${path}: the disk is full`, { path, cause: error });
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreError('io', `cannot ${action} ${path}: ${detail}`, { path, cause: error });
}
