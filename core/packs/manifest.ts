/**
 * A pack folder's package.json: its name, version, the `tensorloom-pack` keyword, and the
 * entry module (`exports`, else `main`, else index.js). Problems are PackErrors naming the
 * file and the field.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { PackError } from './contents.js';

/** The keyword that marks an npm package as a Tensorloom node pack. */
export const PACK_KEYWORD = 'tensorloom-pack';

export interface PackManifest {
  readonly name: string;
  readonly version?: string;
  readonly keywords: readonly string[];
  /** package.json's `type`. */
  readonly type?: string;
  readonly dependencies: readonly string[];
}

type Json = Record<string, unknown>;

function readJson(path: string): Json {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PackError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PackError(`${path} is not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PackError(`${path} must hold a JSON object`);
  return value as Json;
}

const names = (value: unknown): string[] => (typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : []);

/** Reads `<dir>/package.json`. */
export function readManifest(dir: string): PackManifest {
  const path = join(dir, 'package.json');
  const json = readJson(path);
  if (typeof json.name !== 'string' || json.name === '') throw new PackError(`${path}: "name" must be the pack's package name`);
  const keywords = Array.isArray(json.keywords) ? json.keywords.filter((word): word is string => typeof word === 'string') : [];
  return {
    name: json.name,
    ...(typeof json.version === 'string' ? { version: json.version } : {}),
    keywords,
    ...(typeof json.type === 'string' ? { type: json.type } : {}),
    dependencies: [...new Set([...names(json.dependencies), ...names(json.optionalDependencies), ...names(json.devDependencies)])],
  };
}

export function isPackManifest(manifest: PackManifest): boolean {
  return manifest.keywords.includes(PACK_KEYWORD);
}

/** The ESM target of an `exports` value: a string, or the import / node / default condition. */
function exportTarget(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const conditions = value as Json;
  for (const condition of ['import', 'node', 'default']) {
    const target = exportTarget(conditions[condition]);
    if (target !== undefined) return target;
  }
  return undefined;
}

/**
 * The file Tensorloom imports for a pack folder: `exports` ('.' or the root conditions),
 * else `main`, else index.js. It must exist and be an ES module (a .mjs file, or .js in a
 * package with "type": "module"): packs import `tensorloom/sdk`, which only ES modules get.
 */
export function packEntry(dir: string, manifest: PackManifest): string {
  const path = join(dir, 'package.json');
  const json = readJson(path);
  const exportsField = json.exports;
  let field = 'main';
  let target: string | undefined;
  if (exportsField !== undefined) {
    field = 'exports';
    const root = typeof exportsField === 'object' && exportsField !== null && !Array.isArray(exportsField) && Object.keys(exportsField).some((key) => key.startsWith('.')) ? (exportsField as Json)['.'] : exportsField;
    target = exportTarget(root);
    if (target === undefined) throw new PackError(`${path}: "exports" has no entry for '.' with an import or default condition`);
  } else if (typeof json.main === 'string') target = json.main;
  else {
    field = 'main';
    target = 'index.js';
  }
  const entry = resolve(dir, target);
  const shown = relative(dir, entry) || target;
  if (!existsSync(entry) || !statSync(entry).isFile()) {
    throw new PackError(`${path}: "${field}" points to ${shown}, which does not exist${json.scripts && typeof (json.scripts as Json).build === 'string' ? ' (build the pack first: npm run build)' : ''}`);
  }
  const extension = extname(entry);
  const isModule = extension === '.mjs' || (extension === '.js' && manifest.type === 'module') || extension === '.ts' || extension === '.mts';
  if (!isModule) {
    throw new PackError(`${path}: the entry ${shown} is not an ES module; set "type": "module" in package.json (or use a .mjs file): packs import 'tensorloom/sdk', which CommonJS cannot`);
  }
  return entry;
}
