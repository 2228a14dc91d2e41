/**
 * monitor.drift: does the current data still look like the reference? Per column a
 * statistical test (Evidently's definitions, core/monitor/drift.ts), a verdict against its
 * threshold, and both histograms; dataset drift when at least `driftShare` of the columns
 * drift. Decisions (docs/DECISIONS.md, "Drift"):
 * - Columns: `columns`, or every column of the reference except the split column and
 *   `target`. Each compared column must be in both tables (the error names the missing
 *   ones); columns only in current (a prediction log's id, time, prediction) are ignored.
 * - Kind: numeric when the reference column has an integer or float type, categorical
 *   otherwise (text, booleans). A column numeric on one side and text on the other is an
 *   error, except when one side has no values at all.
 * - Missing values are left out of the tests and counted in the report. A column with no
 *   values on either side is `skipped` (not counted in the share); with values on one side
 *   only it is drifted.
 * - `auto` with a categorical or binary column uses chi-square where Evidently uses a
 *   proportion z-test.
 */
import {
  autoTest,
  categoricalSample,
  categoryCodes,
  columnNames,
  DEFAULT_THRESHOLDS,
  defineNode,
  DRIFT_METHODS,
  DRIFT_TESTS,
  isAllMissing,
  isNumericType,
  NodeError,
  NUMERIC_ONLY_TESTS,
  numericSample,
  numericValues,
  port,
  P_VALUE_TESTS,
  REPORT_CATEGORIES,
  runTest,
  sampleSize,
  showWhen,
  SPLIT_COLUMN,
  typeName,
  z,
  type Binned,
  type ColumnSample,
  type Data,
  type Json,
  type ReportValue,
  type Table,
} from '../../core/sdk/index.js';

const list = (names: readonly string[]) => names.map((name) => `'${name}'`).join(', ');

function chunksOf(table: Table, name: string): Data[] {
  return table.getChild(name)!.data as Data[];
}

const noValues = (chunks: readonly Data[]) => chunks.every((data) => data.length === 0 || isAllMissing(data));
const isNumber = (data: Data) => isNumericType(data.type) && !data.type.toString().startsWith('Bool');

function readSample(chunks: readonly Data[], kind: 'numeric' | 'categorical', rows: number): ColumnSample {
  if (noValues(chunks)) {
    return kind === 'numeric' ? { kind, sorted: new Float64Array(0), missing: rows } : { kind, counts: new Map(), present: 0, missing: rows };
  }
  if (kind === 'numeric') return numericSample(chunks.map((data) => numericValues(data)!));
  return categoricalSample(chunks.map((data) => categoryCodes(data)));
}

function histogramJson(binned: Binned): Json {
  if (binned.kind === 'bins') {
    return { type: 'bins', edges: Array.from(binned.edges!), reference: Array.from(binned.reference), current: Array.from(binned.current) };
  }
  const order = binned.labels!.map((_, index) => index).sort((a, b) => binned.reference[b]! + binned.current[b]! - (binned.reference[a]! + binned.current[a]!));
  const shown = order.slice(0, REPORT_CATEGORIES);
  const rest = order.slice(REPORT_CATEGORIES);
  const sum = (counts: Float64Array) => rest.reduce((total, index) => total + counts[index]!, 0);
  return {
    type: 'categories',
    categories: [...shown.map((index) => binned.labels![index]!), ...(rest.length > 0 ? [`(${rest.length} more)`] : [])],
    reference: [...shown.map((index) => binned.reference[index]!), ...(rest.length > 0 ? [sum(binned.reference)] : [])],
    current: [...shown.map((index) => binned.current[index]!), ...(rest.length > 0 ? [sum(binned.current)] : [])],
  };
}

const finite = (value: number | undefined): Json => (value === undefined || !Number.isFinite(value) ? null : value);

