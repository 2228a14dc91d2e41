/**
 * The model registry's routes (API.md, "Model registry"): what a models page reads (models,
 * one model with its versions and aliases' history, one version with its lineage back to
 * the runs, pipeline file and data) and the one change it makes: pointing an alias.
 */
import type { IncomingMessage } from 'node:http';
import { isRegistryError, ModelRegistry, parseModelRef, versionNumber, type RunFacts } from '../registry/index.js';
import type { ApiAnswer, ApiContext } from './api.js';
import { HttpError, readJsonBody } from './http.js';
import { workspacePath } from './workspace-files.js';

const STATUS = { invalid: 400, 'not-found': 404, conflict: 409 } as const;

/** Registry mistakes become 400 / 404 / 409 with the registry's message (and the field it is about). */
function answering<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (isRegistryError(error)) throw new HttpError(STATUS[error.code], error.message, error.field === undefined ? {} : { field: error.field });
    throw error;
  }
}

export function listModels(ctx: ApiContext): ApiAnswer {
  return { body: new ModelRegistry(ctx.store).list() };
}

export function getModel(ctx: ApiContext, _req: IncomingMessage, _url: URL, [name]: string[]): ApiAnswer {
  return answering(() => ({ body: new ModelRegistry(ctx.store).model(name!) }));
}

/** `:ref` is a version number (`3`, `v3`), an alias or `latest`. */
export function getModelVersion(ctx: ApiContext, _req: IncomingMessage, _url: URL, [name, ref]: string[]): ApiAnswer {
  return answering(() => {
    const registry = new ModelRegistry(ctx.store);
    const parsed = parseModelRef(`${name}@${ref}`);
    const found = registry.resolveSelector(parsed.name, parsed.selector);
    const provenance = registry.lineage(found.record);
    const run = (facts: RunFacts | null) => (facts === null ? null : { ...facts, ...(facts.pipelinePath === undefined ? {} : { pipelinePath: workspacePath(ctx.root, facts.pipelinePath) }) });
    return {
      body: {
        ...found.record,
        resolvedVia: found.via,
        ...(found.alias === undefined ? {} : { resolvedAlias: found.alias }),
        provenance: { ...provenance, registeredBy: run(provenance.registeredBy), trainedBy: run(provenance.trainedBy) },
      },
    };
  });
}

/** `{ alias, version }` points the alias at the version; `version: null` removes the alias. */
export async function setModelAlias(ctx: ApiContext, req: IncomingMessage, _url: URL, [name]: string[]): Promise<ApiAnswer> {
  const body = await readJsonBody(req);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, "the body must be a JSON object: { alias, version }");
  const { alias, version } = body as { alias?: unknown; version?: unknown };
  if (typeof alias !== 'string' || alias === '') throw new HttpError(400, "'alias' must be the alias's name, e.g. champion", { field: 'alias' });
  const number = typeof version === 'number' ? (Number.isInteger(version) && version > 0 ? version : undefined) : typeof version === 'string' ? versionNumber(version) : undefined;
  if (version !== null && number === undefined) throw new HttpError(400, "'version' must be a version number (or null to remove the alias)", { field: 'version' });
  const command = `POST /api/models/${name}/aliases`;
  return answering(() => {
    const registry = new ModelRegistry(ctx.store);
    const move = number === undefined ? registry.removeAlias(name!, alias, { command }) : registry.setAlias(name!, alias, number, { command });
    return { body: move };
  });
}
