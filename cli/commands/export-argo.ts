/**
 * `tensorloom export-pipeline <pipeline.json> --target argo --image IMG (--volume-claim NAME |
 * --s3-bucket B) [--schedule CRON] [--gpu]`: writes the pipeline as an Argo Workflow, or a
 * CronWorkflow (core/deploy/argo.ts). Its steps run the batch image that
 * `tensorloom export-pipeline --tag IMG` builds.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import { isNodeError } from '../../core/base/errors.js';
import { resolveInside } from '../../core/base/paths.js';
import { argoYaml, DEFAULT_GPU_SELECTOR, workflowName, type ArgoStorage } from '../../core/deploy/argo.js';
import type { LoadedPipeline } from '../load.js';
import { displayPath } from '../load.js';
import { bold, green, UsageError } from '../output.js';

export interface ExportArgoOptions {
  image?: string;
  volumeClaim?: string;
  s3Bucket?: string;
  s3Endpoint?: string;
  s3Secret?: string;
  schedule?: string;
  gpu: boolean;
  gpuSelector?: string;
  out?: string;
  json: boolean;
}

const FLAGS: Record<string, string> = { image: '--image', volumeClaim: '--volume-claim', s3Bucket: '--s3-bucket', schedule: '--schedule' };

function storageOf(options: ExportArgoOptions): ArgoStorage {
  if (options.volumeClaim !== undefined && options.s3Bucket !== undefined) throw new UsageError('--volume-claim and --s3-bucket do not go together: the artifact store is one or the other');
  if (options.volumeClaim !== undefined) {
    if (options.s3Endpoint !== undefined || options.s3Secret !== undefined) throw new UsageError('--s3-endpoint and --s3-secret go with --s3-bucket');
    return { kind: 'volume-claim', claim: options.volumeClaim };
  }
  if (options.s3Bucket !== undefined) {
    const endpoint = options.s3Endpoint ?? 's3.amazonaws.com';
    return { kind: 's3', bucket: options.s3Bucket, endpoint: endpoint.replace(/^https?:\/\//, '').replace(/\/+$/, ''), insecure: endpoint.startsWith('http://'), secret: options.s3Secret ?? 'tensorloom-s3' };
  }
  throw new UsageError("'--target argo' needs the shared artifact store: --volume-claim NAME (a ReadWriteMany PersistentVolumeClaim) or --s3-bucket BUCKET");
}

function gpuSelector(text: string | undefined): Record<string, string> {
  if (text === undefined) return { ...DEFAULT_GPU_SELECTOR };
  const selector: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const match = /^([A-Za-z0-9./_-]+)=([A-Za-z0-9._-]*)$/.exec(pair.trim());
    if (!match) throw new UsageError(`--gpu-selector '${text}': use label=value pairs separated by commas, e.g. nvidia.com/gpu.product=NVIDIA-H100-80GB-HBM3`);
    selector[match[1]!] = match[2]!;
  }
  return selector;
}

/**
 * Every file the pipeline reads must be in the image, which holds the pipeline's folder: a
 * file outside it (or missing) is refused, naming the node, param and file.
 */
function checkSourceFiles(loaded: Extract<LoadedPipeline, { ok: true }>): void {
  const folder = dirname(loaded.path);
  const problems: string[] = [];
  for (const node of loaded.pipeline.nodes.values()) {
    for (const source of node.definition.sourceFiles?.(node.params as never) ?? []) {
      let absolute: string;
      try {
        absolute = resolveInside(folder, folder, source.path, source.param);
      } catch (error) {
        if (!isNodeError(error)) throw error;
        problems.push(`node '${node.id}' param '${source.param}' reads ${source.path}, outside the pipeline's folder ${displayPath(folder)} (the workflow's workspace)`);
        continue;
      }
      const rel = relative(folder, absolute);
      if (rel.split(sep).includes('.tensorloom')) problems.push(`node '${node.id}' param '${source.param}' reads ${source.path} inside the .tensorloom store`);
      else if (!existsSync(absolute)) problems.push(`node '${node.id}' param '${source.param}': ${source.path} does not exist`);
    }
  }
  if (problems.length > 0) {
    throw new UsageError(`cannot export ${loaded.shown} as a workflow: its steps read only files inside the pipeline's folder, which the image holds: ${problems.join('; ')}`);
  }
}

export async function exportArgoCommand(loaded: Extract<LoadedPipeline, { ok: true }>, options: ExportArgoOptions): Promise<number> {
  if (options.image === undefined) throw new UsageError("'--target argo' needs --image IMG: the batch image its steps run (build it with 'tensorloom export-pipeline <pipeline> --tag IMG', push it where the cluster pulls from)");
  if (options.gpuSelector !== undefined && !options.gpu) throw new UsageError('--gpu-selector goes with --gpu');
  const storage = storageOf(options);
  checkSourceFiles(loaded);
  let text: string;
  try {
    text = argoYaml({
      pipeline: loaded.pipeline,
      pipelineFile: basename(loaded.path),
      image: options.image,
      storage,
      ...(options.schedule === undefined ? {} : { schedule: options.schedule }),
      ...(options.gpu ? { gpu: { selector: gpuSelector(options.gpuSelector) } } : {}),
    });
  } catch (error) {
    if (isNodeError(error)) {
      const flag = error.field === undefined ? undefined : FLAGS[error.field];
      throw new UsageError(flag !== undefined && error.message.startsWith(`${error.field} `) ? `${flag}${error.message.slice(error.field!.length)}` : error.message);
    }
    throw error;
  }
  const name = workflowName(loaded.pipeline.doc.name);
  const kind = options.schedule === undefined ? 'workflow' : 'cronworkflow';
  const out = resolve(options.out ?? `${name}.${kind}.yaml`);
  mkdirSync(dirname(out), { recursive: true });
  const temp = `${out}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, out);
  const shown = displayPath(out);
  const next = [
    `tensorloom export-pipeline ${loaded.shown} --tag ${options.image}   # the image every step runs; docker push ${options.image}`,
    options.schedule === undefined ? `argo submit ${shown} --watch` : `argo cron create ${shown}`,
    storage.kind === 'volume-claim'
      ? `tensorloom import-results <claim mounted as DIR/.tensorloom>/results   # the steps' results into the run history`
      : `tensorloom import-results <the tasks' store artifacts, downloaded>   # the steps' results into the run history`,
  ];
  if (options.json) {
    process.stdout.write(JSON.stringify({ file: out, kind: options.schedule === undefined ? 'Workflow' : 'CronWorkflow', name, image: options.image, storage, next }, null, 2) + '\n');
    return 0;
  }
  process.stderr.write(`${green('✓', process.stderr)} wrote ${bold(shown, process.stderr)}: ${loaded.pipeline.order.length} steps of ${loaded.shown} as an Argo ${options.schedule === undefined ? 'Workflow' : `CronWorkflow (${options.schedule})`}\n`);
  process.stdout.write(`next:\n${next.map((line) => `  ${line}`).join('\n')}\n`);
  return 0;
}
