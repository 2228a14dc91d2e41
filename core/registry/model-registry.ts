/**
 * The model registry: named models with immutable, numbered versions, aliases that point at
 * versions, and an append-only audit trail of everything that happened to them. Its tables
 * live in the workspace store's database (migration 5); every change is one immediate
 * transaction, so two processes registering into one name get distinct version numbers.
 */
import type Database from 'better-sqlite3';
import type { RegisterOutcome, RegisterRequest, SchemaChange } from '../base/context.js';
import type { StoreTables, WorkspaceStore } from '../store/index.js';
import { evaluateGate, GateMetricError, GateSyntaxError, gateAliases, parseGate, type Contender, type Gate } from './gate.js';
import { checkAlias, checkModelName, LATEST, parseModelRef, RegistryError, type VersionSelector } from './refs.js';
import { readBundleFacts, schemaChange, type ModelSchema } from './schema.js';

/** Who did something: a node of a run, or a command (`tensorloom models alias …`, `POST /api/models/…`). */
export type RegistryActor = { readonly runId: string; readonly nodeId: string } | { readonly command: string };

export interface ModelVersionRecord {
  readonly name: string;
  readonly version: number;
  /** The model bundle's artifact id (`sha256:…`). */
  readonly artifact: string;
  readonly createdAt: number;
  /** When it was archived, else null. */
  readonly archivedAt: number | null;
  /** The run and node that registered it. */
  readonly registeredBy: { readonly runId: string | null; readonly nodeId: string | null };
  /** The run and node that trained it, the pipeline's hash and the data behind it (nulls when no run here trained it). */
  readonly lineage: { readonly runId: string | null; readonly nodeId: string | null; readonly pipelineHash: string | null; readonly dataHashes: readonly string[] };
  /** The evaluation's numbers at registration. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly schema: ModelSchema;
  readonly backend: string | null;
  readonly description: string | null;
  readonly tags: Readonly<Record<string, string>>;
  /** The aliases that point at it now. */
  readonly aliases: readonly string[];
}

export interface ModelSummary {
  readonly name: string;
  readonly createdAt: number;
  /** The time of its latest registry event. */
  readonly updatedAt: number;
  readonly versionCount: number;
  readonly archivedCount: number;
  /** The newest version that is not archived, or null. */
  readonly latestVersion: number | null;
  /** alias → version. */
  readonly aliases: Readonly<Record<string, number>>;
}

export type RegistryEventKind = 'register' | 'gate-failed' | 'schema-changed' | 'alias' | 'archive';

export interface RegistryEvent {
  readonly id: number;
  readonly name: string;
  readonly kind: RegistryEventKind;
  readonly version: number | null;
  readonly alias: string | null;
  readonly fromVersion: number | null;
  readonly toVersion: number | null;
  readonly runId: string | null;
  readonly nodeId: string | null;
  readonly command: string | null;
  readonly detail: unknown;
  readonly time: number;
}

export interface AliasRecord {
  readonly alias: string;
  readonly version: number;
  readonly updatedAt: number;
  /** Every move of this alias, oldest first (`toVersion` null: it was removed then). */
  readonly history: readonly RegistryEvent[];
}

export interface ModelDetail {
  readonly name: string;
  readonly createdAt: number;
  /** Newest first. */
  readonly versions: readonly ModelVersionRecord[];
  readonly aliases: readonly AliasRecord[];
  /** The whole audit trail, oldest first. */
  readonly events: readonly RegistryEvent[];
}

/** A version found from a reference, and how: `wine@champion` → via alias. */
export interface ResolvedVersion {
  readonly record: ModelVersionRecord;
  readonly via: 'version' | 'alias' | 'latest';
  readonly alias?: string;
}

export interface AliasMove {
  readonly name: string;
  readonly alias: string;
  /** null: the alias is new. */
  readonly from: number | null;
  /** null: the alias was removed. */
  readonly to: number | null;
  readonly changed: boolean;
}

