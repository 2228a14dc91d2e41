/**
 * A GitHub Actions workflow for a repository that holds pipelines and data, and nothing of
 * Tensorloom: the workflow installs Tensorloom itself, the way the README does (a clone of
 * its repository at a pinned commit, or a source tarball, then `npm ci`, which builds it),
 * and puts `tensorloom` on the PATH. Then it validates and runs the pipeline on every push
 * and pull request (the run's JSON kept as an artifact), and on the default branch exports
 * the trained model as an image. The model is found in the run JSON: `outputs.<node>.model`
 * is the model's artifact id, which `tensorloom export` takes.
 *
 * Promotions: the image pins one model version (its tag and MODEL_VERSION), so a registry
 * alias moving (`registry.register` with `alias: champion` behind a gate) rolls nothing out by
 * itself. Re-run the workflow (workflow_dispatch) with the input `model` set to e.g.
 * `penguins@champion`: the export step exports that registered version instead of the run's
 * model, the generated manifests pin it, and applying them rolls the pods. The reference
 * resolves in the runner's workspace store: a persistent store (self-hosted runner, cached
 * .tensorloom) holds the real champion; a fresh one only what this run registered.
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
  /**
   * Where Tensorloom comes from: a git URL with `#<commit or tag>`, a source tarball URL
   * (.tar.gz / .tgz), or a folder holding a checkout; undefined: the repository variable
   * TENSORLOOM_SOURCE.
   */
  readonly source?: string;
}

export const RUN_JSON = 'tensorloom-run.json';
export const IMAGE_TAR = 'model-image.tar';
/** Read when the workflow was written without a source: set it under the repository's Settings → Variables. */
export const SOURCE_VARIABLE = 'TENSORLOOM_SOURCE';

/** Shell-quotes for bash (single quotes; GitHub expressions are expanded before the shell runs). */
function sh(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * The install step's script: fetch Tensorloom into $RUNNER_TEMP/tensorloom (a folder source
 * is used where it is), `npm ci` there (installs and builds it, as in the README's quick
 * start), and a `tensorloom` command on the PATH for the next steps.
 */
export const INSTALL_SCRIPT = [
  'source="$TENSORLOOM_SOURCE"',
  `if [ -z "$source" ]; then echo "::error::no Tensorloom to install: set the repository variable ${SOURCE_VARIABLE} to its git URL#commit or a source tarball URL (or write the workflow with tensorloom ci-workflow --install-from)"; exit 1; fi`,
  'home="$RUNNER_TEMP/tensorloom"',
  'if [ -d "$source" ]; then',
  '  home="$source"   # a checkout on this runner: used where it is, installed once',
  '  [ -d "$home/node_modules" ] || (cd "$home" && npm ci --no-audit --no-fund)',
  'else',
  '  case "$source" in',
  '    *.tar.gz | *.tgz)',
  '      mkdir -p "$home"',
  '      curl -fsSL "$source" | tar -xz --strip-components=1 -C "$home" ;;',
  '    *)',
  '      git clone --quiet "${source%%#*}" "$home"',
  '      case "$source" in *"#"*) git -C "$home" checkout --quiet "${source#*#}" ;; esac ;;',
  '  esac',
  '  (cd "$home" && npm ci --no-audit --no-fund)   # installs and builds it (prepare), as the README\'s quick start',
  'fi',
  'mkdir -p "$RUNNER_TEMP/bin"',
  'printf \'#!/bin/sh\\nexec node "%s/bin/tensorloom.mjs" "$@"\\n\' "$home" > "$RUNNER_TEMP/bin/tensorloom"',
  'chmod +x "$RUNNER_TEMP/bin/tensorloom"',
  'echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"',
  '"$RUNNER_TEMP/bin/tensorloom" --version',
].join('\n');

export function githubWorkflow(options: WorkflowOptions): string {
  // Node ids are letters, digits, '_' and '-': safe inside these quotes.
  const read = [
    `const run = JSON.parse(require("fs").readFileSync("${RUN_JSON}", "utf8"));`,
    `const id = run.outputs?.["${options.modelNode}"]?.model;`,
    `if (!id) { console.error("the run has no model output from node ${options.modelNode}"); process.exit(1); }`,
    'console.log(id);',
  ].join(' ');
  const onDefaultBranch = "github.event_name != 'pull_request' && github.ref == format('refs/heads/{0}', github.event.repository.default_branch)";
  return toYaml({
    name: `tensorloom ${options.name}`,
    on: {
      push: {},
      pull_request: {},
      workflow_dispatch: {
        inputs: {
          model: {
            description: "Export this registered model instead of the run's, e.g. name@champion after a promotion (the image and manifests pin its version)",
            required: false,
            default: '',
          },
        },
      },
    },
    permissions: { contents: 'read' },
    env: { [SOURCE_VARIABLE]: options.source ?? `\${{ vars.${SOURCE_VARIABLE} }}` },
    jobs: {
      pipeline: {
        'runs-on': 'ubuntu-latest',
        'timeout-minutes': 30,
        steps: [
          { uses: 'actions/checkout@v4' },
          // No npm cache: a repository of pipelines has no package-lock.json for it to key on.
          { uses: 'actions/setup-node@v4', with: { 'node-version': 20 } },
          { name: 'Install Tensorloom', run: INSTALL_SCRIPT },
          { name: 'Validate the pipeline', run: `tensorloom validate ${sh(options.pipeline)}` },
          { name: 'Run the pipeline', run: `tensorloom run ${sh(options.pipeline)} --workspace ${sh(options.workspace)} --json > ${RUN_JSON}` },
          { name: 'Keep the run record', if: 'always()', uses: 'actions/upload-artifact@v4', with: { name: 'tensorloom-run', path: RUN_JSON, 'if-no-files-found': 'warn' } },
          {
            name: 'Export the model image',
            if: onDefaultBranch,
            // The model id is the train node's `model` output in the run JSON (an artifact in the workspace store),
            // unless a dispatch names a registered model (name@alias or name@version): how a promotion rolls out.
            env: { MODEL_REF: '${{ inputs.model }}' },
            run: [
              `model="\${MODEL_REF:-}"`,
              `[ -n "$model" ] || model=$(node -e ${sh(read)})`,
              `tensorloom export "$model" --workspace ${sh(options.workspace)} --name ${sh(options.name)} --tag ${sh(options.tag)} --save ${IMAGE_TAR} --out model-image`,
            ].join('\n'),
          },
          {
            name: 'Keep the image and manifests',
            if: onDefaultBranch,
            uses: 'actions/upload-artifact@v4',
            with: { name: 'model-image', path: `${IMAGE_TAR}\nmodel-image/k8s/`, 'retention-days': 7 },
          },
        ],
      },
    },
  });
}
