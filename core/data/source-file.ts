/**
 * What the file readers share: turning fs errors into messages a user can act on,
 * checking that a text file is UTF-8, finding the line and column of a byte, building
 * a one-batch table, and giving the event loop a turn in long loops.
 */
import { isUtf8 } from 'node:buffer';
import { Field, type Data, type Table } from 'apache-arrow';
import { NodeError } from '../base/errors.js';
import { oneBatchTable, wideSchema } from './arrow-wide.js';

export function quoteName(name: string): string {
  return `'${name}'`;
}

/** A NodeError (field `path`) for an fs error code met while opening `name`. */
export function fileError(name: string, code: string | undefined, error: unknown, kind: string): NodeError {
  const where = quoteName(name);
  if (code === 'ENOENT') return new NodeError(`file ${where} not found; check the path (relative paths start at the pipeline's folder)`, { field: 'path' });
  if (code === 'EISDIR') return new NodeError(`${where} is a folder, not ${kind}`, { field: 'path' });
  if (code === 'EACCES' || code === 'EPERM') return new NodeError(`${where} cannot be read: permission denied`, { field: 'path' });
  return new NodeError(`${where} cannot be read (${code ?? String(error)})`, { field: 'path', cause: error });
}

/**
 * Rejects UTF-16 and binary text input (zero bytes in the first 64 KiB); returns the
 * offset after a UTF-8 byte order mark.
 */
export function checkTextStart(bytes: Uint8Array, name: string): number {
  const where = quoteName(name);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new NodeError(`${where} is UTF-16 text; save it as UTF-8 and try again`, { field: 'path' });
  }
  if (bytes.subarray(0, 64 * 1024).includes(0)) {
    throw new NodeError(`${where} is not a text file (it contains zero bytes); is it a compressed or binary file?`, { field: 'path' });
  }
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

/**
 * Throws a NodeError naming the first line (counted from `firstLine`) of bytes[from, to)
 * that is not UTF-8. Checks the whole range at native speed first.
 */
export function checkUtf8(bytes: Uint8Array, from: number, to: number, name: string, firstLine: number): void {
  if (isUtf8(bytes.subarray(from, to))) return;
  let line = firstLine;
  for (let start = from, k = from; k <= to; k++) {
    if (k === to || bytes[k] === 10) {
      if (!isUtf8(bytes.subarray(start, k))) break;
      line++;
      start = k + 1;
    }
  }
  throw new NodeError(`${quoteName(name)} is not valid UTF-8 text (first bad byte on line ${line}); re-save it with UTF-8 encoding`, { field: 'path' });
}

/** 1-based line and column (in characters) of byte `position`, counting from `from` (which starts line `firstLine`). */
export function lineAndColumn(bytes: Uint8Array, position: number, from = 0, firstLine = 1): { line: number; column: number } {
  let line = firstLine;
  let lineStart = from;
  const end = Math.min(position, bytes.length);
  for (let k = from; k < end; k++) {
    if (bytes[k] === 10) {
      line++;
      lineStart = k + 1;
    }
  }
  let column = 1;
  // UTF-8 continuation bytes (10xxxxxx) do not start a character.
  for (let k = lineStart; k < end; k++) if ((bytes[k]! & 0xc0) !== 0x80) column++;
  return { line, column };
}

/** A table of one record batch from finished columns (equal columns give equal bytes), built in linear time. */
export function makeTable(names: readonly string[], columns: readonly Data[], length: number): Table {
  return oneBatchTable(
    wideSchema(names.map((name, k) => new Field(name, columns[k]!.type, true))),
    columns,
    length,
  );
}

/** Lets progress events, cancel and other work through during a long parse. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