/** The lineage of a version back to its runs, pipeline file and data (for `models show` and the API). */
export interface VersionLineage {
  readonly registeredBy: RunFacts | null;
  readonly trainedBy: RunFacts | null;
  readonly pipelineHash: string | null;
  /** The data sources upstream of the training node in the run that trained it. */
  readonly sources: readonly { readonly nodeId: string; readonly type: string; readonly path: string | null; readonly hash: string }[];
  readonly dataHashes: readonly string[];
}

export interface RunFacts {
  readonly runId: string;
  readonly nodeId: string | null;
  /** False when the run's record is gone from the store (the ids are kept anyway). */
  readonly found: boolean;
  readonly status?: string;
  readonly pipelineName?: string;
  /** The pipeline file's absolute path, when the run had one. */
  readonly pipelinePath?: string | null;
  readonly pipelineHash?: string;
  readonly startedAt?: number;
}

interface EventFields {
  kind: RegistryEventKind;
  version?: number | null;
  alias?: string | null;
  from?: number | null;
  to?: number | null;
  detail?: unknown;
}

interface VersionRow {
  name: string;
  version: number;
  artifact_hash: string;
  run_id: string | null;
  node_id: string | null;
  trained_run_id: string | null;
  trained_node_id: string | null;
  pipeline_hash: string | null;
  data_hashes_json: string;
  metrics_json: string;
  schema_json: string;
  backend: string | null;
  description: string | null;
  tags_json: string;
  created_at: number;
  archived_at: number | null;
}

interface EventRow {
  id: number;
  name: string;
  kind: RegistryEventKind;
  version: number | null;
  alias: string | null;
  from_version: number | null;
  to_version: number | null;
  run_id: string | null;
  node_id: string | null;
  command: string | null;
  detail_json: string | null;
  time: number;
}

const TAG_KEY = /^[A-Za-z0-9_.:/-]{1,64}$/;
const MAX_TAG_VALUE = 1000;
const MAX_DESCRIPTION = 5000;

function listed(items: readonly (string | number)[], none: string): string {
  return items.length === 0 ? none : items.join(', ');
}

function toEvent(row: EventRow): RegistryEvent {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    version: row.version,
    alias: row.alias,
    fromVersion: row.from_version,
    toVersion: row.to_version,
    runId: row.run_id,
    nodeId: row.node_id,
    command: row.command,
    detail: row.detail_json === null ? null : (JSON.parse(row.detail_json) as unknown),
    time: row.time,
  };
}

function actorColumns(actor: RegistryActor): { run_id: string | null; node_id: string | null; command: string | null } {
  return 'command' in actor ? { run_id: null, node_id: null, command: actor.command } : { run_id: actor.runId, node_id: actor.nodeId, command: null };
}

export class ModelRegistry {
  private readonly tables: StoreTables;

  constructor(private readonly store: WorkspaceStore) {
    this.tables = store.tables();
  }

  // Reading -----------------------------------------------------------------------------

  list(): ModelSummary[] {
    return this.tables.read((db) => {
      const models = db.prepare<[], { name: string; created_at: number }>('SELECT name, created_at FROM models ORDER BY name').all();
      return models.map((model) => this.summary(db, model.name, model.created_at));
    });
  }

  /** One model with its versions, aliases (with their history) and audit trail. */
  model(name: string): ModelDetail {
    return this.tables.read((db) => {
      const created = this.requireModel(db, name);
      const versions = this.versionRows(db, name).map((row) => this.toRecord(db, row));
      const events = this.eventRows(db, name);
      const aliases = db
        .prepare<[string], { alias: string; version: number; updated_at: number }>('SELECT alias, version, updated_at FROM model_aliases WHERE name = ? ORDER BY alias')
        .all(name)
        .map((row) => ({ alias: row.alias, version: row.version, updatedAt: row.updated_at, history: events.filter((event) => event.kind === 'alias' && event.alias === row.alias) }));
      return { name, createdAt: created, versions: versions.reverse(), aliases, events };
    });
  }

