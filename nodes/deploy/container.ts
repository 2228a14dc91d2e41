/**
 * deploy.container: the model as a container image. Writes the build context (bundled
 * model server, wasm binaries, the model, Dockerfile, Kubernetes manifests; see
 * core/deploy/README.md) into the workspace, builds it on the local Docker engine and
 * optionally saves a tarball. The image's lineage labels come from the run that produced
 * the model. Its effect is outside the artifact store (a context folder, an image), so it
 * runs every time, like data.write.
 */
import { relative } from 'node:path';
import { defineNode, exportModelImage, imageReferenceProblem, NodeError, port, z } from '../../core/sdk/index.js';

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

const imageReference = (allowDigest: boolean) =>
  z.string().superRefine((value, issues) => {
    const problem = imageReferenceProblem(value, { allowDigest });
    if (problem !== undefined) issues.addIssue({ code: 'custom', message: problem });
  });

export default defineNode({
  type: 'deploy.container',
  version: 1,
  category: 'deploy',
  title: 'Container image',
  description: 'Packages the model with its server (TF Serving REST, KServe V2, /metrics) as a Docker image, with Kubernetes and KServe manifests.',
  inputs: { model: port('model', { description: 'The model to serve.' }) },
  outputs: { report: port('report', { description: 'What was made: tag, image id, build context, manifests and labels.' }) },
  params: z.object({
    tag: imageReference(false).describe('The image to build, name[:tag], e.g. penguins:1 or registry.example.com/team/penguins:1'),
    baseImage: imageReference(true).optional().describe('The image to build on (default node:20-bookworm-slim); one already on the engine builds offline'),
    name: z.string().regex(MODEL_NAME, "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit").default('model').describe('The model name in the server URLs (/v1/models/{name}:predict)'),
    build: z.boolean().default(true).describe('Build the image on the Docker engine; false only writes the build context and manifests'),
    save: z.string().min(1).optional().describe('Also write the image as a docker load tarball to this file (relative to the pipeline file)'),
    outDir: z.string().min(1).optional().describe('Where the build context goes, relative to the pipeline file (default deploy/<name>)'),
  }),
  cacheable: () => false,
  outputPaths: (params) => [
    { param: 'outDir', path: params.outDir ?? `deploy/${params.name}` },
    ...(params.save === undefined ? [] : [{ param: 'save', path: params.save }]),
  ],
  async run({ inputs, params }, ctx) {
    const outDir = ctx.workspace.resolveOutput(params.outDir ?? `deploy/${params.name}`, 'outDir');
    const save = params.save === undefined ? undefined : ctx.workspace.resolveOutput(params.save, 'save');
    if (save !== undefined && !params.build) throw new NodeError("param 'save': saving a tarball needs the image built; set 'build' to true or leave 'save' out", { field: 'save' });
    ctx.progress(0.05, 'writing the build context');
    const result = await exportModelImage({
      modelDir: inputs.model.dir,
      lineage: await ctx.lineage(inputs.model),
      outDir,
      tag: params.tag,
      name: params.name,
      baseImage: params.baseImage,
      build: params.build,
      save,
      signal: ctx.signal,
      onProgress: (line) => {
        const step = /^Step (\d+)\/(\d+) : /.exec(line);
        if (step) ctx.progress(0.2 + (0.7 * Number(step[1])) / Number(step[2]), line.slice(0, 80));
        if (step || line.startsWith('base image ')) ctx.log(line.length > 200 ? `${line.slice(0, 199)}…` : line);
      },
    });
    const fromRoot = (path: string) => relative(ctx.workspace.root, path).split('\\').join('/');
    ctx.log(result.imageId === null ? `wrote the build context to ${fromRoot(result.contextDir)} (not built)` : `built ${result.tag} (${result.imageId})`);
    ctx.progress(1);
    return {
      report: {
        tag: result.tag,
        imageId: result.imageId,
        contextDir: fromRoot(result.contextDir),
        manifests: { deployment: fromRoot(result.manifests.deployment), inferenceService: fromRoot(result.manifests.inferenceService) },
        labels: { ...result.labels },
        modelDigest: result.modelDigest,
        baseImage: result.baseImage,
        saved: result.saved === null ? null : fromRoot(result.saved),
      },
    };
  },
});
