/**
 * Finds and loads node packs: the dependencies of the workspace's package.json that carry
 * the `tensorloom-pack` keyword (resolved in its node_modules, so `npm install ./pack.tgz`
 * in the workspace adds one), then the modules and pack folders in TENSORLOOM_PLUGINS.
 *
 * A pack that cannot be used (its module does not load, it exports nothing usable, or it
 * declares a node type or step kind that a built-in or another pack also declares) is
 * reported with its name and the reason and left out; everything else loads. Clashes are
 * refused on both sides, so neither pack wins by load order. The step kinds of packs that
 * load are registered in this thread (registerStepKind), with their module, so worker
 * threads and exported images can load them too.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnyNodeDefinition } from '../base/define-node.js';
import type { PackSummary } from '../graph/registry.js';
import { BUILT_IN_STEP_KINDS, stepKinds as defaultStepKinds, type StepKindRegistry } from '../ml/recipe/registry.js';
import { isPackError, packContents, registerPackStepKinds, type AnyStepKind } from './contents.js';
import { isPackManifest, packEntry, readManifest, type PackManifest } from './manifest.js';
import { registerSdkResolver } from './sdk-resolver.js';

export type PackSource = PackSummary['source'];

/** A pack that loaded: its summary plus what a registry and worker threads need. */
export interface LoadedPack extends PackSummary {
  /** The URL of its entry module. */
  readonly module: string;
  readonly nodes: readonly AnyNodeDefinition[];
}

export interface PackSet {
  /** Every pack found, loaded or not, in discovery order. */
  readonly packs: readonly PackSummary[];
  /** The packs that loaded. */
  readonly loaded: readonly LoadedPack[];
}

export interface LoadPacksOptions {
  /** The workspace folder: its packs are the dependencies of the nearest package.json at or above it. */
  readonly workspace?: string;
  /** Module files or pack folders, as TENSORLOOM_PLUGINS lists them (relative to the working folder). */
  readonly plugins?: readonly string[];
  /** Node types that are taken already (the built-in catalog): a pack declaring one is refused. */
  readonly builtins?: readonly AnyNodeDefinition[];
  /** Where step kinds are registered; this thread's registry by default. */
  readonly steps?: StepKindRegistry;
}

/** TENSORLOOM_PLUGINS split at the path delimiter (':' or ';' on Windows). */
export function pluginsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return env.TENSORLOOM_PLUGINS?.split(process.platform === 'win32' ? ';' : ':').filter(Boolean) ?? [];
}

/** The nearest package.json at or above `dir`; undefined when there is none. */
export function workspaceManifest(dir: string): string | undefined {
  for (let at = resolve(dir); ; at = dirname(at)) {
    const path = join(at, 'package.json');
    if (existsSync(path)) return path;
    if (dirname(at) === at) return undefined;
  }
}

/** Where Node would find package `name` for code in `dir`: the first node_modules/<name> upwards. */
function installedDir(name: string, dir: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    const candidate = join(at, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(at) === at) return undefined;
  }
}

interface Candidate {
  readonly source: PackSource;
  /** A folder with package.json, or a module file. */
  readonly path: string;
  /** As the user wrote it (TENSORLOOM_PLUGINS), for messages. */
  readonly given?: string;
  readonly manifest?: PackManifest;
  readonly error?: string;
}

function workspaceCandidates(workspace: string): Candidate[] {
  const manifestPath = workspaceManifest(workspace);
  if (manifestPath === undefined) return [];
  let manifest: PackManifest;
  try {
    manifest = readManifest(dirname(manifestPath));
  } catch {
    // Not a package.json Tensorloom can read: nothing to find there (npm would refuse it too).
    return [];
  }
  const found: Candidate[] = [];
  for (const name of manifest.dependencies) {
    const dir = installedDir(name, dirname(manifestPath));
    // Not installed yet: a pipeline that needs it says which pack to install.
    if (dir === undefined) continue;
    let dependency: PackManifest;
    try {
      dependency = readManifest(dir);
    } catch {
      continue;
    }
    if (isPackManifest(dependency)) found.push({ source: 'workspace', path: dir, manifest: dependency });
  }
  return found;
}

function pluginCandidate(entry: string): Candidate {
  const path = isAbsolute(entry) ? entry : resolve(entry);
  if (!existsSync(path)) return { source: 'TENSORLOOM_PLUGINS', path, given: entry, error: `TENSORLOOM_PLUGINS lists ${entry}, which does not exist` };
  if (!statSync(path).isDirectory()) return { source: 'TENSORLOOM_PLUGINS', path, given: entry };
  try {
    const manifest = readManifest(path);
    if (!isPackManifest(manifest)) {
      return { source: 'TENSORLOOM_PLUGINS', path, given: entry, manifest, error: `${join(path, 'package.json')}: "keywords" lacks "tensorloom-pack"; add it, so Tensorloom knows the package is a node pack` };
    }
    return { source: 'TENSORLOOM_PLUGINS', path, given: entry, manifest };
  } catch (error) {
    return { source: 'TENSORLOOM_PLUGINS', path, given: entry, error: (error as Error).message };
  }
}

