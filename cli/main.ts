/**
 * `tensorloom`: the headless command line. The composition root: it builds the node
 * registry from nodes/ and hands it to the engine, exactly as the UI server does.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { RegistryOptions } from './catalog.js';
import { red, UsageError } from './output.js';

// Every command, the node catalog and the store load on use: --help, a usage mistake or a light
// command (runs, tag, models) then skips the engine, Arrow, zod schemas, TensorFlow.js and Docker,
// whose few hundred modules cost each start of the CLI about a second (more under tsx).
const createRegistry = async (options: RegistryOptions) => (await import('./catalog.js')).createRegistry(options);
const findWorkspace = async (flag: string | undefined) => (await import('./workspace.js')).findWorkspace(flag);
const workspaceFor = async (pipelinePath: string, flag: string | undefined) => (await import('./workspace.js')).workspaceFor(pipelinePath, flag);

const HELP = `tensorloom: build, run and track machine-learning pipelines

Usage:
  tensorloom run <pipeline.json> [--until NODE] [--set node.param=value]... [--experiment E] [--json] [--workspace DIR] [--disk-budget B]
  tensorloom run <pipeline.json> --only NODE [--results-dir DIR --run-id ID [--merge-from DIR]] [--set …] [--json] [--workspace DIR]
  tensorloom import-results <DIR> [--json] [--workspace DIR]
  tensorloom validate <pipeline.json> [--json] [--workspace DIR]
  tensorloom migrate <pipeline.json> [--check]
  tensorloom nodes [--json] [--workspace DIR]
  tensorloom packs [--json] [--workspace DIR]
  tensorloom runs [--experiment E] [--where FILTER] [--sort FIELDS] [--limit N] [--children] [--json] [--workspace DIR]
  tensorloom show <runId> [--json] [--workspace DIR]
  tensorloom compare <runId> <runId>... [--json] [--workspace DIR]
  tensorloom reproduce <runId> [--json] [--workspace DIR]
  tensorloom tag <runId> key=value... [--json] [--workspace DIR]      (key= removes a tag)
  tensorloom note <runId> ["text"] [--json] [--workspace DIR]         ("" removes the note; no text prints it)
  tensorloom export-mlflow --out DIR [--experiment E] [--json] [--workspace DIR]
  tensorloom gc [--workspace DIR] [--dry-run] [--json]
  tensorloom state [list | delete <node type> <key>] [--workspace DIR] [--json]
  tensorloom features [list | show VIEW | materialize VIEW | get VIEW key=value…] [--workspace DIR] [--json]
  tensorloom models [--json] [--workspace DIR]
  tensorloom models show <name>[@version|@alias] [--json] [--workspace DIR]
  tensorloom models alias <name> <alias> <version> [--json] [--workspace DIR]   (--delete instead of <version> removes it)
  tensorloom models archive <name>@<version> [--json] [--workspace DIR]
  tensorloom ui [pipeline.json] [--workspace DIR] [--port N] [--no-open]
  tensorloom export <model> --tag IMAGE [--name N] [--base-image IMG] [--out DIR] [--no-build] [--save FILE.tar] [--workspace DIR] [--json]
  tensorloom export-pipeline <pipeline.json> --tag IMAGE [--base-image IMG] [--out DIR] [--no-build] [--save FILE.tar] [--json]
  tensorloom export-pipeline <pipeline.json> --target argo --image IMAGE (--volume-claim NAME | --s3-bucket B [--s3-endpoint H] [--s3-secret S])
                             [--schedule CRON] [--gpu [--gpu-selector label=value]] [--out FILE] [--json]
  tensorloom export-web <model> --out DIR [--format static|esm] [--name N] [--workspace DIR] [--json]
  tensorloom ci-workflow <pipeline.json> [--out FILE] [--model-node NODE] [--tag IMAGE] [--install-from SOURCE]
  tensorloom serve <model folder | sha256:id | name@alias | name@version> [--port N] [--host H] [--name NAME] [--workspace DIR]
                   [--log-dir DIR] [--log-sample R] [--no-log] [--no-access-log] [--no-reload] [--feature-store [--feature-views V,…]]
  tensorloom watch <pipeline.json> [--on-files DIR] [--schedule "CRON"] [--on-drift NODE] [--stream] [--set …] [--workspace DIR]

Options:
  --until NODE         run only NODE and the nodes it depends on
  --only NODE          run: exactly NODE, from its inputs' artifacts already in the store (same cache key as a full run)
  --results-dir DIR    run --only: write the step's result to DIR/<run id>/<node>.json and never open the database
                       (steps on several machines sharing one artifact folder); --run-id ID: the id the steps share;
                       --merge-from DIR: first merge the store folders under DIR (a workflow's upstream steps)
  --set node.param=v   override a param for this run (v is JSON, or else a string); repeatable
  --json               print one JSON document on stdout
  --experiment E       run: the experiment to record the run under (default: the pipeline's name);
                       runs, export-mlflow: only that experiment's runs
  --where FILTER       runs: e.g. "metrics.accuracy > 0.9 and params.train.epochs = 50"; fields: metrics.<metric>,
                       metrics.<node>.<metric>, params.<node>.<param>, tags.<key>, status, experiment, pipeline,
                       backend, trigger, started, duration (s); operators = != < <= > >=, and, or, not, ( )
  --sort FIELDS        runs: comma-separated fields, '-' for descending (default -started), e.g. --sort -metrics.accuracy
  --children           runs: also list child runs (a tune node's trials)
  --workspace DIR      where runs, cache and artifacts live (default: the pipeline's folder; ui, nodes, packs: this folder);
                       its package.json's dependencies with the keyword tensorloom-pack are node packs
  --concurrency N      nodes run at once on independent branches (default 4)
  --disk-budget B      run: most bytes of new artifacts the run may write: a size (500MB, 2GB), a share of the
                       free space (50%, the default; always leaves 1 GiB free) or off; also TENSORLOOM_DISK_BUDGET
  --dry-run            gc: say what would be removed, remove nothing
  --check              migrate: write nothing; exit 1 when some node was saved by an older version of its type
  --port N             ui: the local port (default 4317, or a free one when it is taken; 0: any free one)
  --no-open            ui: print the link without opening a browser
  <model>              serve, export: a model bundle folder, a model id (sha256:…) from 'tensorloom show <run>', or a
                       registered version: name@alias (penguins@champion), name@version (penguins@3) or name@latest
  --delete             models alias: remove the alias instead of moving it
  --tag IMAGE          export: the image to build, name[:tag] (e.g. my-model:1); ci-workflow: default <pipeline>:\${{ github.sha }}
  --base-image IMG     export: the image to build on (default node:20-bookworm-slim; a local one builds offline)
  --out DIR            export-mlflow: the MLflow store to write (mlruns; re-exporting replaces the same runs);
                       export: where the build context goes (default ./<name>-image; export-pipeline: ./<pipeline>-batch-image);
                       ci-workflow: the workflow file (default .github/workflows/tensorloom.yml)
  --no-build           export: only write the build context and manifests (no Docker needed)
  --save FILE.tar      export: also write the image as a tarball for docker load
  --model-node NODE    ci-workflow: the node whose 'model' output to export (default: the train.* node)
  --install-from SRC   ci-workflow: where the workflow installs Tensorloom: git URL#commit, a source tarball URL, a folder
                       (default: this checkout's origin at its commit, else the repository variable TENSORLOOM_SOURCE)
  --target argo        export-pipeline: an Argo Workflow of the steps (--image IMG: the batch image they run;
                       --volume-claim NAME or --s3-bucket B [--s3-endpoint H] [--s3-secret S]: the shared store;
                       --schedule CRON: a CronWorkflow; --gpu [--gpu-selector label=value]: a GPU per training step)
  --format esm         export-web: an ES module package (index.js: predict(rows), index.d.ts) instead of the static page
  --name NAME          serve, export: the model name in URLs (default: the registered name, else 'model')
  --host H             serve: the address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
  --max-body-bytes N   serve: largest request body (default 8 MiB)
  --max-batch-rows N   serve: most rows per request (default 10000)
  --log-dir DIR        serve: the prediction log's folder (default .tensorloom/predictions/<name>/ in the workspace)
  --feature-store      serve: requests may send entity keys instead of the features a feature view holds; the server
                       fills them from the workspace's online store (TF Serving REST; --feature-views V,…: only these views)
  --log-sample R       serve: share of requests whose raw features are logged, 0–1 (default 1)
  --no-log             serve: no prediction log (and no feedback endpoint)
  --no-access-log      serve: no JSON access line per request on stderr
  --no-reload          serve name@alias: keep the version it started with when the alias moves
  --on-files DIR       watch: run when a new file settles in DIR (inside the workspace; hidden files are ignored)
  --schedule CRON      watch: run on a 5-field cron schedule in UTC, e.g. "0 3 * * 1-5"; a missed firing runs once at start
  --on-drift NODE      watch: files/schedule runs run only NODE (a monitor.drift) and its ancestors; its datasetDrift = 1
                       starts a run of the whole pipeline (trigger 'drift'). One run at a time: a firing meanwhile queues one
  --stream             watch: a streaming run: the pipeline's data.stream node consumes its source, and the pipeline runs once
                       per micro-batch; offsets are committed after each batch run, so a restart neither loses nor repeats a record

Exit codes: 0 success, 1 a node failed (reproduce: the results differ; export: no Docker engine, or the build failed; migrate --check: nodes to migrate; packs: a pack did not load), 2 invalid pipeline or usage, 130 cancelled.
A re-run executes only the nodes whose params, inputs or files changed; the rest are cached.
Node packs add node types: the workspace's package.json dependencies with the keyword tensorloom-pack
(npm install ./my-pack.tgz in the workspace), and the modules or pack folders in TENSORLOOM_PLUGINS.`;

const OPTIONS = {
  until: { type: 'string' },
  set: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  workspace: { type: 'string' },
  concurrency: { type: 'string' },
  'disk-budget': { type: 'string' },
  only: { type: 'string' },
  'results-dir': { type: 'string' },
  'run-id': { type: 'string' },
  'merge-from': { type: 'string' },
  target: { type: 'string' },
  image: { type: 'string' },
  'volume-claim': { type: 'string' },
  's3-bucket': { type: 'string' },
  's3-endpoint': { type: 'string' },
  's3-secret': { type: 'string' },
  schedule: { type: 'string' },
  gpu: { type: 'boolean' },
  'gpu-selector': { type: 'string' },
  format: { type: 'string' },
  'install-from': { type: 'string' },
  'dry-run': { type: 'boolean' },
  delete: { type: 'boolean' },
  check: { type: 'boolean' },
  limit: { type: 'string' },
  experiment: { type: 'string' },
  where: { type: 'string' },
  sort: { type: 'string' },
  children: { type: 'boolean' },
  port: { type: 'string' },
  'no-open': { type: 'boolean' },
  tag: { type: 'string' },
  'base-image': { type: 'string' },
  out: { type: 'string' },
  'no-build': { type: 'boolean' },
  save: { type: 'string' },
  'model-node': { type: 'string' },
  name: { type: 'string' },
  host: { type: 'string' },
  'max-body-bytes': { type: 'string' },
  'max-batch-rows': { type: 'string' },
  'log-dir': { type: 'string' },
  'log-sample': { type: 'string' },
  'no-log': { type: 'boolean' },
  'no-access-log': { type: 'boolean' },
  'no-reload': { type: 'boolean' },
  'feature-store': { type: 'boolean' },
  'feature-views': { type: 'string' },
  stream: { type: 'boolean' },
  'on-files': { type: 'string' },
  'on-drift': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const satisfies ParseArgsConfig['options'];

const ALLOWED: Record<string, (keyof typeof OPTIONS)[]> = {
  run: ['until', 'set', 'json', 'workspace', 'concurrency', 'disk-budget', 'experiment', 'only', 'results-dir', 'run-id', 'merge-from'],
  'import-results': ['json', 'workspace'],
  validate: ['json', 'workspace'],
  migrate: ['check'],
  nodes: ['json', 'workspace'],
  packs: ['json', 'workspace'],
  runs: ['json', 'workspace', 'limit', 'experiment', 'where', 'sort', 'children'],
  show: ['json', 'workspace'],
  compare: ['json', 'workspace'],
  reproduce: ['json', 'workspace'],
  tag: ['json', 'workspace'],
  note: ['json', 'workspace'],
  'export-mlflow': ['out', 'experiment', 'json', 'workspace'],
  gc: ['workspace', 'dry-run', 'json'],
  state: ['workspace', 'json'],
  features: ['workspace', 'json'],
  models: ['workspace', 'json', 'delete'],
  ui: ['workspace', 'port', 'no-open'],
  serve: ['workspace', 'port', 'name', 'host', 'max-body-bytes', 'max-batch-rows', 'log-dir', 'log-sample', 'no-log', 'no-access-log', 'no-reload', 'feature-store', 'feature-views'],
  export: ['tag', 'name', 'base-image', 'out', 'no-build', 'save', 'workspace', 'json'],
  'export-pipeline': ['tag', 'base-image', 'out', 'no-build', 'save', 'json', 'target', 'image', 'volume-claim', 's3-bucket', 's3-endpoint', 's3-secret', 'schedule', 'gpu', 'gpu-selector'],
  'export-web': ['out', 'format', 'name', 'workspace', 'json'],
  'ci-workflow': ['out', 'model-node', 'tag', 'install-from'],
  watch: ['on-files', 'schedule', 'on-drift', 'stream', 'set', 'workspace', 'concurrency'],
};

function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new UsageError(`--${flag} must be a whole number ≥ 1 (got '${value}')`);
  return parsed;
}

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: joinDashValues(argv), options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\. To specify a positional.*$/s, '')}; see 'tensorloom --help'`);
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.version) {
    // cli/main.ts sits one folder below package.json; dist/cli/main.js two.
    const candidates = ['../package.json', '../../package.json'].map((path) => new URL(path, import.meta.url));
    const found = candidates.find((url) => existsSync(url) && (JSON.parse(readFileSync(url, 'utf8')) as { name?: string }).name === 'tensorloom');
    process.stdout.write(`${found ? (JSON.parse(readFileSync(found, 'utf8')) as { version: string }).version : 'unknown'}\n`);
    return 0;
  }
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(HELP + '\n');
    return command === undefined && !values.help ? 2 : 0;
  }
  const allowed = ALLOWED[command];
  if (!allowed) throw new UsageError(`unknown command '${command}'; commands are: ${Object.keys(ALLOWED).join(', ')} (see 'tensorloom --help')`);
  for (const [flag, value] of Object.entries(values)) {
    if (value !== undefined && !allowed.includes(flag as keyof typeof OPTIONS)) throw new UsageError(`'tensorloom ${command}' has no --${flag} option`);
  }
  const expectArgs = (count: number, what: string) => {
    if (rest.length !== count) throw new UsageError(`'tensorloom ${command}' expects ${what}${rest.length > count ? ` (unexpected: ${rest.slice(count).join(' ')})` : ''}`);
  };
  const json = values.json === true;
  switch (command) {
    case 'run': {
      expectArgs(1, 'one pipeline file');
      const concurrency = positiveInt('concurrency', values.concurrency);
      return (await import('./commands/run.js')).runCommand(await createRegistry({ workspace: await workspaceFor(resolve(rest[0]!), values.workspace) }), {
        pipeline: rest[0]!,
        sets: values.set ?? [],
        json,
        ...(values.until === undefined ? {} : { until: values.until }),
        ...(values.workspace === undefined ? {} : { workspace: values.workspace }),
        ...(concurrency === undefined ? {} : { concurrency }),
        ...(values['disk-budget'] === undefined ? {} : { diskBudget: values['disk-budget'] }),
        ...(values.experiment === undefined ? {} : { experiment: experimentName(values.experiment) }),
        ...(values.only === undefined ? {} : { only: values.only }),
        ...(values['results-dir'] === undefined ? {} : { resultsDir: values['results-dir'] }),
        ...(values['run-id'] === undefined ? {} : { runId: values['run-id'] }),
        ...(values['merge-from'] === undefined ? {} : { mergeFrom: values['merge-from'] }),
      });
    }
    case 'import-results':
      expectArgs(1, 'one folder of step results (what run --only --results-dir wrote)');
      return (await import('./commands/import-results.js')).importResultsCommand({ dir: rest[0]!, json, ...(values.workspace === undefined ? {} : { workspace: values.workspace }) });
    case 'validate':
      expectArgs(1, 'one pipeline file');
      return (await import('./commands/validate.js')).validateCommand(await createRegistry({ workspace: await workspaceFor(resolve(rest[0]!), values.workspace) }), { pipeline: rest[0]!, json, ...(values.workspace === undefined ? {} : { workspace: values.workspace }) });
    case 'migrate':
      expectArgs(1, 'one pipeline file');
      return (await import('./commands/migrate.js')).migrateCommand(await createRegistry({ workspace: dirname(resolve(rest[0]!)) }), { pipeline: rest[0]!, check: values.check === true });
    case 'nodes':
      expectArgs(0, 'no arguments');
      return (await import('./commands/nodes.js')).nodesCommand(await createRegistry({ workspace: resolve(values.workspace ?? '.') }), { json });
    case 'packs':
      expectArgs(0, 'no arguments');
      // The report lists load errors itself: no warning lines on top of it.
      return (await import('./commands/packs.js')).packsCommand(await createRegistry({ workspace: resolve(values.workspace ?? '.'), warn: false }), { json });
    case 'runs': {
      expectArgs(0, 'no arguments');
      const limit = positiveInt('limit', values.limit);
      return (await import('./commands/runs.js')).runsCommand({
        json,
        children: values.children === true,
        ...(values.workspace === undefined ? {} : { workspace: values.workspace }),
        ...(limit === undefined ? {} : { limit }),
        ...(values.experiment === undefined ? {} : { experiment: values.experiment }),
        ...(values.where === undefined ? {} : { where: values.where }),
        ...(values.sort === undefined ? {} : { sort: values.sort }),
      });
    }
    case 'compare':
      if (rest.length < 2) expectArgs(2, 'two or more run ids (see: tensorloom runs)');
      return (await import('./commands/compare.js')).compareCommand({ runIds: rest, json, ...(values.workspace === undefined ? {} : { workspace: values.workspace }) });
    case 'reproduce': {
      expectArgs(1, 'one run id (see: tensorloom runs)');
      const root = await findWorkspace(values.workspace);
      return (await import('./commands/reproduce.js')).reproduceCommand(await createRegistry({ workspace: root }), { runId: rest[0]!, json, root });
    }
    case 'tag':
      if (rest.length < 2) expectArgs(2, 'a run id and key=value pairs');
      return (await import('./commands/tag.js')).tagCommand({ runId: rest[0]!, pairs: rest.slice(1), json, ...(values.workspace === undefined ? {} : { workspace: values.workspace }) });
    case 'note':
      if (rest.length < 1 || rest.length > 2) expectArgs(2, 'a run id and, to set it, the note in quotes');
      return (await import('./commands/tag.js')).noteCommand({ runId: rest[0]!, text: rest[1], json, ...(values.workspace === undefined ? {} : { workspace: values.workspace }) });
    case 'export-mlflow':
      expectArgs(0, 'no arguments (the store to write is --out DIR)');
      return (await import('./commands/export-mlflow.js')).exportMlflowCommand({
        out: values.out,
        json,
        ...(values.experiment === undefined ? {} : { experiment: values.experiment }),
        ...(values.workspace === undefined ? {} : { workspace: values.workspace }),
      });
    case 'show':
      expectArgs(1, 'a run id (see: tensorloom runs)');
      return (await import('./commands/runs.js')).showCommand({ runId: rest[0]!, json, ...(values.workspace === undefined ? {} : { workspace: values.workspace }) });
    case 'gc':
      expectArgs(0, 'no arguments');
      return (await import('./commands/gc.js')).gcCommand({ dryRun: values['dry-run'] === true, json, ...(values.workspace === undefined ? {} : { workspace: values.workspace }) });
    case 'state':
      return (await import('./commands/state.js')).stateCommand(rest, { json, ...(values.workspace === undefined ? {} : { workspace: values.workspace }) });
    case 'features':
      return (await import('./commands/features.js')).featuresCommand(rest, { json, ...(values.workspace === undefined ? {} : { workspace: values.workspace }) });
    case 'models':
      return (await import('./commands/models.js')).modelsCommand(rest, { json, delete: values.delete === true, ...(values.workspace === undefined ? {} : { workspace: values.workspace }) });
    case 'ui': {
      if (rest.length > 1) expectArgs(1, 'at most one pipeline file to open (the workspace is --workspace DIR, default: this folder)');
      const port = portNumber(values.port);
      return (await import('./commands/ui.js')).uiCommand({
        workspace: values.workspace ?? process.cwd(),
        open: values['no-open'] !== true,
        ...(port === undefined ? {} : { port }),
        ...(rest[0] === undefined ? {} : { pipeline: rest[0] }),
      });
    }
    case 'serve': {
      expectArgs(1, 'one model: a model bundle folder, a sha256: model id from a run, or name@alias / name@version');
      const port = portNumber(values.port);
      const maxBodyBytes = positiveInt('max-body-bytes', values['max-body-bytes']);
      const maxBatchRows = positiveInt('max-batch-rows', values['max-batch-rows']);
      const logSample = values['log-sample'] === undefined ? undefined : Number(values['log-sample']);
      if (logSample !== undefined && !(logSample >= 0 && logSample <= 1)) throw new UsageError(`--log-sample must be a number from 0 to 1 (got '${values['log-sample']}')`);
      return (await import('./commands/serve.js')).serveCommand({
        model: rest[0]!,
        ...(values.name === undefined ? {} : { name: values.name }),
        ...(values.host === undefined ? {} : { host: values.host }),
        ...(values.workspace === undefined ? {} : { workspace: values.workspace }),
        ...(port === undefined ? {} : { port }),
        ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
        ...(maxBatchRows === undefined ? {} : { maxBatchRows }),
        ...(values['log-dir'] === undefined ? {} : { logDir: values['log-dir'] }),
        ...(logSample === undefined ? {} : { logSample }),
        log: values['no-log'] !== true,
        accessLog: values['no-access-log'] !== true,
        reload: values['no-reload'] !== true,
        featureStore: values['feature-store'] === true || values['feature-views'] !== undefined,
        ...(values['feature-views'] === undefined ? {} : { featureViews: values['feature-views'].split(',').map((view) => view.trim()).filter(Boolean) }),
      });
    }
    case 'export':
      expectArgs(1, "one model: a model bundle folder, a sha256: model id from 'tensorloom show <run>', or name@alias / name@version");
      return (await import('./commands/export.js')).exportCommand({
        model: rest[0]!,
        tag: values.tag,
        build: values['no-build'] !== true,
        json,
        ...(values.name === undefined ? {} : { name: values.name }),
        ...(values['base-image'] === undefined ? {} : { baseImage: values['base-image'] }),
        ...(values.out === undefined ? {} : { out: values.out }),
        ...(values.save === undefined ? {} : { save: values.save }),
        ...(values.workspace === undefined ? {} : { workspace: values.workspace }),
      });
    case 'export-pipeline':
      expectArgs(1, 'one pipeline file');
      return (await import('./commands/export-pipeline.js')).exportPipelineCommand(await createRegistry({ workspace: dirname(resolve(rest[0]!)) }), {
        pipeline: rest[0]!,
        tag: values.tag,
        build: values['no-build'] !== true,
        json,
        ...(values['base-image'] === undefined ? {} : { baseImage: values['base-image'] }),
        ...(values.out === undefined ? {} : { out: values.out }),
        ...(values.save === undefined ? {} : { save: values.save }),
        ...(values.target === undefined ? {} : { target: values.target }),
        ...(argoOptions(values) === undefined ? {} : { argo: argoOptions(values)! }),
      });
    case 'export-web':
      expectArgs(1, "one model: a model bundle folder, a sha256: model id from 'tensorloom show <run>', or name@alias / name@version");
      return (await import('./commands/export-web.js')).exportWebCommand({
        model: rest[0]!,
        json,
        ...(values.out === undefined ? {} : { out: values.out }),
        ...(values.format === undefined ? {} : { format: values.format }),
        ...(values.name === undefined ? {} : { name: values.name }),
        ...(values.workspace === undefined ? {} : { workspace: values.workspace }),
      });
    case 'watch': {
      expectArgs(1, 'one pipeline file');
      const concurrency = positiveInt('concurrency', values.concurrency);
      return (await import('./commands/watch.js')).watchCommand(await createRegistry({ workspace: await workspaceFor(resolve(rest[0]!), values.workspace) }), {
        pipeline: rest[0]!,
        sets: values.set ?? [],
        ...(values['on-files'] === undefined ? {} : { onFiles: values['on-files'] }),
        ...(values.schedule === undefined ? {} : { schedule: values.schedule }),
        ...(values['on-drift'] === undefined ? {} : { onDrift: values['on-drift'] }),
        ...(values.stream === true ? { stream: true } : {}),
        ...(values.workspace === undefined ? {} : { workspace: values.workspace }),
        ...(concurrency === undefined ? {} : { concurrency }),
      });
    }
    case 'ci-workflow':
      expectArgs(1, 'one pipeline file');
      return (await import('./commands/ci-workflow.js')).ciWorkflowCommand(await createRegistry({ workspace: dirname(resolve(rest[0]!)) }), {
        pipeline: rest[0]!,
        ...(values.out === undefined ? {} : { out: values.out }),
        ...(values['model-node'] === undefined ? {} : { modelNode: values['model-node'] }),
        ...(values.tag === undefined ? {} : { tag: values.tag }),
        ...(values['install-from'] === undefined ? {} : { installFrom: values['install-from'] }),
      });
  }
  return 2;
}

/**
 * `--sort -metrics.accuracy`: parseArgs takes a value starting with '-' for an option and
 * refuses it, so the value is joined to its flag (`--sort=-metrics.accuracy`) first.
 */
