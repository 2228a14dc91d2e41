/**
 * Reading CSV input through a window that slides over the file, so a big file never sits
 * in memory whole: the reader reuses one buffer (fresh memory is costly: its first write
 * faults every page) and keeps memory near the size of the table it builds. Bytes given
 * in memory are one final window.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { readSync } from 'node:fs';

/** Bytes to read per window; a record longer than that makes the window grow. */
export const WINDOW_BYTES = 2 << 20;

/** Where the input comes from: a file handle, or bytes already in memory. */
export interface Input {
  /** Where the input ends: the file's size, or less to read only its first `size` bytes. */
  readonly size: number;
  readonly handle?: FileHandle;
  readonly whole?: Uint8Array;
}

/** Opens a file for reading; `describe` turns an fs error code into the user's error. */
export async function openInput(path: string, describe: (code: string | undefined, error: unknown) => Error): Promise<Input> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const stats = await handle.stat();
    if (stats.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    return { size: stats.size, handle };
  } catch (error) {
    await handle?.close();
    throw describe((error as NodeJS.ErrnoException).code, error);
  }
}

export function memoryInput(bytes: Uint8Array): Input {
  // One element kind (plain Uint8Array, not Buffer) keeps the hot loops monomorphic.
  return { size: bytes.byteLength, whole: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
}

/**
 * A window on the input: `bytes` are the input's bytes from `offset` on, `final` says
 * they reach its end. `refill(keepFrom)` drops bytes before `keepFrom`, moves the rest to
 * the front and reads on; `refillSync` does the same without leaving the thread (for
 * the rare replays inside a parse).
 */
export class Window {
  bytes: Uint8Array;
  offset: number;
  final: boolean;
  private buffer: Uint8Array;

  private constructor(
    private readonly input: Input,
    offset: number,
    capacity: number,
  ) {
    this.offset = offset;
    if (input.whole) {
      this.buffer = input.whole;
      this.bytes = input.whole.subarray(offset);
      this.final = true;
    } else {
      this.buffer = new Uint8Array(Math.max(1, Math.min(capacity, input.size - offset)));
      this.bytes = this.buffer.subarray(0, 0);
      this.final = false;
    }
  }

  /** A window from input offset `offset`, filled. */
  static async at(input: Input, offset: number, capacity = WINDOW_BYTES): Promise<Window> {
    const window = new Window(input, offset, capacity);
    if (!window.final) await window.refill(0);
    return window;
  }

  static atSync(input: Input, offset: number, capacity = WINDOW_BYTES): Window {
    const window = new Window(input, offset, capacity);
    if (!window.final) window.refillSync(0);
    return window;
  }

  async refill(keepFrom: number): Promise<void> {
    let filled = this.prepare(keepFrom);
    const handle = this.input.handle!;
    const end = this.readEnd();
    while (filled < end) {
      const { bytesRead } = await handle.read(this.buffer, filled, end - filled, this.offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    this.commit(filled);
  }

  refillSync(keepFrom: number): void {
    let filled = this.prepare(keepFrom);
    const fd = this.input.handle!.fd;
    const end = this.readEnd();
    while (filled < end) {
      const bytesRead = readSync(fd, this.buffer, filled, end - filled, this.offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    this.commit(filled);
  }

  /** Keeps bytes[keepFrom..] at the front (growing the buffer when they fill half of it). */
  private prepare(keepFrom: number): number {
    if (this.final) throw new Error('window: refill after the end of the input');
    const keep = this.bytes.length - keepFrom;
    if (keep * 2 > this.buffer.length) {
      const bigger = new Uint8Array(this.buffer.length * 2);
      bigger.set(this.bytes.subarray(keepFrom));
      this.buffer = bigger;
    } else if (keep > 0) {
      this.buffer.copyWithin(0, keepFrom, this.bytes.length);
    }
    this.offset += keepFrom;
    return keep;
  }

  /**
   * How far into the buffer to read: to its end, or to the input's end when that comes
   * first (an input may be a byte range of a longer file: see csv-chunks.ts).
   */
  private readEnd(): number {
    return Math.max(0, Math.min(this.buffer.length, this.input.size - this.offset));
  }

  private commit(filled: number): void {
    this.bytes = this.buffer.subarray(0, filled);
    this.final = filled < this.buffer.length || this.offset + filled >= this.input.size;
  }
}