/** The first line of what went wrong while importing a pack; a syntax error with its file and line. */
function importFailure(error: unknown, entry: string, packPath: string): string {
  if (!(error instanceof Error)) return `importing ${entry} failed: ${String(error)}`;
  const message = error.message.split('\n').find((line) => line.trim() !== '') ?? error.name;
  // Node's SyntaxError does not say which file; tsx (running Tensorloom from its sources) says "Parse error <file>:1:1".
  const tsxParse = /^Parse error (\S+?):\d+:\d+$/.exec(message);
  if (error.name === 'SyntaxError' || tsxParse) {
    const found = findSyntaxError([...(tsxParse ? [tsxParse[1]!] : []), entry, ...moduleFiles(packPath)]);
    if (found) return `syntax error in ${found}`;
  }
  return `importing ${entry} failed: ${error.name === 'Error' || message.startsWith(error.name) ? '' : `${error.name}: `}${message}`;
}

/** The ES module files of a pack folder (not its dependencies), a bounded number. */
function moduleFiles(packPath: string): string[] {
  if (!statSync(packPath).isDirectory()) return [];
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (files.length >= 100) return;
      if (entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.')) walk(join(dir, entry.name));
      else if (entry.isFile() && /\.m?js$/.test(entry.name)) files.push(join(dir, entry.name));
    }
  };
  walk(packPath);
  return files;
}

/** `<file>:<line>: <message>` of the first file Node's syntax check refuses (node --check prints both). */
function findSyntaxError(files: readonly string[]): string | undefined {
  for (const file of new Set(files)) {
    const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 30_000 });
    if (check.status === 0 || check.error) continue;
    const lines = check.stderr.split('\n');
    const place = lines.find((line) => /:\d+$/.test(line)) ?? file;
    const reason = lines.find((line) => line.startsWith('SyntaxError: '))?.slice('SyntaxError: '.length) ?? 'invalid JavaScript';
    return `${place}: ${reason}`;
  }
  return undefined;
}

const moduleUrl = (file: string): string => pathToFileURL(realpathSync(file)).href;

interface Imported {
  readonly candidate: Candidate;
  readonly name: string;
  readonly version?: string;
  readonly entry?: string;
  readonly nodes: readonly AnyNodeDefinition[];
  readonly kinds: readonly AnyStepKind[];
  error?: string;
}

/** The name a pack is known by: its package name, or a module file's name without extension. */
function candidateName(candidate: Candidate): string {
  if (candidate.manifest) return candidate.manifest.name;
  const file = basename(candidate.path);
  return file.slice(0, file.length - extname(file).length) || file;
}

async function importCandidate(candidate: Candidate, steps: StepKindRegistry): Promise<Imported> {
  const name = candidateName(candidate);
  const base = { candidate, name, ...(candidate.manifest?.version === undefined ? {} : { version: candidate.manifest.version }), nodes: [], kinds: [] };
  if (candidate.error !== undefined) return { ...base, error: candidate.error };
  let entry: string;
  try {
    entry = candidate.manifest ? packEntry(candidate.path, candidate.manifest) : candidate.path;
  } catch (error) {
    if (isPackError(error)) return { ...base, error: error.message };
    throw error;
  }
  registerSdkResolver();
  const before = new Set(steps.names());
  let namespace: Record<string, unknown>;
  try {
    // By its real location, as Node loads a linked package (npm install <folder> links it): one module, one URL.
    namespace = (await import(moduleUrl(entry))) as Record<string, unknown>;
  } catch (error) {
    return { ...base, entry, error: importFailure(error, entry, candidate.path) };
  }
  // Kinds the pack registered itself while it was imported count as its own.
  const selfRegistered = steps.names().filter((kind) => !before.has(kind)).map((kind) => steps.get(kind)!);
  try {
    const contents = packContents(namespace);
    return { ...base, entry, nodes: contents.nodes, kinds: [...new Set([...contents.stepKinds, ...selfRegistered])] };
  } catch (error) {
    if (selfRegistered.length > 0 && isPackError(error)) return { ...base, entry, kinds: selfRegistered };
    if (isPackError(error)) return { ...base, entry, error: `${entry}: ${error.message}` };
    throw error;
  }
}

/**
 * Refuses, on both sides, node types and step kinds that are declared twice: by a pack and
 * the built-ins, or by two packs (each names the other), or twice in one pack.
 */
