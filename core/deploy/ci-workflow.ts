/**
 * A GitHub Actions workflow for a pipeline kept in git: validate and run it on every push
 * and pull request (the run's JSON kept as an artifact), and on the default branch export
 * the trained model as an image. The model is found in the run JSON: `outputs.<node>.model`
 * is the model's artifact id, which `tensorloom export` takes.
 */
import { toYaml } from './yaml.js';

export interface WorkflowOptions {
  /** The pipeline file, relative to the repository root, '/'-separated. */
  readonly pipeline: string;
  /** The workspace (the pipeline's folder unless the run is given another), relative to the root. */
  readonly workspace: string;
  /** The node whose `model` output is exported. */
  readonly modelNode: string;
  /** The image tag; may use expressions such as ${{ github.sha }}. */
  readonly tag: string;
  readonly name: string;
}

export const RUN_JSON = 'tensorloom-run.json';
export const IMAGE_TAR = 'model-image.tar';

/** Shell-quotes for bash (single quotes; GitHub expressions are expanded before the shell runs). */
function sh(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function githubWorkflow(options: WorkflowOptions): string {
  // Node ids are letters, digits, '_' and '-': safe inside these quotes.
  const read = [
    `const run = JSON.parse(require("fs").readFileSync("${RUN_JSON}", "utf8"));`,
    `const id = run.outputs?.["${options.modelNode}"]?.model;`,
    `if (!id) { console.error("the run has no model output from node ${options.modelNode}"); process.exit(1); }`,
    'console.log(id);',
  ].join(' ');
  return toYaml({
    name: `tensorloom ${options.name}`,
    on: { push: {}, pull_request: {}, workflow_dispatch: {} },
    permissions: { contents: 'read' },
    jobs: {
      pipeline: {
        'runs-on': 'ubuntu-latest',
        'timeout-minutes': 30,
        steps: [
          { uses: 'actions/checkout@v4' },
          { uses: 'actions/setup-node@v4', with: { 'node-version': 20, cache: 'npm' } },
          { name: 'Install', run: 'npm ci' },
          { name: 'Validate the pipeline', run: `npx tensorloom validate ${sh(options.pipeline)}` },
          { name: 'Run the pipeline', run: `npx tensorloom run ${sh(options.pipeline)} --workspace ${sh(options.workspace)} --json > ${RUN_JSON}` },
          { name: 'Keep the run record', if: 'always()', uses: 'actions/upload-artifact@v4', with: { name: 'tensorloom-run', path: RUN_JSON, 'if-no-files-found': 'warn' } },
          {
            name: 'Export the model image',
            if: "github.event_name != 'pull_request' && github.ref == format('refs/heads/{0}', github.event.repository.default_branch)",
            // The model id is the train node's `model` output in the run JSON (an artifact in the workspace store).
            run: [
              `model=$(node -e ${sh(read)})`,
              `npx tensorloom export "$model" --workspace ${sh(options.workspace)} --name ${sh(options.name)} --tag ${sh(options.tag)} --save ${IMAGE_TAR} --out model-image`,
            ].join('\n'),
          },
          {
            name: 'Keep the image and manifests',
            if: "github.event_name != 'pull_request' && github.ref == format('refs/heads/{0}', github.event.repository.default_branch)",
            uses: 'actions/upload-artifact@v4',
            with: { name: 'model-image', path: `${IMAGE_TAR}\nmodel-image/k8s/`, 'retention-days': 7 },
          },
        ],
      },
    },
  });
}
