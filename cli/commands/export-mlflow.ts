import { exportMlflow, isTrackingError, type MlflowExportReport } from '../../core/tracking/index.js';
import { displayPath } from '../load.js';
import { dim, UsageError, yellow } from '../output.js';
import { findWorkspace, openStore } from '../workspace.js';

/**
 * `tensorloom export-mlflow [--experiment E] --out DIR`: writes the workspace's runs in
 * MLflow's file-store layout; `mlflow ui --backend-store-uri DIR` then shows them.
 */
export function exportMlflowCommand(options: { out: string | undefined; experiment?: string; json: boolean; workspace?: string }): number {
  if (options.out === undefined) throw new UsageError("'tensorloom export-mlflow' needs --out DIR (the MLflow store to write, e.g. mlruns)");
  const root = findWorkspace(options.workspace);
  const store = openStore(root);
  let report: MlflowExportReport;
  try {
    report = exportMlflow({ store, workspaceRoot: root, out: options.out, ...(options.experiment === undefined ? {} : { experiment: options.experiment }) });
  } catch (error) {
    if (isTrackingError(error)) throw new UsageError(error.message);
    throw error;
  } finally {
    store.close();
  }
  if (options.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return 0;
  }
  for (const rename of report.renamed) process.stderr.write(yellow(`run ${rename.runId}: '${rename.from}' is not a valid MLflow name; written as '${rename.to}'`, process.stderr) + '\n');
  const experiments = report.experiments.map((experiment) => `${experiment.name} (${experiment.runs} run${experiment.runs === 1 ? '' : 's'}, id ${experiment.id})`).join(', ');
  process.stdout.write(`exported ${report.runs.length} run${report.runs.length === 1 ? '' : 's'} to ${displayPath(report.out)}: ${experiments || 'no runs yet'}\n`);
  process.stdout.write(dim(`open them: mlflow ui --backend-store-uri ${displayPath(report.out)}`) + '\n');
  return 0;
}
