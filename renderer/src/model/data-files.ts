/**
 * Files from the desktop: which data node reads a file (by its extension), where a copied-in
 * file goes, and the path a node's param holds (relative to the pipeline file's folder, as
 * the engine resolves it).
 */
const READERS: Readonly<Record<string, string>> = {
  '.csv': 'data.csv',
  '.tsv': 'data.csv',
  '.txt': 'data.csv',
  '.json': 'data.json',
  '.jsonl': 'data.jsonl',
  '.ndjson': 'data.jsonl',
  '.parquet': 'data.parquet',
  '.sqlite': 'data.sqlite',
  '.db': 'data.sqlite',
};

export const READABLE_KINDS = 'CSV, JSON, JSON Lines, Parquet or SQLite';

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? '' : name.slice(dot).toLowerCase();
}

/** The data node type that reads this file, or undefined. */
export function readerFor(fileName: string): string | undefined {
  return READERS[extensionOf(fileName)];
}

/** The extensions a data node type reads ([] for nodes that read no file). */
export function extensionsOf(nodeType: string): string[] {
  return Object.entries(READERS)
    .filter(([, type]) => type === nodeType)
    .map(([extension]) => extension);
}

/** Where a file copied into the workspace goes: data/<name>, the name made safe for every OS. */
export function copyInPath(fileName: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is replaced
  const safe = fileName.replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '-').replace(/^\.+/, '') || 'file';
  return `data/${safe}`;
}

/**
 * A workspace path as a param of a pipeline saved at `pipelinePath` holds it: relative to the
 * pipeline's folder (an unsaved pipeline reads from the workspace root).
 */
export function relativeToPipeline(pipelinePath: string | null, workspacePath: string): string {
  const from = pipelinePath ? pipelinePath.split('/').slice(0, -1) : [];
  const to = workspacePath.split('/');
  let shared = 0;
  while (shared < from.length && shared < to.length - 1 && from[shared] === to[shared]) shared += 1;
  return [...Array<string>(from.length - shared).fill('..'), ...to.slice(shared)].join('/');
}

/** 1,234 bytes as `1.2 KB`, for messages about files. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  do {
    value /= 1000;
    unit += 1;
  } while (value >= 1000 && unit < units.length - 1);
  return `${value >= 100 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