function refuseClashes(imported: readonly Imported[], builtins: readonly AnyNodeDefinition[], steps: StepKindRegistry): void {
  const builtinTypes = new Set(builtins.map((definition) => definition.type));
  const builtinKinds = new Set(BUILT_IN_STEP_KINDS.map((kind) => kind.kind));
  const usable = imported.filter((pack) => pack.error === undefined);
  const typeOwners = new Map<string, Imported[]>();
  const kindOwners = new Map<string, Imported[]>();
  for (const pack of usable) {
    for (const type of new Set(pack.nodes.map((definition) => definition.type))) typeOwners.set(type, [...(typeOwners.get(type) ?? []), pack]);
    for (const kind of new Set(pack.kinds.map((step) => step.kind))) kindOwners.set(kind, [...(kindOwners.get(kind) ?? []), pack]);
  }
  for (const pack of usable) {
    const reasons: string[] = [];
    const types = pack.nodes.map((definition) => definition.type);
    for (const type of new Set(types)) {
      if (types.indexOf(type) !== types.lastIndexOf(type)) reasons.push(`it declares node type '${type}' twice`);
      if (builtinTypes.has(type)) reasons.push(`node type '${type}' clashes with Tensorloom's built-in node type of that name`);
      const others = typeOwners.get(type)!.filter((other) => other !== pack);
      if (others.length > 0) reasons.push(`node type '${type}' is also declared by the pack ${others.map((other) => `'${other.name}' (${other.candidate.path})`).join(', ')}`);
    }
    const kinds = pack.kinds.map((step) => step.kind);
    for (const kind of new Set(kinds)) {
      if (kinds.indexOf(kind) !== kinds.lastIndexOf(kind)) reasons.push(`it declares step kind '${kind}' twice`);
      const registered = steps.get(kind);
      if (builtinKinds.has(kind)) reasons.push(`step kind '${kind}' clashes with Tensorloom's built-in step kind of that name`);
      else if (registered !== undefined && !pack.kinds.includes(registered)) {
        const provider = steps.provider(kind);
        reasons.push(`step kind '${kind}' is already registered${provider?.pack ? ` by the pack '${provider.pack}'` : ''}`);
      }
      const others = kindOwners.get(kind)!.filter((other) => other !== pack);
      if (others.length > 0) reasons.push(`step kind '${kind}' is also declared by the pack ${others.map((other) => `'${other.name}' (${other.candidate.path})`).join(', ')}`);
    }
    if (reasons.length === 0) continue;
    const withPack = reasons.some((reason) => reason.includes('also declared by the pack') || reason.includes('already registered by'));
    pack.error = `${reasons.join('; ')}; ${withPack ? 'neither pack is loaded (uninstall one, or rename the type in one of them)' : 'the pack is not loaded (rename the type in the pack)'}`;
  }
}

/** Finds the packs for a workspace and TENSORLOOM_PLUGINS, loads what can be loaded, and says why the rest could not. */
export async function loadPacks(options: LoadPacksOptions = {}): Promise<PackSet> {
  const steps = options.steps ?? defaultStepKinds;
  const candidates = [...(options.workspace === undefined ? [] : workspaceCandidates(options.workspace)), ...(options.plugins ?? []).map(pluginCandidate)];
  // The same folder or file listed twice (a dependency also in TENSORLOOM_PLUGINS) is one pack.
  const seenPaths = new Set<string>();
  const unique = candidates.filter((candidate) => {
    const real = existsSync(candidate.path) ? realpathSync(candidate.path) : candidate.path;
    if (seenPaths.has(real)) return false;
    seenPaths.add(real);
    return true;
  });
  const imported: Imported[] = [];
  for (const candidate of unique) imported.push(await importCandidate(candidate, steps));
  // Two packs of one name in different places: the later is refused, naming the first.
  const firstByName = new Map<string, Imported>();
  for (const pack of imported) {
    const first = firstByName.get(pack.name);
    if (first === undefined) firstByName.set(pack.name, pack);
    else pack.error ??= `another pack named '${pack.name}' was found first at ${first.candidate.path}; remove one of them`;
  }
  refuseClashes(imported, options.builtins ?? [], steps);
  for (const pack of imported) {
    if (pack.error !== undefined || pack.kinds.length === 0) continue;
    try {
      registerPackStepKinds({ name: pack.name, version: pack.version, module: moduleUrl(pack.entry!) }, pack.kinds, steps);
    } catch (error) {
      pack.error = (error as Error).message;
    }
  }
  const packs: PackSummary[] = [];
  const loaded: LoadedPack[] = [];
  for (const pack of imported) {
    const summary: PackSummary = {
      name: pack.name,
      ...(pack.version === undefined ? {} : { version: pack.version }),
      source: pack.candidate.source,
      path: pack.candidate.path,
      nodeTypes: [...new Set(pack.nodes.map((definition) => definition.type))].sort(),
      stepKinds: [...new Set(pack.kinds.map((kind) => kind.kind))].sort(),
      ...(pack.error === undefined ? {} : { error: pack.error }),
    };
    packs.push(summary);
    if (pack.error === undefined) loaded.push({ ...summary, module: moduleUrl(pack.entry!), nodes: pack.nodes });
  }
  return { packs, loaded };
}
