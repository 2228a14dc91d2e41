/**
 * The deploy menu's export targets and, for each, the commands to run next in the
 * workspace folder: filled in with the saved pipeline's path and the model the shown run
 * trained, or with placeholders and what to do first when those are missing.
 */
import type { CatalogEntry } from '../api/protocol';

export type DeployTarget = 'image' | 'argo' | 'web';

export interface DeployContext {
  /** Workspace-relative path of the saved pipeline, or null when it is not saved yet. */
  readonly pipelinePath: string | null;
  readonly pipelineName: string;
  /** The model the shown run produced (a train node's 'model' output) and that node's id. */
  readonly model: { readonly id: string; readonly node: string } | null;
}

export interface DeployPlan {
  readonly target: DeployTarget;
  readonly title: string;
  readonly summary: string;
  /** What is missing before the commands work as written (save the pipeline, run it). */
  readonly first: string | null;
  readonly commands: readonly string[];
}

export const DEPLOY_TARGETS: readonly { target: DeployTarget; title: string; hint: string }[] = [
  { target: 'image', title: 'Container image', hint: 'the model behind an HTTP server (TF Serving / KServe V2)' },
  { target: 'argo', title: 'Argo workflow', hint: 'the pipeline as a DAG of steps on Kubernetes' },
  { target: 'web', title: 'Browser bundle', hint: 'the model in a static page or an ES module, offline' },
];

/** The model the run produced: a node with a 'model' output that has one, train.* nodes first. */
export function runModel(outputs: Readonly<Record<string, Readonly<Record<string, string>>>>, types: Readonly<Record<string, string>>, catalog: Readonly<Record<string, CatalogEntry>>): DeployContext['model'] {
  const candidates = Object.entries(outputs)
    .filter(([node, ports]) => ports.model !== undefined && catalog[types[node] ?? '']?.outputs.model?.type === 'model')
    .sort(([a], [b]) => Number(!(types[a] ?? '').startsWith('train.')) - Number(!(types[b] ?? '').startsWith('train.')));
  const found = candidates[0];
  return found ? { node: found[0], id: found[1].model! } : null;
}

/** A name for images and folders: lowercase letters, digits and '-'. */
export function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'pipeline';
}

/** Single quotes for a shell, when the text needs them. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_./:@=+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

export function deployPlan(target: DeployTarget, context: DeployContext): DeployPlan {
  const name = slug(context.pipelineName);
  const pipeline = context.pipelinePath === null ? `${name}.pipeline.json` : shellWord(context.pipelinePath);
  const model = context.model?.id ?? '<model id>';
  const needsModel = context.model === null ? 'Run the pipeline first: these commands take the model its train node produces.' : null;
  switch (target) {
    case 'image':
      return {
        target,
        title: 'Container image',
        summary: 'The model and its server in one image: TF Serving REST and KServe V2 on port 8080, with Kubernetes and KServe manifests.',
        first: needsModel,
        commands: [
          `npx tensorloom export ${model} --tag ${name}:1 --name ${name}`,
          `docker run --rm -p 8080:8080 ${name}:1`,
          `curl -s localhost:8080/v2/models/${name}`,
          `kubectl apply -f ${name}-image/k8s/deployment.yaml`,
        ],
      };
    case 'argo': {
      const image = `registry.example.com/${name}-batch:1`;
      return {
        target,
        title: 'Argo workflow',
        summary: "One task per node, the edges as dependencies; each task runs the pipeline's batch image on one node with the cache keys of a local run. The artifact store is a shared volume claim (or S3).",
        first: context.pipelinePath === null ? 'Save the pipeline first: the workflow runs the saved file.' : null,
        commands: [
          `npx tensorloom export-pipeline ${pipeline} --tag ${image}`,
          `docker push ${image}`,
          `npx tensorloom export-pipeline ${pipeline} --target argo --image ${image} --volume-claim tensorloom-store`,
          `argo submit ${name}.workflow.yaml --watch`,
          'npx tensorloom import-results <the claim, mounted>/.tensorloom/results',
        ],
      };
    }
    case 'web':
      return {
        target,
        title: 'Browser bundle',
        summary: 'The model in a static page (a form and a CSV drop zone) that predicts in the browser with TensorFlow.js, from file:// or any static server, offline; or as an ES module with predict(rows) and its types.',
        first: needsModel,
        commands: [`npx tensorloom export-web ${model} --out ${name}-web`, `open ${name}-web/index.html`, `npx tensorloom export-web ${model} --out ${name}-model --format esm`],
      };
  }
}