function joinDashValues(argv: readonly string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    if ((arg === '--sort' || arg === '--where') && next !== undefined && next.startsWith('-') && !next.startsWith('--')) {
      joined.push(`${arg}=${next}`);
      i += 1;
    } else joined.push(arg);
  }
  return joined;
}

/** export-pipeline --target argo's own flags; undefined when none is given. */
function argoOptions(values: Record<string, string | boolean | string[] | undefined>) {
  const text = (flag: string) => (typeof values[flag] === 'string' ? (values[flag] as string) : undefined);
  const flags = ['image', 'volume-claim', 's3-bucket', 's3-endpoint', 's3-secret', 'schedule', 'gpu', 'gpu-selector'];
  if (values.target !== 'argo' && !flags.some((flag) => values[flag] !== undefined)) return undefined;
  const pick = (flag: string, key: string) => (text(flag) === undefined ? {} : { [key]: text(flag)! });
  return {
    gpu: values.gpu === true,
    ...pick('image', 'image'),
    ...pick('volume-claim', 'volumeClaim'),
    ...pick('s3-bucket', 's3Bucket'),
    ...pick('s3-endpoint', 's3Endpoint'),
    ...pick('s3-secret', 's3Secret'),
    ...pick('schedule', 'schedule'),
    ...pick('gpu-selector', 'gpuSelector'),
    ...pick('out', 'out'),
  } as { gpu: boolean; image?: string; volumeClaim?: string; s3Bucket?: string; s3Endpoint?: string; s3Secret?: string; schedule?: string; gpuSelector?: string; out?: string };
}

function experimentName(value: string): string {
  const name = value.trim();
  if (name === '' || name.length > 200) throw new UsageError(`--experiment must be a name of 1 to 200 characters (got '${value}')`);
  return name;
}

function portNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port must be a whole number from 0 to 65535 (got '${value}')`);
  return port;
}

/** Runs the CLI and exits; user mistakes print one clear line, never a stack trace. */
export async function cli(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(red(`tensorloom: ${error.message}`, process.stderr) + '\n');
      process.exitCode = error.exitCode;
    } else if (error instanceof Error && error.name === 'StoreError') {
      process.stderr.write(red(`tensorloom: ${error.message}`, process.stderr) + '\n');
      // A full or failing disk is no usage mistake: the command failed, like a failed run.
      const code = (error as Error & { code?: string }).code;
      process.exitCode = code === 'disk-full' || code === 'write-failed' ? 1 : 2;
    } else {
      process.stderr.write(`tensorloom: internal error (please report it): ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = 70;
    }
  }
}