  /** The version a reference names: `name` (the latest), `name@3`, `name@alias`, `name@latest`. */
  resolve(ref: string): ResolvedVersion {
    const parsed = parseModelRef(ref);
    return this.resolveSelector(parsed.name, parsed.selector);
  }

  resolveSelector(name: string, selector: VersionSelector | undefined): ResolvedVersion {
    return this.tables.read((db) => {
      this.requireModel(db, name);
      if (selector === undefined || selector.kind === 'latest') {
        const row = db.prepare<[string], VersionRow>('SELECT * FROM model_versions WHERE name = ? AND archived_at IS NULL ORDER BY version DESC LIMIT 1').get(name);
        if (!row) throw new RegistryError('not-found', `model '${name}' has no versions that are not archived; name one: ${name}@<version> (${this.versionList(db, name)})`, 'model');
        return { record: this.toRecord(db, row), via: 'latest' };
      }
      if (selector.kind === 'version') return { record: this.toRecord(db, this.requireVersion(db, name, selector.version)), via: 'version' };
      const alias = db.prepare<[string, string], { version: number }>('SELECT version FROM model_aliases WHERE name = ? AND alias = ?').get(name, selector.alias);
      if (!alias) throw new RegistryError('not-found', `model '${name}' has no alias '${selector.alias}'; ${this.aliasList(db, name)}`, 'alias');
      return { record: this.toRecord(db, this.requireVersion(db, name, alias.version)), via: 'alias', alias: selector.alias };
    });
  }

  version(name: string, version: number): ModelVersionRecord {
    return this.resolveSelector(name, { kind: 'version', version }).record;
  }

  events(name: string): RegistryEvent[] {
    return this.tables.read((db) => {
      this.requireModel(db, name);
      return this.eventRows(db, name);
    });
  }

  /** Where a version came from: the runs that registered and trained it, its pipeline file and data. */
  lineage(record: ModelVersionRecord): VersionLineage {
    const runFacts = (runId: string | null, nodeId: string | null): RunFacts | null => {
      if (runId === null) return null;
      const run = this.store.getRun(runId);
      if (!run) return { runId, nodeId, found: false };
      return { runId, nodeId, found: true, status: run.status, pipelineName: run.pipelineName, pipelinePath: run.pipelinePath, pipelineHash: run.pipelineHash, startedAt: run.startedAt };
    };
    const sources: { nodeId: string; type: string; path: string | null; hash: string }[] = [];
    if (record.lineage.runId !== null) {
      const run = this.store.getRun(record.lineage.runId);
      const wanted = new Set(record.lineage.dataHashes);
      if (run) {
        let nodes: { id?: unknown; type?: unknown; params?: { path?: unknown } }[] = [];
        try {
          nodes = (JSON.parse(run.pipelineJson) as { nodes?: typeof nodes }).nodes ?? [];
        } catch {
          // An unreadable snapshot: the hashes below still stand.
        }
        for (const node of nodes) {
          if (typeof node.id !== 'string') continue;
          const outputs = run.nodes[node.id]?.outputs ?? {};
          for (const output of Object.values(outputs)) {
            if (!wanted.has(output.hash)) continue;
            sources.push({ nodeId: node.id, type: String(node.type), path: typeof node.params?.path === 'string' ? node.params.path : null, hash: output.hash });
          }
        }
      }
    }
    return {
      registeredBy: runFacts(record.registeredBy.runId, record.registeredBy.nodeId),
      trainedBy: runFacts(record.lineage.runId, record.lineage.nodeId),
      pipelineHash: record.lineage.pipelineHash,
      sources,
      dataHashes: record.lineage.dataHashes,
    };
  }

  // Changing ----------------------------------------------------------------------------

