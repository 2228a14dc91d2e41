/**
 * `tensorloom models`: the workspace's model registry. Lists models, shows one (versions,
 * aliases with their history, metrics, lineage) or one version, points an alias at a
 * version, and archives a version. Registering is the registry.register node's job.
 */
import { isRegistryError, ModelRegistry, parseModelRef, versionNumber, type ModelDetail, type ModelVersionRecord, type RegistryEvent, type VersionLineage } from '../../core/registry/index.js';
import { displayPath } from '../load.js';
import { bold, dim, green, table, UsageError, yellow } from '../output.js';
import { findWorkspace, openStore } from '../workspace.js';

export interface ModelsOptions {
  workspace?: string;
  json: boolean;
  /** `models alias <name> <alias> --delete`: remove the alias. */
  delete?: boolean;
}

const USAGE = `'tensorloom models' takes: (nothing) to list, show <name>[@version|@alias], alias <name> <alias> <version>, alias <name> <alias> --delete, archive <name>@<version>`;

/** Local time as `2026-11-26 10:12:53`. */
function formatTime(ms: number): string {
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

/** The metrics as `accuracy 0.9855, f1Macro 0.9877`; `most` keeps a table narrow (the main ones first). */
function metricsLine(metrics: Readonly<Record<string, number>>, most = Number.POSITIVE_INFINITY): string {
  const main = ['accuracy', 'rocAuc', 'f1Macro', 'r2', 'rmse', 'mae'];
  const entries = Object.entries(metrics)
    .filter(([name]) => name !== 'rows')
    .sort(([a], [b]) => (main.includes(a) ? main.indexOf(a) : main.length) - (main.includes(b) ? main.indexOf(b) : main.length) || (a < b ? -1 : 1));
  if (entries.length === 0) return '—';
  const shown = entries.slice(0, most).map(([name, value]) => `${name} ${formatNumber(value)}`).join(', ');
  return entries.length > most ? `${shown}, …` : shown;
}

function byWhom(event: Pick<RegistryEvent, 'runId' | 'nodeId' | 'command'>): string {
  if (event.runId !== null) return `run ${event.runId}${event.nodeId === null ? '' : ` (node ${event.nodeId})`}`;
  return event.command ?? 'unknown';
}

const out = (text: string) => process.stdout.write(text + '\n');
const json = (value: unknown) => process.stdout.write(JSON.stringify(value, null, 2) + '\n');

export function modelsCommand(args: readonly string[], options: ModelsOptions): number {
  const [action, ...rest] = args;
  if (options.delete && action !== 'alias') throw new UsageError("--delete goes with 'tensorloom models alias <name> <alias> --delete'");
  const store = openStore(findWorkspace(options.workspace), { cleanTemp: false });
  try {
    const registry = new ModelRegistry(store);
    try {
      switch (action) {
        case undefined:
        case 'list':
          if (rest.length > 0) throw new UsageError(`'tensorloom models' lists models and takes no arguments (unexpected: ${rest.join(' ')}); ${USAGE}`);
          return list(registry, options);
        case 'show':
          if (rest.length !== 1) throw new UsageError("'tensorloom models show' expects one model: <name>, <name>@<version> or <name>@<alias>");
          return show(registry, rest[0]!, options);
        case 'alias':
          return alias(registry, rest, options);
        case 'archive':
          if (rest.length !== 1) throw new UsageError("'tensorloom models archive' expects one version: <name>@<version>, e.g. penguins@2");
          return archive(registry, rest[0]!, options);
        default:
          throw new UsageError(`unknown 'models' action '${action}'; ${USAGE}`);
      }
    } catch (error) {
      if (isRegistryError(error)) throw new UsageError(error.message);
      throw error;
    }
  } finally {
    store.close();
  }
}

function list(registry: ModelRegistry, options: ModelsOptions): number {
  const models = registry.list();
  if (options.json) {
    json(models);
    return 0;
  }
  if (models.length === 0) {
    out('no models registered in this workspace yet (a registry.register node in a pipeline adds versions)');
    return 0;
  }
  const rows = [[dim('model'), dim('versions'), dim('latest'), dim('aliases'), dim('updated')]];
  for (const model of models) {
    const aliases = Object.entries(model.aliases).map(([name, version]) => `${name} → v${version}`).join(', ');
    rows.push([
      bold(model.name),
      `${model.versionCount}${model.archivedCount > 0 ? dim(` (${model.archivedCount} archived)`) : ''}`,
      model.latestVersion === null ? '—' : `v${model.latestVersion}`,
      aliases || dim('none'),
      formatTime(model.updatedAt),
    ]);
  }
  out(table(rows));
  return 0;
}

function show(registry: ModelRegistry, ref: string, options: ModelsOptions): number {
  const parsed = parseModelRef(ref);
  if (parsed.selector === undefined) {
    const detail = registry.model(parsed.name);
    if (options.json) json(detail);
    else printModel(detail);
    return 0;
  }
  const found = registry.resolveSelector(parsed.name, parsed.selector);
  const provenance = registry.lineage(found.record);
  if (options.json) {
    json({ ...found.record, resolvedVia: found.via, ...(found.alias === undefined ? {} : { resolvedAlias: found.alias }), provenance });
    return 0;
  }
  printVersion(found.record, provenance);
  return 0;
}

function printModel(model: ModelDetail): void {
  const archived = model.versions.filter((version) => version.archivedAt !== null).length;
  out(`${bold(model.name)}  ${model.versions.length} version${model.versions.length === 1 ? '' : 's'}${archived > 0 ? ` (${archived} archived)` : ''}  ${dim(`created ${formatTime(model.createdAt)}`)}`);
  out('');
  out(bold('aliases'));
  if (model.aliases.length === 0) out(dim('  none (set one: tensorloom models alias <name> <alias> <version>)'));
  for (const entry of model.aliases) {
    const last = entry.history.at(-1);
    const earlier = entry.history.slice(0, -1).map((event) => (event.toVersion === null ? 'removed' : `v${event.toVersion}`));
    const moved = last ? ` since ${formatTime(last.time)} by ${byWhom(last)}` : '';
    out(`  ${bold(entry.alias)} → v${entry.version}${dim(`${moved}${earlier.length > 0 ? `; before: ${earlier.reverse().join(', ')}` : ''}`)}`);
  }
  out('');
  out(bold('versions'));
  const rows = [[dim('  version'), dim('created'), dim('metrics'), dim('registered by'), dim('aliases')]];
  for (const version of model.versions) {
    rows.push([
      `  v${version.version}${version.archivedAt === null ? '' : dim(' archived')}`,
      formatTime(version.createdAt),
      metricsLine(version.metrics, 3),
      version.registeredBy.runId === null ? '—' : `run ${version.registeredBy.runId}`,
      version.aliases.join(', '),
    ]);
  }
  out(table(rows));
  const history = model.events.slice(-10);
  if (history.length > 0) {
    out('');
    out(bold(`history${model.events.length > history.length ? ` (last ${history.length} of ${model.events.length})` : ''}`));
    for (const event of history) out(`  ${dim(formatTime(event.time))}  ${describeEvent(event)}  ${dim(`by ${byWhom(event)}`)}`);
  }
  out('');
  out(dim(`one version in full: tensorloom models show ${model.name}@<version>`));
}

function describeEvent(event: RegistryEvent): string {
  switch (event.kind) {
    case 'register':
      return `registered v${event.version}`;
    case 'gate-failed': {
      const detail = event.detail as { gate?: string; checks?: { holds: boolean; detail: string }[] } | null;
      const failed = (detail?.checks ?? []).filter((check) => !check.holds).map((check) => check.detail);
      return yellow(`gate kept a model out: ${failed.join('; ') || detail?.gate || ''}`);
    }
    case 'schema-changed':
      return yellow(`v${event.version}: input schema differs from v${(event.detail as { fromVersion?: number } | null)?.fromVersion ?? '?'}: ${(event.detail as { summary?: string } | null)?.summary ?? ''}`);
    case 'alias':
      if (event.toVersion === null) return `alias ${event.alias} removed (was v${event.fromVersion})`;
      return `alias ${event.alias} → v${event.toVersion}${event.fromVersion === null ? '' : ` (was v${event.fromVersion})`}`;
    case 'archive':
      return `archived v${event.version}`;
  }
}

function printVersion(record: ModelVersionRecord, provenance: VersionLineage): void {
  const aliases = record.aliases.length > 0 ? `  (${record.aliases.join(', ')})` : '';
  out(`${bold(`${record.name} version ${record.version}`)}${aliases}${record.archivedAt === null ? '' : yellow(`  archived ${formatTime(record.archivedAt)}`)}`);
  const rows: string[][] = [];
  const row = (label: string, value: string) => rows.push([dim(`  ${label}`), value]);
  row('artifact', record.artifact);
  row('created', `${formatTime(record.createdAt)}${record.registeredBy.runId === null ? '' : ` by run ${record.registeredBy.runId} (node ${record.registeredBy.nodeId ?? '?'})`}`);
  const trained = provenance.trainedBy;
  if (trained) {
    const pipeline = trained.found ? ` · pipeline '${trained.pipelineName}'${trained.pipelinePath ? ` (${displayPath(trained.pipelinePath)})` : ''}` : ' (its run record is gone)';
    row('trained by', `run ${trained.runId} (node ${trained.nodeId ?? '?'})${pipeline}`);
  } else row('trained by', dim('no run in this workspace (a model from elsewhere)'));
  if (provenance.pipelineHash) row('pipeline', provenance.pipelineHash);
  for (const source of provenance.sources) row('data', `${source.nodeId} (${source.type})${source.path === null ? '' : ` ${source.path}`} ${dim(source.hash)}`);
  if (provenance.sources.length === 0) for (const hash of provenance.dataHashes) row('data', hash);
  row('backend', record.backend ?? 'unknown');
  const { schema } = record;
  row('task', `${schema.task} of '${schema.target}'${schema.classes ? ` (${schema.classes.length} classes: ${schema.classes.join(', ')})` : ''}`);
  row('inputs', schema.inputs.map((input) => `${input.name} (${input.type})`).join(', ') || '—');
  row('metrics', metricsLine(record.metrics));
  if (record.description) row('description', record.description);
  const tags = Object.entries(record.tags);
  if (tags.length > 0) row('tags', tags.map(([key, value]) => `${key}=${value}`).join(', '));
  out(table(rows));
}

function alias(registry: ModelRegistry, args: readonly string[], options: ModelsOptions): number {
  const [name, aliasName, versionText, ...extra] = args;
  const command = ['tensorloom', 'models', 'alias', ...args, ...(options.delete ? ['--delete'] : [])].join(' ');
  if (options.delete) {
    if (name === undefined || aliasName === undefined || versionText !== undefined) throw new UsageError("'tensorloom models alias <name> <alias> --delete' takes a model and an alias, no version");
    const move = registry.removeAlias(name, aliasName, { command });
    if (options.json) json(move);
    else out(`${green('✓')} removed alias ${bold(aliasName)} of ${name} (it pointed at v${move.from})`);
    return 0;
  }
  if (name === undefined || aliasName === undefined || versionText === undefined || extra.length > 0) {
    throw new UsageError("'tensorloom models alias' expects <name> <alias> <version>, e.g. tensorloom models alias penguins champion 3");
  }
  const version = versionNumber(versionText);
  if (version === undefined) throw new UsageError(`version '${versionText}': expected a version number, e.g. 3 (see: tensorloom models show ${name})`);
  const move = registry.setAlias(name, aliasName, version, { command });
  if (options.json) json(move);
  else if (!move.changed) out(`${name}: ${bold(aliasName)} already points at v${version}`);
  else out(`${green('✓')} ${name}: ${bold(aliasName)} → v${version}${move.from === null ? ' (new alias)' : ` (was v${move.from})`}`);
  return 0;
}

function archive(registry: ModelRegistry, ref: string, options: ModelsOptions): number {
  const parsed = parseModelRef(ref, { requireSelector: true });
  if (parsed.selector?.kind !== 'version') {
    const what = parsed.selector?.kind === 'alias' ? `'${parsed.selector.alias}' is an alias` : "'latest' moves";
    throw new UsageError(`'tensorloom models archive' takes a version number: ${parsed.name}@<version> (${what}; archive the version itself)`);
  }
  const version = parsed.selector.version;
  let result;
  try {
    result = registry.archive(parsed.name, version, { command: `tensorloom models archive ${ref}` });
  } catch (error) {
    if (isRegistryError(error) && error.code === 'conflict') {
      throw new UsageError(`${error.message} (tensorloom models alias ${parsed.name} <alias> <version>, or --delete)`);
    }
    throw error;
  }
  if (options.json) json(result);
  else out(result.changed ? `${green('✓')} archived ${parsed.name} v${version}` : `${parsed.name} v${version} was archived already`);
  return 0;
}
