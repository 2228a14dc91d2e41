/**
 * `tensorloom export <model>`: writes a model image's build context (core/deploy), builds
 * it on the Docker engine with progress on stderr, and optionally saves a tarball.
 */
import { resolve } from 'node:path';
import { buildAndSave, isDockerError, parseImageReference, SERVER_PORT, writeBuildContext } from '../../core/deploy/index.js';
import { isNodeError } from '../../core/base/errors.js';
import { createRegistry } from '../catalog.js';
import { displayPath } from '../load.js';
import { bold, dim, green, UsageError } from '../output.js';
import { resolveModelRef } from '../model-ref.js';

export interface ExportOptions {
  model: string;
  tag: string | undefined;
  baseImage?: string;
  out?: string;
  build: boolean;
  save?: string;
  name?: string;
  workspace?: string;
  json: boolean;
}

/** The engine's step lines only ("Step 3/12 : COPY …"), shortened: one line per step on stderr. */
export function stepPrinter(): (line: string) => void {
  return (line) => {
    if (!/^Step \d+\/\d+ : /.test(line) && !/^base image /.test(line)) return;
    const width = Math.max(60, (process.stderr.columns ?? 120) - 1);
    process.stderr.write(dim(`  ${line.length > width ? `${line.slice(0, width - 1)}…` : line}`, process.stderr) + '\n');
  };
}

/** Runs `work` with Ctrl-C aborting its signal (a second Ctrl-C quits at once). */
export async function withInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write('\ncancelling the build… (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The options behind core/deploy's field names (they are the deploy node's param names). */
const FLAGS: Record<string, string> = { tag: '--tag', baseImage: '--base-image', name: '--name', outDir: '--out' };

/** Core errors a user can act on become one line and an exit code: bad input 2, Docker trouble 1. */
export async function asUsageErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isNodeError(error)) {
      const flag = error.field === undefined ? undefined : FLAGS[error.field];
      throw new UsageError(flag && error.message.startsWith(`${error.field} `) ? `${flag}${error.message.slice(error.field!.length)}` : error.message);
    }
    if (isDockerError(error)) throw new UsageError(error.message, error.code === 'cancelled' ? 130 : 1);
    throw error;
  }
}

/** --tag is required and checked before anything is written. */
export async function requireTag(tag: string | undefined, command: string): Promise<string> {
  if (tag === undefined) throw new UsageError(`'tensorloom ${command}' needs --tag NAME[:TAG], the image to build (e.g. --tag my-model:1)`);
  await asUsageErrors(async () => parseImageReference(tag, 'tag', { allowDigest: false }));
  return tag;
}

/** Builds (and saves) with progress on stderr and Ctrl-C cancelling; engine and build trouble become one line. */
export function buildCommandImage(contextDir: string, shown: string, tag: string, baseImage: string, save: string | undefined): Promise<string> {
  return asUsageErrors(() =>
    withInterrupt((signal) =>
      buildAndSave(contextDir, {
        tag,
        save,
        signal,
        shownAs: shown,
        onProgress: stepPrinter(),
        onBuildStart: () => process.stderr.write(`building ${bold(tag, process.stderr)} from ${baseImage}\n`),
      }),
    ),
  );
}

export async function exportCommand(options: ExportOptions): Promise<number> {
  const tag = await requireTag(options.tag, 'export');
  const model = await resolveModelRef(options.model, options.workspace);
  // The image bundles the code of the node packs whose step kinds the model's recipe uses.
  await createRegistry({ workspace: resolve(options.workspace ?? model.workspace ?? '.') });
  // A registry reference exports that version, named after the model unless --name says otherwise.
  const registered = model.registry;
  const name = options.name ?? registered?.name ?? 'model';
  const outDir = options.out ?? `${name}-image`;
  const context = await asUsageErrors(() =>
    writeBuildContext({
      modelDir: model.dir,
      outDir,
      tag,
      name,
      lineage: model.lineage,
      ...(registered === undefined ? {} : { version: String(registered.version) }),
      ...(options.baseImage === undefined ? {} : { baseImage: options.baseImage }),
    }),
  );
  const shown = displayPath(context.dir);
  const say = (line: string) => process.stderr.write(line + '\n');
  say(`${green('✓', process.stderr)} build context for model ${context.modelDigest.slice(0, 19)}… written to ${bold(shown, process.stderr)}`);
  if (registered) say(dim(`  registry: ${registered.name} version ${registered.version}${registered.alias === undefined ? '' : ` (${registered.alias})`}${registered.archived ? ', archived' : ''}`, process.stderr));
  if (model.lineage.runId === undefined) say(dim('  lineage: no run in this workspace produced this model; run, pipeline and data labels say unknown', process.stderr));
  else say(dim(`  lineage: run ${model.lineage.runId}, node ${model.lineage.nodeId ?? '?'}`, process.stderr));
  const manifests = [context.manifests.deployment, context.manifests.inferenceService].map(displayPath);
  const result: Record<string, unknown> = {
    context: context.dir,
    tag,
    modelDigest: context.modelDigest,
    ...(registered === undefined ? {} : { model: { name: registered.name, version: registered.version, ...(registered.alias === undefined ? {} : { alias: registered.alias }) } }),
    baseImage: context.baseImage,
    labels: context.labels,
    manifests,
  };
  if (!options.build) {
    say(`not built (--no-build); build it with: docker build -t ${tag} ${shown}`);
    say(`Kubernetes manifests: ${manifests.join(', ')}`);
    if (options.json) process.stdout.write(JSON.stringify({ ...result, imageId: null }, null, 2) + '\n');
    return 0;
  }
  const started = Date.now();
  const imageId = await buildCommandImage(context.dir, shown, tag, context.baseImage, options.save);
  if (options.save !== undefined) say(`${green('✓', process.stderr)} saved ${tag} to ${displayPath(resolve(options.save))} (load it with: docker load -i ${options.save})`);
  say(`${green('✓', process.stderr)} built ${tag} (${imageId.slice(0, 19)}…) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (options.json) {
    process.stdout.write(JSON.stringify({ ...result, imageId, saved: options.save === undefined ? null : resolve(options.save) }, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(`image ${tag}\nid ${imageId}\n`);
  process.stdout.write(`run it:  docker run --rm -p ${SERVER_PORT}:${SERVER_PORT} ${tag}\n`);
  process.stdout.write(`try it:  curl localhost:${SERVER_PORT}/v2/health/ready\n`);
  process.stdout.write(`Kubernetes: kubectl apply -f ${manifests[0]}   (KServe: ${manifests[1]})\n`);
  return 0;
}
