import { SERIES_COLOURS } from '../canvas/theme';
import type { RocCurve } from '../model/report-values';

const S = 200;
const PAD = 28;

/** ROC curves, one per class (one-vs-rest), with the chance diagonal and each curve's AUC. */
export function RocChart({ curves }: { curves: RocCurve[] }) {
  const span = S - PAD - 8;
  const x = (fpr: number) => PAD + fpr * span;
  const y = (tpr: number) => 8 + (1 - tpr) * span;
  return (
    <figure className="chart" data-testid="roc-chart">
      <figcaption className="chart__title">
        ROC
        <span className="chart__legend">
          {curves.map((curve, index) => (
            <span key={curve.name} className="chart__key">
              <span className="chart__swatch" style={{ background: SERIES_COLOURS[index % SERIES_COLOURS.length] }} />
              {curve.name}
              {curve.auc !== undefined && <b> AUC {curve.auc.toFixed(3)}</b>}
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${S} ${S}`} className="chart__svg chart__svg--square" role="img" aria-label="ROC curves">
        <rect x={PAD} y={8} width={span} height={span} className="chart__frame" />
        <line x1={x(0)} y1={y(0)} x2={x(1)} y2={y(1)} className="chart__diagonal" />
        {curves.map((curve, index) => {
          const points = curve.fpr.map((fpr, at) => [fpr, curve.tpr[at] ?? 0] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          return <polyline key={curve.name} fill="none" stroke={SERIES_COLOURS[index % SERIES_COLOURS.length]} strokeWidth={1.8} points={points.map(([fpr, tpr]) => `${x(fpr).toFixed(1)},${y(tpr).toFixed(1)}`).join(' ')} />;
        })}
        <text x={PAD + span / 2} y={S - 4} textAnchor="middle" className="chart__tick">
          false positive rate
        </text>
        <text x={10} y={8 + span / 2} textAnchor="middle" className="chart__tick" transform={`rotate(-90 10 ${8 + span / 2})`}>
          true positive rate
        </text>
      </svg>
    </figure>
  );
}