  /**
   * Registers the model artifact `hash` (a model bundle in the store) as the next version of
   * `request.name`, when its gate holds. The same model bytes already registered under that
   * name (and not archived) are that version again: no new version, only the alias moves.
   * A gate that does not hold registers nothing and records why (event `gate-failed`).
   */
  async register(hash: string, request: RegisterRequest, actor: RegistryActor): Promise<RegisterOutcome> {
    const name = checkModelName(request.name);
    const alias = request.alias === undefined || request.alias === '' ? undefined : checkAlias(request.alias);
    const tags = checkTags(request.tags ?? {});
    const description = request.description === undefined || request.description.trim() === '' ? null : request.description;
    if (description !== null && description.length > MAX_DESCRIPTION) throw new RegistryError('invalid', `the description is ${description.length} characters; at most ${MAX_DESCRIPTION}`, 'description');
    const gate = request.gate === undefined || request.gate.trim() === '' ? undefined : parseGateParam(request.gate);
    const metrics = request.metrics ?? {};
    if (gate !== undefined && request.metrics === undefined) {
      throw new RegistryError('invalid', `the gate '${gate.text}' reads metrics, but no metrics input is connected; connect an evaluation's metrics (eval.model) to 'metrics'`, 'gate');
    }
    if (this.store.artifacts.kindOf(hash) !== 'dir') throw new RegistryError('invalid', `model ${hash} is not a model bundle in this workspace's store`, 'model');
    const facts = await readBundleFacts(this.store.artifacts.pathOf(hash)).catch((error: unknown) => {
      throw new RegistryError('invalid', `model ${hash}: ${(error as Error).message}`, 'model');
    });
    const trained = this.store.artifactLineage(hash);
    const columns = actorColumns(actor);

    return this.tables.write(`could not register a version of model '${name}'`, (db) => {
      const now = Date.now();
      const event = (fields: EventFields) => this.insertEvent(db, name, fields, actor, now);
      const aliasTarget = (which: string) => db.prepare<[string, string], { version: number }>('SELECT version FROM model_aliases WHERE name = ? AND alias = ?').get(name, which)?.version;

      const existing = db
        .prepare<[string, string], { version: number }>('SELECT version FROM model_versions WHERE name = ? AND artifact_hash = ? AND archived_at IS NULL ORDER BY version DESC LIMIT 1')
        .get(name, hash)?.version;
      // Nothing to decide: these bytes are that version already, and the alias (if any) points there.
      if (existing !== undefined && (alias === undefined || aliasTarget(alias) === existing)) {
        return { name, registered: true, version: existing, created: false, ...(alias === undefined ? {} : { alias: { name: alias, from: existing, to: existing } }) };
      }

      let gateResult: RegisterOutcome['gate'];
      if (gate !== undefined) {
        const contenders = new Map<string, Contender | undefined>();
        for (const which of gateAliases(gate)) {
          const row = db
            .prepare<[string, string], { version: number; metrics_json: string }>(
              'SELECT v.version, v.metrics_json FROM model_aliases a JOIN model_versions v ON v.name = a.name AND v.version = a.version WHERE a.name = ? AND a.alias = ?',
            )
            .get(name, which);
          contenders.set(which, row ? { version: row.version, metrics: JSON.parse(row.metrics_json) as Record<string, number> } : undefined);
        }
        try {
          gateResult = evaluateGate(gate, metrics, contenders);
        } catch (error) {
          if (error instanceof GateMetricError) throw new RegistryError('invalid', error.message, 'gate');
          throw error;
        }
        if (!gateResult.holds) {
          const failed = gateResult.checks.filter((check) => !check.holds).map((check) => check.detail);
          const reason = `gate '${gate.text}' does not hold: ${failed.join('; ')}`;
          // The audit trail names the model even when it is not registered yet (a first version kept out).
          event({ kind: 'gate-failed', detail: { gate: gate.text, checks: gateResult.checks, metrics, artifact: hash, ...(alias === undefined ? {} : { alias }) } });
          return { name, registered: false, version: null, created: false, gate: gateResult, reason };
        }
      }

      let version = existing;
      let change: SchemaChange | undefined;
      if (version === undefined) {
        if (!db.prepare<[string], { name: string }>('SELECT name FROM models WHERE name = ?').get(name)) db.prepare('INSERT INTO models (name, created_at) VALUES (?, ?)').run(name, now);
        const latest = db.prepare<[string], { version: number; schema_json: string }>('SELECT version, schema_json FROM model_versions WHERE name = ? ORDER BY archived_at IS NULL DESC, version DESC LIMIT 1').get(name);
        version = (db.prepare<[string], { top: number | null }>('SELECT MAX(version) AS top FROM model_versions WHERE name = ?').get(name)?.top ?? 0) + 1;
        db.prepare(
          `INSERT INTO model_versions (name, version, artifact_hash, run_id, node_id, trained_run_id, trained_node_id, pipeline_hash, data_hashes_json,
             metrics_json, schema_json, backend, description, tags_json, created_at, archived_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
        ).run(
          name,
          version,
          hash,
          columns.run_id,
          columns.node_id,
          trained?.runId ?? null,
          trained?.nodeId ?? null,
          trained?.pipelineHash ?? null,
          JSON.stringify(trained?.dataHashes ?? []),
          JSON.stringify(metrics),
          JSON.stringify(facts.schema),
          facts.backend,
          description,
          JSON.stringify(tags),
          now,
        );
        event({ kind: 'register', version, detail: { artifact: hash, ...(gate === undefined ? {} : { gate: gate.text, checks: gateResult!.checks }) } });
        if (latest) {
          change = schemaChange(JSON.parse(latest.schema_json) as ModelSchema, facts.schema, latest.version);
          if (change) event({ kind: 'schema-changed', version, detail: change });
        }
      }

      let move: RegisterOutcome['alias'];
      if (alias !== undefined) {
        const from = aliasTarget(alias) ?? null;
        this.pointAlias(db, name, alias, from, version, now);
        if (from !== version) event({ kind: 'alias', alias, version, from, to: version });
        move = { name: alias, from, to: version };
      }
      return {
        name,
        registered: true,
        version,
        created: existing === undefined,
        ...(gateResult === undefined ? {} : { gate: gateResult }),
        ...(move === undefined ? {} : { alias: move }),
        ...(change === undefined ? {} : { schemaChange: change }),
      };
    });
  }

  /** Points `alias` at `version` (a version that exists and is not archived), recording the move. */
  setAlias(name: string, alias: string, version: number, actor: RegistryActor): AliasMove {
    checkModelName(name, 'model');
    checkAlias(alias);
    return this.tables.write(`could not set alias '${alias}' of model '${name}'`, (db) => {
      this.requireModel(db, name);
      const row = this.requireVersion(db, name, version);
      if (row.archived_at !== null) {
        throw new RegistryError('invalid', `model '${name}' version ${version} is archived; an alias points at a live version (${this.versionList(db, name, true)})`, 'version');
      }
      const from = db.prepare<[string, string], { version: number }>('SELECT version FROM model_aliases WHERE name = ? AND alias = ?').get(name, alias)?.version ?? null;
      if (from === version) return { name, alias, from, to: version, changed: false };
      const now = Date.now();
      this.pointAlias(db, name, alias, from, version, now);
      this.insertEvent(db, name, { kind: 'alias', alias, version, from, to: version }, actor, now);
      return { name, alias, from, to: version, changed: true };
    });
  }

  /** Removes `alias`; the history keeps the move (to: null). */
  removeAlias(name: string, alias: string, actor: RegistryActor): AliasMove {
    checkModelName(name, 'model');
    return this.tables.write(`could not remove alias '${alias}' of model '${name}'`, (db) => {
      this.requireModel(db, name);
      const from = db.prepare<[string, string], { version: number }>('SELECT version FROM model_aliases WHERE name = ? AND alias = ?').get(name, alias)?.version;
      if (from === undefined) throw new RegistryError('not-found', `model '${name}' has no alias '${alias}'; ${this.aliasList(db, name)}`, 'alias');
      db.prepare('DELETE FROM model_aliases WHERE name = ? AND alias = ?').run(name, alias);
      this.insertEvent(db, name, { kind: 'alias', alias, version: from, from, to: null }, actor, Date.now());
      return { name, alias, from, to: null, changed: true };
    });
  }

  /**
   * Archives a version: it stays (immutable, still loadable by number) but is no longer the
   * latest, and no alias may point at it. A version an alias points at is refused, naming
   * the alias: moving a `champion` away must be a decision, not a side effect.
   */
  archive(name: string, version: number, actor: RegistryActor): { name: string; version: number; changed: boolean } {
    checkModelName(name, 'model');
    return this.tables.write(`could not archive version ${version} of model '${name}'`, (db) => {
      this.requireModel(db, name);
      const row = this.requireVersion(db, name, version);
      if (row.archived_at !== null) return { name, version, changed: false };
      const aliases = db.prepare<[string, number], { alias: string }>('SELECT alias FROM model_aliases WHERE name = ? AND version = ? ORDER BY alias').all(name, version).map((found) => found.alias);
      if (aliases.length > 0) {
        const which = aliases.map((found) => `'${found}'`).join(', ');
        throw new RegistryError('conflict', `model '${name}' version ${version} is what ${which} point${aliases.length === 1 ? 's' : ''} at; point ${aliases.length === 1 ? 'it' : 'them'} at another version (or remove ${aliases.length === 1 ? 'it' : 'them'}) first`, 'version');
      }
      const now = Date.now();
      db.prepare('UPDATE model_versions SET archived_at = ? WHERE name = ? AND version = ?').run(now, name, version);
      this.insertEvent(db, name, { kind: 'archive', version }, actor, now);
      return { name, version, changed: true };
    });
  }

  // Internals ---------------------------------------------------------------------------

  private pointAlias(db: Database.Database, name: string, alias: string, from: number | null, to: number, now: number): void {
    if (from === null) db.prepare('INSERT INTO model_aliases (name, alias, version, updated_at) VALUES (?, ?, ?, ?)').run(name, alias, to, now);
    else if (from !== to) db.prepare('UPDATE model_aliases SET version = ?, updated_at = ? WHERE name = ? AND alias = ?').run(to, now, name, alias);
  }

  private insertEvent(db: Database.Database, name: string, fields: EventFields, actor: RegistryActor, now: number): void {
    const columns = actorColumns(actor);
    db.prepare(
      `INSERT INTO registry_events (name, kind, version, alias, from_version, to_version, run_id, node_id, command, detail_json, time)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(name, fields.kind, fields.version ?? null, fields.alias ?? null, fields.from ?? null, fields.to ?? null, columns.run_id, columns.node_id, columns.command, fields.detail === undefined ? null : JSON.stringify(fields.detail), now);
  }

  private requireModel(db: Database.Database, name: string): number {
    const row = db.prepare<[string], { created_at: number }>('SELECT created_at FROM models WHERE name = ?').get(name);
    if (row) return row.created_at;
    const names = db.prepare<[], { name: string }>('SELECT name FROM models ORDER BY name').all().map((model) => model.name);
    throw new RegistryError(
      'not-found',
      names.length === 0
        ? `no model '${name}' in the registry: it is empty (a registry.register node adds versions)`
        : `no model '${name}' in the registry; models: ${names.join(', ')}`,
      'model',
    );
  }

  private requireVersion(db: Database.Database, name: string, version: number): VersionRow {
    const row = db.prepare<[string, number], VersionRow>('SELECT * FROM model_versions WHERE name = ? AND version = ?').get(name, version);
    if (row) return row;
    throw new RegistryError('not-found', `model '${name}' has no version ${version}; its versions: ${this.versionList(db, name)}`, 'version');
  }

  /** `1, 2 (archived), 3` — or only the live ones. */
  private versionList(db: Database.Database, name: string, liveOnly = false): string {
    const rows = db.prepare<[string], { version: number; archived_at: number | null }>('SELECT version, archived_at FROM model_versions WHERE name = ? ORDER BY version').all(name);
    const shown = rows.filter((row) => !liveOnly || row.archived_at === null).map((row) => (row.archived_at === null ? String(row.version) : `${row.version} (archived)`));
    return listed(shown, liveOnly ? 'none is live' : 'none');
  }

  private aliasList(db: Database.Database, name: string): string {
    const rows = db.prepare<[string], { alias: string; version: number }>('SELECT alias, version FROM model_aliases WHERE name = ? ORDER BY alias').all(name);
    return rows.length === 0 ? `it has no aliases yet (versions: ${this.versionList(db, name)}; or use @${LATEST})` : `its aliases: ${rows.map((row) => `${row.alias} (v${row.version})`).join(', ')}`;
  }

  private versionRows(db: Database.Database, name: string): VersionRow[] {
    return db.prepare<[string], VersionRow>('SELECT * FROM model_versions WHERE name = ? ORDER BY version').all(name);
  }

  private eventRows(db: Database.Database, name: string): RegistryEvent[] {
    return db.prepare<[string], EventRow>('SELECT * FROM registry_events WHERE name = ? ORDER BY id').all(name).map(toEvent);
  }

  private summary(db: Database.Database, name: string, createdAt: number): ModelSummary {
    const counts = db
      .prepare<[string], { total: number; archived: number; latest: number | null }>(
        'SELECT COUNT(*) AS total, COUNT(archived_at) AS archived, MAX(CASE WHEN archived_at IS NULL THEN version END) AS latest FROM model_versions WHERE name = ?',
      )
      .get(name)!;
    const aliases = Object.fromEntries(
      db.prepare<[string], { alias: string; version: number }>('SELECT alias, version FROM model_aliases WHERE name = ? ORDER BY alias').all(name).map((row) => [row.alias, row.version]),
    );
    const updated = db.prepare<[string], { time: number | null }>('SELECT MAX(time) AS time FROM registry_events WHERE name = ?').get(name)?.time ?? createdAt;
    return { name, createdAt, updatedAt: updated, versionCount: counts.total, archivedCount: counts.archived, latestVersion: counts.latest, aliases };
  }

  private toRecord(db: Database.Database, row: VersionRow): ModelVersionRecord {
    const aliases = db.prepare<[string, number], { alias: string }>('SELECT alias FROM model_aliases WHERE name = ? AND version = ? ORDER BY alias').all(row.name, row.version).map((found) => found.alias);
    return {
      name: row.name,
      version: row.version,
      artifact: row.artifact_hash,
      createdAt: row.created_at,
      archivedAt: row.archived_at,
      registeredBy: { runId: row.run_id, nodeId: row.node_id },
      lineage: { runId: row.trained_run_id, nodeId: row.trained_node_id, pipelineHash: row.pipeline_hash, dataHashes: JSON.parse(row.data_hashes_json) as string[] },
      metrics: JSON.parse(row.metrics_json) as Record<string, number>,
      schema: JSON.parse(row.schema_json) as ModelSchema,
      backend: row.backend,
      description: row.description,
      tags: JSON.parse(row.tags_json) as Record<string, string>,
      aliases,
    };
  }
}

function parseGateParam(text: string): Gate {
  try {
    return parseGate(text);
  } catch (error) {
    if (error instanceof GateSyntaxError) throw new RegistryError('invalid', `gate: ${error.message}`, 'gate');
    throw error;
  }
}

function checkTags(tags: Readonly<Record<string, string>>): Record<string, string> {
  const checked: Record<string, string> = {};
  for (const [key, value] of Object.entries(tags)) {
    if (!TAG_KEY.test(key)) throw new RegistryError('invalid', `tag '${key}': a tag key is 1 to 64 letters, digits, '_', '.', ':', '/' or '-'`, 'tags');
    if (typeof value !== 'string' || value.length > MAX_TAG_VALUE) throw new RegistryError('invalid', `tag '${key}': the value must be text of at most ${MAX_TAG_VALUE} characters`, 'tags');
    checked[key] = value;
  }
  return checked;
}
