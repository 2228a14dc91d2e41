/** Names in the registry: model names, aliases, version references (`name@alias`, `name@3`). */

/** Thrown for what a user or pipeline got wrong: `invalid` (400), `not-found` (404), `conflict` (409). */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  constructor(
    readonly code: 'invalid' | 'not-found' | 'conflict',
    message: string,
    /** The param or argument it is about (`name`, `alias`, `gate`, `version`, `tags`). */
    readonly field?: string,
  ) {
    super(message);
  }
}

export function isRegistryError(error: unknown): error is RegistryError {
  return error instanceof Error && error.name === 'RegistryError' && typeof (error as RegistryError).code === 'string';
}

/** Model names end up in server URLs and image names: letters, digits, '.', '_', '-'. */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** Aliases start with a letter; `v12` would read as a version and `latest` is reserved. */
export const ALIAS_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const VERSION_REF = /^v?(\d{1,9})$/;
/** `name@latest`: the newest version that is not archived. */
export const LATEST = 'latest';

export function modelNameProblem(name: string): string | undefined {
  if (MODEL_NAME_PATTERN.test(name)) return undefined;
  return `model name '${name}' must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit (it appears in URLs and image names)`;
}

export function aliasProblem(alias: string): string | undefined {
  if (VERSION_REF.test(alias)) return `alias '${alias}' would read as a version number; start an alias with a letter (e.g. champion)`;
  if (alias.toLowerCase() === LATEST) return `alias '${alias}' is reserved: name@latest always means the newest version that is not archived`;
  if (ALIAS_PATTERN.test(alias)) return undefined;
  return `alias '${alias}' must be 1 to 64 letters, digits, '_' or '-', starting with a letter`;
}

export function checkModelName(name: string, field = 'name'): string {
  const problem = modelNameProblem(name);
  if (problem) throw new RegistryError('invalid', problem, field);
  return name;
}

export function checkAlias(alias: string, field = 'alias'): string {
  const problem = aliasProblem(alias);
  if (problem) throw new RegistryError('invalid', problem, field);
  return alias;
}

/** A version number from `3` or `v3`, or undefined when `text` is not one. */
export function versionNumber(text: string): number | undefined {
  const match = VERSION_REF.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** What comes after the '@': a version number, an alias, or `latest`. */
export type VersionSelector = { kind: 'version'; version: number } | { kind: 'alias'; alias: string } | { kind: 'latest' };

export interface ModelRef {
  readonly name: string;
  /** Undefined for a bare name (`wine`). */
  readonly selector: VersionSelector | undefined;
  readonly text: string;
}

/** Whether `text` has the shape of a registry reference (`name@alias`, `name@3`); it may still name nothing. */
export function looksLikeModelRef(text: string): boolean {
  const at = text.indexOf('@');
  return at > 0 && at === text.lastIndexOf('@') && MODEL_NAME_PATTERN.test(text.slice(0, at)) && /^[A-Za-z0-9_-]+$/.test(text.slice(at + 1));
}

/** Parses `name`, `name@alias`, `name@3` / `name@v3` or `name@latest`; a RegistryError says what is wrong. */
export function parseModelRef(text: string, options: { requireSelector?: boolean } = {}): ModelRef {
  const at = text.indexOf('@');
  const name = at < 0 ? text : text.slice(0, at);
  checkModelName(name, 'model');
  if (at < 0) {
    if (options.requireSelector) throw new RegistryError('invalid', `'${text}' names no version; write ${name}@<version> (e.g. ${name}@2)`, 'model');
    return { name, selector: undefined, text };
  }
  const after = text.slice(at + 1);
  if (after === '') throw new RegistryError('invalid', `'${text}': nothing after '@'; write ${name}@<version> or ${name}@<alias>`, 'model');
  const version = versionNumber(after);
  if (version !== undefined) return { name, selector: { kind: 'version', version }, text };
  if (after.toLowerCase() === LATEST) return { name, selector: { kind: 'latest' }, text };
  const problem = aliasProblem(after);
  if (problem) throw new RegistryError('invalid', `'${text}': ${problem}`, 'model');
  return { name, selector: { kind: 'alias', alias: after }, text };
}
