import type { ConfusionData } from '../model/report-values';

/** Rows are actual classes, columns predicted; shade is the share of the row, so recall reads along the diagonal. */
export function ConfusionMatrix({ data }: { data: ConfusionData }) {
  return (
    <figure className="chart" data-testid="confusion-matrix">
      <figcaption className="chart__title">Confusion matrix {data.path && data.path !== 'confusionMatrix' ? <span className="muted">({data.path})</span> : null}</figcaption>
      <table className="confusion">
        <thead>
          <tr>
            <th className="confusion__corner">actual ↓ / predicted →</th>
            {data.labels.map((label) => (
              <th key={label}>{label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {data.matrix.map((row, rowIndex) => {
            const total = row.reduce((sum, count) => sum + count, 0) || 1;
            return (
              <tr key={rowIndex}>
                <th>{data.labels[rowIndex]}</th>
                {row.map((count, column) => {
                  const share = count / total;
                  return (
                    <td key={column} className={rowIndex === column ? 'confusion__diag' : ''} style={{ ['--share' as string]: share.toFixed(3) }} title={`${(share * 100).toFixed(1)}% of actual ${data.labels[rowIndex]}`}>
                      {count}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </figure>
  );
}
