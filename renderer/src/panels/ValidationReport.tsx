import type { ValidationReport as Report } from '../model/report-values';

/** A data check's outcome: each rule, pass or fail, how many rows fail it, and a few of them. */
export function ValidationReport({ report }: { report: Report }) {
  const failed = report.rules.filter((rule) => !rule.passed).length;
  return (
    <div className="validation-report" data-testid="validation-report">
      <div className={report.passed ? 'ok-text' : 'error-text'}>
        {report.passed ? `All ${report.rules.length} rules passed` : `${failed} of ${report.rules.length} rules failed`}
      </div>
      <table className="kv-table">
        <thead>
          <tr>
            <th />
            <th>rule</th>
            <th>failing rows</th>
            <th>examples</th>
          </tr>
        </thead>
        <tbody>
          {report.rules.map((rule, index) => (
            <tr key={index} className={rule.passed ? '' : 'is-failed'}>
              <td>{rule.passed ? '✓' : '✗'}</td>
              <td>
                {rule.name}
                {rule.message && <div className="muted small">{rule.message}</div>}
              </td>
              <td className="is-number">
                {rule.failing ?? (rule.passed ? 0 : '?')}
                {rule.total !== undefined && <span className="muted"> / {rule.total}</span>}
              </td>
              <td className="small">
                {rule.examples.slice(0, 3).map((example, at) => (
                  <code key={at} className="example">
                    {typeof example === 'string' ? example : JSON.stringify(example)}
                  </code>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
