/**
 * A model image in one call, for deploy.container: write the build context, build it on
 * the Docker engine, save it as a tarball.
 * esbuild and dockerode load on first use, never at start-up.
 */
import type { ModelLineage } from '../base/context.js';
import { NodeError } from '../base/errors.js';

export interface ModelImageRequest {
  /** The model bundle folder (a `model` input's dir). */
  readonly modelDir: string;
  /** Which run trained the model (ctx.lineage), for the image's labels; undefined when unknown. */
  readonly lineage?: ModelLineage | undefined;
  readonly outDir: string;
  readonly tag: string;
  readonly name: string;
  readonly baseImage?: string | undefined;
  /** Build the image (false: only write the context and manifests). */
  readonly build: boolean;
  /** Also save the image as a `docker load` tarball here. */
  readonly save?: string | undefined;
  /** One line per build step. */
  readonly onProgress?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface ModelImageResult {
  readonly tag: string;
  readonly imageId: string | null;
  readonly contextDir: string;
  readonly manifests: { readonly deployment: string; readonly inferenceService: string };
  readonly labels: Readonly<Record<string, string>>;
  readonly modelDigest: string;
  readonly baseImage: string;
  readonly saved: string | null;
}

/** Writes the build context of a model image, and builds (and saves) it unless `build` is false. */
export async function exportModelImage(request: ModelImageRequest): Promise<ModelImageResult> {
  try {
    return await exportWith(request);
  } catch (error) {
    // The batch image (export-pipeline) leaves esbuild and dockerode out: say so, not a stack.
    const code = (error as NodeJS.ErrnoException).code;
    const missing = /(?:package|module) '([^']+)'/.exec((error as Error).message)?.[1];
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && (missing === 'esbuild' || missing === 'dockerode')) {
      throw new NodeError(`packaging an image needs '${missing}', which this installation lacks (the batch image leaves it out); run deploy.container from the app or the tensorloom CLI`);
    }
    throw error;
  }
}

async function exportWith(request: ModelImageRequest): Promise<ModelImageResult> {
  const deploy = await import('./index.js');
  const context = await deploy.writeBuildContext({
    modelDir: request.modelDir,
    outDir: request.outDir,
    tag: request.tag,
    name: request.name,
    lineage: request.lineage ? { runId: request.lineage.runId, pipelineHash: request.lineage.pipelineHash, dataHashes: [...request.lineage.dataHashes] } : {},
    ...(request.baseImage === undefined ? {} : { baseImage: request.baseImage }),
  });
  const result = {
    tag: context.tag,
    contextDir: context.dir,
    manifests: context.manifests,
    labels: context.labels,
    modelDigest: context.modelDigest,
    baseImage: context.baseImage,
  };
  if (!request.build) return { ...result, imageId: null, saved: null };
  try {
    const imageId = await deploy.buildAndSave(context.dir, {
      tag: request.tag,
      save: request.save,
      skipHint: "set the param 'build' to false",
      ...(request.onProgress ? { onProgress: request.onProgress } : {}),
      ...(request.signal ? { signal: request.signal } : {}),
    });
    return { ...result, imageId, saved: request.save ?? null };
  } catch (error) {
    // The engine missing, a failed build or save: things to fix outside Tensorloom, reported without a stack.
    if (deploy.isDockerError(error)) throw new NodeError(error.message, { field: error.code === 'save-failed' ? 'save' : 'build' });
    throw error;
  }
}