export default defineNode({
  type: 'monitor.drift',
  version: 1,
  category: 'monitor',
  title: 'Data drift',
  description: 'Compares current data with a reference per column (KS, chi-square, Wasserstein, Jensen–Shannon or PSI, as Evidently) and reports which columns drifted.',
  worker: { whenInputBytesOver: 16 * 1024 * 1024 },
  module: import.meta.url,
  inputs: {
    reference: port('table', { description: 'The data the model was trained on (the baseline).' }),
    current: port('table', { description: 'The data to check, e.g. a window of the prediction log.' }),
  },
  outputs: {
    report: port('report', { description: 'Per column: the test, statistic, threshold, verdict and both histograms; drifted columns first.' }),
  },
  params: z.object({
    columns: z.array(z.string().min(1)).min(1).optional().describe('Columns to compare (default: every column of the reference except the split column and the target)'),
    target: z.string().min(1).optional().describe('The label column, left out of the default columns'),
    method: z
      .enum(DRIFT_METHODS)
      .default('auto')
      .describe('auto (as Evidently: KS / chi-square up to 1000 reference rows, Wasserstein / Jensen–Shannon above) | ks | chisquare | wasserstein | jensenshannon | psi'),
    threshold: showWhen(
      z.number().min(0).optional().describe('Drift threshold: p-value below it for ks and chisquare (default 0.05), distance at or above it for the others (default 0.1)'),
      { method: [...DRIFT_TESTS] },
    ),
    driftShare: z.number().min(0).max(1).default(0.5).describe('Dataset drift when at least this share of the columns drift'),
    onDrift: z.enum(['warn', 'fail']).default('warn').describe('On dataset drift: log a warning, or fail the node'),
  }),
  async run({ inputs, params }, ctx) {
    const reference = inputs.reference.table;
    const current = inputs.current.table;
    if (reference.numRows === 0) throw new NodeError('the reference table has no rows', { field: 'reference' });
    if (current.numRows === 0) throw new NodeError('the current table has no rows (an empty window?)', { field: 'current' });
    const refNames = columnNames(reference);
    const curNames = columnNames(current);
    if (params.target !== undefined && !refNames.includes(params.target)) {
      throw new NodeError(`target '${params.target}' is not a column of the reference; its columns are: ${list(refNames.filter((name) => name !== SPLIT_COLUMN))}`, { field: 'target' });
    }
    let columns: string[];
    if (params.columns) {
      columns = [...new Set(params.columns)];
      for (const [side, names] of [['reference', refNames], ['current', curNames]] as const) {
        const missing = columns.filter((name) => !names.includes(name));
        if (missing.length > 0) throw new NodeError(`column${missing.length === 1 ? '' : 's'} ${list(missing)} not in the ${side} table; its columns are: ${list(names.filter((name) => name !== SPLIT_COLUMN))}`, { field: 'columns' });
      }
    } else {
      columns = refNames.filter((name) => name !== SPLIT_COLUMN && name !== params.target);
      const missing = columns.filter((name) => !curNames.includes(name));
      if (missing.length > 0) {
        throw new NodeError(`the current table lacks reference column${missing.length === 1 ? '' : 's'} ${list(missing)}; set 'columns' to compare fewer`, { field: 'columns' });
      }
      const extra = curNames.filter((name) => name !== SPLIT_COLUMN && name !== params.target && !refNames.includes(name));
      if (extra.length > 0) ctx.log(`columns only in the current table are not compared: ${list(extra)}`);
      if (columns.length === 0) throw new NodeError('the reference has no feature columns to compare', { field: 'columns' });
    }

    const results: Record<string, Json>[] = [];
    let drifted = 0;
    let compared = 0;
    for (const [index, column] of columns.entries()) {
      ctx.signal.throwIfAborted();
      const refChunks = chunksOf(reference, column);
      const curChunks = chunksOf(current, column);
      const refEmpty = noValues(refChunks);
      const curEmpty = noValues(curChunks);
      const typed = refEmpty ? curChunks : refChunks;
      const kind = typed.length > 0 && isNumber(typed[0]!) ? 'numeric' : 'categorical';
      if (!refEmpty && !curEmpty && isNumber(refChunks[0]!) !== isNumber(curChunks[0]!)) {
        throw new NodeError(`column '${column}' is ${typeName(refChunks[0]!.type)} in the reference but ${typeName(curChunks[0]!.type)} in the current table`, { field: 'columns' });
      }
      const refSample = readSample(refChunks, kind, reference.numRows);
      const curSample = readSample(curChunks, kind, current.numRows);
      const counts = {
        reference: { rows: reference.numRows, missing: refSample.missing },
        current: { rows: current.numRows, missing: curSample.missing },
      };
      if (refEmpty || curEmpty) {
        const both = refEmpty && curEmpty;
        const note = both ? 'no values in either table' : `no values in the ${refEmpty ? 'reference' : 'current'} table`;
        if (!both) {
          drifted++;
          compared++;
          ctx.metric(`drifted.${column}`, 1);
        }
        ctx.log(`column '${column}': ${note}${both ? ', skipped' : ', counted as drifted'}`, 'warn');
        results.push({ column, kind, test: null, statistic: null, score: null, threshold: null, drifted: !both, verdict: both ? 'skipped' : 'drift', note, ...counts, histogram: null });
        continue;
      }
      const test = params.method === 'auto' ? autoTest(refSample, curSample) : params.method;
      if (kind === 'categorical' && NUMERIC_ONLY_TESTS.has(test)) {
        throw new NodeError(`method '${test}' needs numeric columns, and '${column}' is ${typeName(refChunks[0]!.type)}; use chisquare, jensenshannon, psi or auto`, { field: 'method' });
      }
      const outcome = runTest(test, refSample, curSample, params.threshold ?? DEFAULT_THRESHOLDS[test]);
      compared++;
      if (outcome.drifted) drifted++;
      ctx.metric(`drifted.${column}`, outcome.drifted ? 1 : 0);
      ctx.metric(`score.${column}`, outcome.score);
      results.push({
        column,
        kind,
        test,
        statistic: finite(outcome.statistic),
        ...(outcome.pValue === undefined ? {} : { pValue: outcome.pValue }),
        score: finite(outcome.score),
        scoreIs: P_VALUE_TESTS.has(test) ? 'p-value' : 'distance',
        threshold: outcome.threshold,
        drifted: outcome.drifted,
        verdict: outcome.drifted ? 'drift' : 'no drift',
        ...(outcome.note ? { note: outcome.note } : {}),
        reference: { ...counts.reference, values: sampleSize(refSample) },
        current: { ...counts.current, values: sampleSize(curSample) },
        histogram: histogramJson(outcome.binned),
      });
      ctx.progress((index + 1) / columns.length);
    }

    const share = compared === 0 ? 0 : drifted / compared;
    const datasetDrift = compared > 0 && share >= params.driftShare;
    ctx.metric('datasetDrift', datasetDrift ? 1 : 0);
    ctx.metric('driftShare', share);
    // Drifted columns first, each group in the tables' column order.
    const ordered = [...results.filter((entry) => entry.drifted === true), ...results.filter((entry) => entry.drifted !== true)];
    const driftedNames = ordered.filter((entry) => entry.drifted === true).map((entry) => String(entry.column));
    if (datasetDrift) {
      const message = `dataset drift: ${drifted} of ${compared} columns drifted (${list(driftedNames)}), share ${share.toFixed(3)} ≥ ${params.driftShare}`;
      if (params.onDrift === 'fail') throw new NodeError(message);
      ctx.log(message, 'warn');
    }
    const report: ReportValue = {
      kind: 'drift',
      method: params.method,
      datasetDrift,
      driftShare: share,
      driftShareThreshold: params.driftShare,
      driftedColumns: drifted,
      comparedColumns: compared,
      referenceRows: reference.numRows,
      currentRows: current.numRows,
      columns: ordered,
    };
    return { report };
  },
});
