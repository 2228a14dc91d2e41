/**
 * `tensorloom export-pipeline <pipeline.json>`: a batch image whose entrypoint is
 * `tensorloom run` on the pipeline (core/deploy/pipeline-context.ts), built like `export`.
 */
import { dirname, resolve } from 'node:path';
import { notCopiedNote, WORKSPACE_DIR, writePipelineContext } from '../../core/deploy/pipeline-context.js';
import type { NodeRegistry } from '../../core/graph/registry.js';
import { formatIssue } from '../../core/graph/index.js';
import { displayPath, loadPipeline } from '../load.js';
import { bold, green, UsageError, yellow } from '../output.js';
import { asUsageErrors, buildCommandImage, requireTag } from './export.js';
import { exportArgoCommand, type ExportArgoOptions } from './export-argo.js';

export interface ExportPipelineOptions {
  pipeline: string;
  tag: string | undefined;
  baseImage?: string;
  out?: string;
  build: boolean;
  save?: string;
  json: boolean;
  /** 'image' (default): the batch image; 'argo': an Argo workflow of the pipeline's steps (export-argo.ts). */
  target?: string;
  argo?: Omit<ExportArgoOptions, 'json'>;
}

export async function exportPipelineCommand(registry: NodeRegistry, options: ExportPipelineOptions): Promise<number> {
  const target = options.target ?? 'image';
  if (target !== 'image' && target !== 'argo') throw new UsageError(`--target ${target}: the targets are image (the batch image, the default) and argo (an Argo Workflows workflow)`);
  if (target === 'argo' && (options.tag !== undefined || options.baseImage !== undefined || options.save !== undefined || !options.build)) {
    throw new UsageError("'--target argo' writes a workflow, no image: build the image with a separate 'tensorloom export-pipeline --tag IMG' and pass it as --image IMG");
  }
  if (target === 'image' && options.argo !== undefined) throw new UsageError(`${options.argo.image !== undefined ? '--image' : 'that option'} goes with --target argo`);
  const tag = target === 'image' ? await requireTag(options.tag, 'export-pipeline') : '';
  const loaded = await loadPipeline(options.pipeline, registry);
  if (!loaded.ok) {
    process.stderr.write(`${loaded.shown} is not a valid pipeline (${loaded.issues.length} problem${loaded.issues.length === 1 ? '' : 's'}):\n`);
    for (const issue of loaded.issues) process.stderr.write(`  ${formatIssue(issue)}\n`);
    return 2;
  }
  // The batch image carries Tensorloom's own nodes only: refuse a pipeline that needs a pack before building anything.
  const fromPacks = [...loaded.pipeline.nodes.values()].filter((node) => registry.packOf(node.type) !== undefined);
  if (fromPacks.length > 0) {
    const listed = fromPacks.map((node) => `'${node.id}' (${node.type}, pack '${registry.packOf(node.type)}')`).join(', ');
    throw new UsageError(`export-pipeline cannot bundle node packs yet, and node${fromPacks.length === 1 ? '' : 's'} ${listed} come${fromPacks.length === 1 ? 's' : ''} from one; run the pipeline with the CLI and export its model with 'tensorloom export' (model images do bundle the packs their recipe needs)`);
  }
  // The workflow's steps run the batch image, so the same limits hold.
  if (target === 'argo') return exportArgoCommand(loaded, { ...(options.argo ?? { gpu: false }), json: options.json });
  const pipelineDir = dirname(loaded.path);
  // The files source nodes read: those beside the pipeline go into the image.
  const dataFiles: string[] = [];
  for (const node of loaded.pipeline.nodes.values()) {
    for (const source of node.definition.sourceFiles?.(node.params as never) ?? []) dataFiles.push(resolve(pipelineDir, source.path));
  }
  const name = loaded.pipeline.doc.name.replace(/[^A-Za-z0-9._-]+/g, '-') || 'pipeline';
  const context = await asUsageErrors(() =>
    writePipelineContext({
      pipelinePath: loaded.path,
      pipelineHash: loaded.pipeline.hash,
      dataFiles,
      outDir: options.out ?? `${name}-batch-image`,
      tag,
      ...(options.baseImage === undefined ? {} : { baseImage: options.baseImage }),
    }),
  );
  const say = (line: string) => process.stderr.write(line + '\n');
  const shown = displayPath(context.dir);
  say(`${green('✓', process.stderr)} build context for ${loaded.shown} written to ${bold(shown, process.stderr)}${context.copiedData.length > 0 ? ` (with ${context.copiedData.join(', ')})` : ''}`);
  const note = notCopiedNote(context);
  if (note) say(yellow(note, process.stderr));
  const usage = `docker run --rm --user "$(id -u):$(id -g)" -v "$PWD/runs:${WORKSPACE_DIR}/.tensorloom" -v "$PWD/data:${WORKSPACE_DIR}/input:ro" ${tag} --set <node>.path=input/<file> --json`;
  const result = { context: context.dir, tag, baseImage: context.baseImage, pipeline: context.pipelineInImage, copiedData: context.copiedData, notCopied: context.notCopied, labels: context.labels };
  if (!options.build) {
    say(`not built (--no-build); build it with: docker build -t ${tag} ${shown}`);
    if (options.json) process.stdout.write(JSON.stringify({ ...result, imageId: null }, null, 2) + '\n');
    return 0;
  }
  const imageId = await buildCommandImage(context.dir, shown, tag, context.baseImage, options.save);
  if (options.json) {
    process.stdout.write(JSON.stringify({ ...result, imageId, saved: options.save === undefined ? null : resolve(options.save) }, null, 2) + '\n');
    return 0;
  }
  process.stdout.write(`image ${tag}\nid ${imageId}\n`);
  if (options.save !== undefined) process.stdout.write(`saved ${displayPath(resolve(options.save))} (docker load -i ${options.save})\n`);
  process.stdout.write(`run it:  ${usage}\n`);
  return 0;
}


