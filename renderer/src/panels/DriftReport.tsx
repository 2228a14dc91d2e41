import { DriftHistogram } from '../charts/DriftHistogram';
import { formatNumber } from '../charts/scale';
import type { DriftColumn, DriftReport as Report } from '../model/report-values';

/** The statistic against its threshold, the way the test decides: p below it, a distance at or above it. */
function comparison(column: DriftColumn): string {
  if (column.score === null || column.threshold === null) return column.note ?? '—';
  const pValue = column.scoreIs === 'p-value';
  const name = pValue ? 'p' : column.test === 'wasserstein' ? 'distance (norm.)' : column.test === 'psi' ? 'PSI' : 'distance';
  const sign = pValue ? (column.drifted ? '<' : '≥') : column.drifted ? '≥' : '<';
  return `${name} = ${formatNumber(column.score)} ${sign} ${formatNumber(column.threshold)}`;
}

/** monitor.drift's report: the dataset verdict, then per column (drifted first) its test, statistic and histograms. */
export function DriftReport({ report }: { report: Report }) {
  return (
    <div className="drift-report" data-testid="drift-report" data-dataset-drift={report.datasetDrift}>
      <div className={report.datasetDrift ? 'error-text' : 'ok-text'} data-testid="drift-summary">
        {report.datasetDrift ? 'Dataset drift' : 'No dataset drift'}: {report.driftedColumns} of {report.comparedColumns} columns drifted (share {formatNumber(report.driftShare)}, threshold {formatNumber(report.driftShareThreshold)})
      </div>
      <div className="drift-report__legend small muted">
        <span className="drift-report__swatch drift-report__swatch--reference" /> reference <span className="drift-report__swatch drift-report__swatch--current" /> current
      </div>
      <ol className="drift-report__columns">
        {report.columns.map((column) => (
          <li key={column.column} className={`drift-column${column.drifted ? ' is-drifted' : ''}`} data-testid={`drift-column-${column.column}`} data-drifted={column.drifted}>
            <div className="drift-column__head">
              <b>{column.column}</b>
              <span className={`status-chip ${column.drifted ? 'status-failed' : column.verdict === 'skipped' ? 'status-skipped' : 'status-succeeded'}`}>{column.verdict}</span>
              {column.test && <span className="muted small">{column.test}</span>}
            </div>
            <div className="small" data-testid={`drift-statistic-${column.column}`}>
              {comparison(column)}
              {column.statistic !== null && column.scoreIs === 'p-value' && <span className="muted"> (statistic {formatNumber(column.statistic)})</span>}
            </div>
            {column.note && <div className="muted small">{column.note}</div>}
            {column.histogram && <DriftHistogram histogram={column.histogram} testId={`drift-histogram-${column.column}`} />}
          </li>
        ))}
      </ol>
    </div>
  );
}
