/**
 * The Dockerfile of an exported model image. No RUN steps: the build only copies files
 * onto the base image, so it needs no shell in the image and no network once the base
 * image is on the engine.
 */

/** Official Node image, pinned by major to the Node the server bundle targets. */
export const DEFAULT_BASE_IMAGE = 'node:20-bookworm-slim';
/** Numeric, so it works on any base image, even one without /etc/passwd. */
export const RUNTIME_USER = '10001:10001';
export const SERVER_PORT = 8080;
export const APP_DIR = '/app';

/** Label keys the image carries (OCI annotations plus Tensorloom lineage). */
export const LABEL = {
  title: 'org.opencontainers.image.title',
  description: 'org.opencontainers.image.description',
  version: 'org.opencontainers.image.version',
  created: 'org.opencontainers.image.created',
  vendor: 'org.opencontainers.image.vendor',
  modelName: 'io.tensorloom.model.name',
  modelVersion: 'io.tensorloom.model.version',
  modelDigest: 'io.tensorloom.model.digest',
  runId: 'io.tensorloom.run-id',
  pipelineHash: 'io.tensorloom.pipeline-hash',
  dataHashes: 'io.tensorloom.data-hashes',
  tensorloomCreated: 'io.tensorloom.created',
  pipelineName: 'io.tensorloom.pipeline.name',
} as const;

/** Where a model came from; what is not known is labelled `unknown`, never left out. */
export interface Lineage {
  readonly runId?: string | undefined;
  readonly pipelineHash?: string | undefined;
  readonly dataHashes?: readonly string[] | undefined;
}

export const UNKNOWN = 'unknown';

export function imageLabels(options: {
  title: string;
  description: string;
  modelName: string;
  modelVersion: string;
  modelDigest: string;
  lineage: Lineage;
  created: Date;
}): Record<string, string> {
  const created = options.created.toISOString();
  const known = (value: string | undefined) => (value === undefined || value === '' ? UNKNOWN : value);
  return {
    [LABEL.title]: options.title,
    [LABEL.description]: options.description,
    [LABEL.version]: options.modelVersion,
    [LABEL.created]: created,
    [LABEL.vendor]: 'Tensorloom',
    [LABEL.modelName]: options.modelName,
    [LABEL.modelVersion]: options.modelVersion,
    [LABEL.modelDigest]: options.modelDigest,
    [LABEL.runId]: known(options.lineage.runId),
    [LABEL.pipelineHash]: known(options.lineage.pipelineHash),
    [LABEL.dataHashes]: options.lineage.dataHashes && options.lineage.dataHashes.length > 0 ? options.lineage.dataHashes.join(',') : UNKNOWN,
    [LABEL.tensorloomCreated]: created,
  };
}

/** Labels of a batch image (export-pipeline): what it runs, not a model. */
export function pipelineLabels(options: { pipelineName: string; pipelineHash: string; tensorloomVersion: string; created: Date }): Record<string, string> {
  const created = options.created.toISOString();
  return {
    [LABEL.title]: `tensorloom-${options.pipelineName}`,
    [LABEL.description]: `Tensorloom batch run of the pipeline '${options.pipelineName}' (tensorloom run)`,
    [LABEL.version]: options.tensorloomVersion,
    [LABEL.created]: created,
    [LABEL.vendor]: 'Tensorloom',
    [LABEL.pipelineName]: options.pipelineName,
    [LABEL.pipelineHash]: options.pipelineHash,
    [LABEL.tensorloomCreated]: created,
  };
}

/**
 * A Dockerfile string literal: JSON quoting is what Docker's parser reads for LABEL and
 * ENV values (backslash escapes inside double quotes), and `$` is escaped so a value is
 * never expanded as a variable.
 */
export function dockerQuote(value: string): string {
  // eslint-disable-next-line no-control-regex
  const printable = value.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return JSON.stringify(printable).replace(/\$/g, '\\$');
}

/** Files copied into the folder `to`, or a context folder's contents copied into `to` (owned by root unless `chown`). */
export type CopyStep = { readonly files: readonly string[]; readonly to: string } | { readonly folder: string; readonly to: string; readonly chown?: string };

export interface DockerfileSpec {
  readonly baseImage: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  /**
   * COPY steps, ordered from least to most often changing, so a rebuild reuses the engine's layer cache.
   */
  readonly copy: readonly CopyStep[];
  /** The working folder of the process (default /app). */
  readonly workdir?: string;
  readonly entrypoint: readonly string[];
  /** Default arguments after the entrypoint (CMD), if any. */
  readonly cmd?: readonly string[];
  readonly healthcheck?: readonly string[];
  readonly expose?: number;
  readonly comment: string;
}

function copyStep(step: CopyStep): string {
  if ('files' in step) return `COPY ${step.files.join(' ')} ${step.to}/`;
  return `COPY ${step.chown ? `--chown=${step.chown} ` : ''}${step.folder}/ ${step.to}/`;
}

export function dockerfile(spec: DockerfileSpec): string {
  const lines: string[] = [];
  for (const line of spec.comment.split('\n')) lines.push(`# ${line}`.trimEnd());
  lines.push(`ARG BASE_IMAGE=${spec.baseImage}`, 'FROM ${BASE_IMAGE}', '');
  lines.push('# Files belong to root (COPY without --chown): the runtime user can read them, never change them.');
  for (const step of spec.copy) lines.push(copyStep(step));
  lines.push(`WORKDIR ${spec.workdir ?? APP_DIR}`);
  const envLines = Object.entries(spec.env).map(([key, value]) => `${key}=${dockerQuote(value)}`);
  lines.push('', `ENV ${envLines.join(' \\\n    ')}`, '');
  lines.push('# A numeric user: non-root on any base image, with or without an /etc/passwd entry.');
  lines.push(`USER ${RUNTIME_USER}`);
  if (spec.expose !== undefined) lines.push(`EXPOSE ${spec.expose}`);
  if (spec.healthcheck) lines.push(`HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ${JSON.stringify(spec.healthcheck)}`);
  lines.push('# Exec form: node is PID 1 and receives SIGTERM itself, so it drains and exits cleanly.');
  lines.push(`ENTRYPOINT ${JSON.stringify(spec.entrypoint)}`);
  if (spec.cmd) lines.push(`CMD ${JSON.stringify(spec.cmd)}`);
  // Last: the created time changes on every build, and every step before it stays cached.
  const labelLines = Object.entries(spec.labels).map(([key, value]) => `${key}=${dockerQuote(value)}`);
  lines.push('', `LABEL ${labelLines.join(' \\\n      ')}`);
  return lines.join('\n') + '\n';
}
