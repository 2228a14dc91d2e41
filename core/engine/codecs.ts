import { cp, readFile, rename, writeFile } from 'node:fs/promises';
import { encodeTableChunks, readTableFile } from '../data/arrow-io.js';
import { writeFileDurably, type DurableFile } from '../store/index.js';
import { canonicalJson } from '../graph/canonical.js';
import type { PortType } from '../base/ports.js';
import type { PortValue } from '../base/values.js';

/**
 * How each port type's value becomes an artifact on disk and back. Encodings are
 * deterministic, so equal values get equal content hashes and downstream caches hold.
 */
export interface PortCodec<T extends PortType> {
  readonly kind: 'file' | 'dir';
  /**
   * Writes the value at `dest`, a fresh temp path. `mayMove(path)` says whether a file or
   * folder the value names is the node's own scratch, which the codec may move into place
   * instead of copying. A codec that wrote the file with `writeFileDurably` returns what
   * that gave (hash and size, flushed), so the store does not read it again.
   */
  encode(value: PortValue<T>, dest: string, options?: EncodeOptions): Promise<void | DurableFile>;
  decode(path: string): Promise<PortValue<T>>;
  /** Why a value a node returned is not of this type, or undefined when it is. */
  problem(value: unknown): string | undefined;
}

export interface EncodeOptions {
  mayMove?: (path: string) => boolean;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function jsonCodec<T extends 'metrics' | 'report'>(): PortCodec<T> {
  return {
    kind: 'file',
    encode: (value, dest) => writeFile(dest, canonicalJson(value)),
    decode: async (path) => JSON.parse(await readFile(path, 'utf8')) as PortValue<T>,
    problem: (value) => (isObject(value) ? undefined : 'expected a JSON object'),
  };
}

const tableCodec: PortCodec<'table'> = {
  kind: 'file',
  // Hashed and flushed while written: the store then publishes it without reading it again.
  encode: (value, dest) => writeFileDurably(dest, encodeTableChunks(value)),
  decode: (path) => readTableFile(path),
  problem: (value) =>
    isObject(value) && isObject(value.table) && Array.isArray(value.recipe) && typeof (value.table as { numRows?: unknown }).numRows === 'number'
      ? undefined
      : 'expected { table: arrow.Table, recipe: [] }',
};

const modelCodec: PortCodec<'model'> = {
  kind: 'dir',
  async encode(value, dest, options) {
    if (options?.mayMove?.(value.dir) === true) {
      try {
        await rename(value.dir, dest); // same file system (both in tmp/): no copy, no second folder left behind
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      }
    }
    await cp(value.dir, dest, { recursive: true });
  },
  decode: async (path) => ({ dir: path }),
  problem: (value) => (isObject(value) && typeof value.dir === 'string' ? undefined : 'expected { dir: string } (a model bundle folder)'),
};

const imageCodec: PortCodec<'image'> = {
  kind: 'file',
  encode: (value, dest) => writeFile(dest, value.png),
  decode: async (path) => ({ png: new Uint8Array(await readFile(path)) }),
  problem: (value) => (isObject(value) && value.png instanceof Uint8Array ? undefined : 'expected { png: Uint8Array }'),
};

const CODECS: { [T in PortType]: PortCodec<T> } = {
  table: tableCodec,
  model: modelCodec,
  metrics: jsonCodec<'metrics'>(),
  report: jsonCodec<'report'>(),
  image: imageCodec,
};

export function codecFor<T extends PortType>(type: T): PortCodec<T> {
  return CODECS[type];
}
