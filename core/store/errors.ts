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
  | 'disk-full'
  | 'write-failed'
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
  if (isDiskFull(error)) return diskFullError(`could not ${action} ${path}`, { path, cause: error });
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreError('io', `cannot ${action} ${path}: ${detail}`, { path, cause: error });
}

/** The codes a full disk (or a used-up quota) shows up as, from Node.js and from SQLite. */
const DISK_FULL_ERRNO = new Set(['ENOSPC', 'EDQUOT']);
const DISK_FULL_TEXT = /\b(ENOSPC|EDQUOT)\b|no space left on device|disk quota exceeded|database or disk is full/i;

/**
 * True for a write refused because the disk (or the user's quota) is full: SQLITE_FULL,
 * ENOSPC, EDQUOT, our own `disk-full` StoreError, or an error caused by one of those
 * (libraries wrap them; TensorFlow.js's file saver, say).
 */
export function isDiskFull(error: unknown, depth = 0): boolean {
  if (error === null || error === undefined || depth > 5) return false;
  if (isStoreError(error)) return error.code === 'disk-full';
  const code = errnoCode(error);
  if (code === 'SQLITE_FULL' || (code !== undefined && DISK_FULL_ERRNO.has(code))) return true;
  if (error instanceof Error && DISK_FULL_TEXT.test(error.message)) return true;
  return isDiskFull((error as { cause?: unknown }).cause, depth + 1);
}

/** SQLite's I/O failures (SQLITE_IOERR, SQLITE_IOERR_WRITE, _SHMSIZE, …): a disk that is failing or out of room. */
export function isSqliteIoError(error: unknown): boolean {
  return errnoCode(error)?.startsWith('SQLITE_IOERR') === true;
}

/** A store failure that means the workspace cannot take writes now: the run cannot go on, reads still work. */
export function isWriteFailure(error: unknown): boolean {
  if (isStoreError(error)) return error.code === 'disk-full' || error.code === 'write-failed';
  return isDiskFull(error) || isSqliteIoError(error);
}

/** The one message a full disk gets, wherever it is noticed. `what` says what could not be done. */
export function diskFullError(what: string, options: { path?: string; cause?: unknown } = {}): StoreError {
  return new StoreError('disk-full', `the disk holding the workspace is full: ${what}; free space and run again`, options);
}

/**
 * Turns a failed write into a StoreError a user can read, naming what was being done;
 * errors that are not write failures come back unchanged. `looksFull` says whether the
 * disk has (nearly) no room left: SQLite reports some full-disk writes as I/O errors.
 */
export function describeWriteFailure(what: string, error: unknown, options: { path?: string; looksFull?: () => boolean } = {}): unknown {
  if (isStoreError(error) || !isWriteFailure(error)) return error;
  if (isDiskFull(error) || options.looksFull?.() === true) return diskFullError(what, { ...(options.path === undefined ? {} : { path: options.path }), cause: error });
  const code = errnoCode(error) ?? 'SQLITE_IOERR';
  return new StoreError('write-failed', `the disk holding the workspace failed a write (${code}): ${what}; check that the disk works and has room, then run again`, {
    ...(options.path === undefined ? {} : { path: options.path }),
    cause: error,
  });
}
