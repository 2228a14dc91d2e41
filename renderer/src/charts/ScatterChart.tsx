import { memo } from 'react';
import type { ScatterPoint } from '../model/run-table';
import { formatNumber, niceTicks, scale } from './scale';

const W = 300;
const H = 190;
const PAD = { left: 46, right: 12, top: 12, bottom: 30 };

/**
 * A param against the metric, one dot per trial, the best ringed. Numeric params on a linear
 * axis (a log axis when they span more than two decades, as learning rates do); categorical
 * ones at evenly spaced positions named by their values.
 */
export const ScatterChart = memo(function ScatterChart({ title, metric, points, categories, testId }: { title: string; metric: string; points: ScatterPoint[]; categories: string[] | null; testId?: string }) {
  if (points.length === 0) return null;
  const xs = points.map((point) => point.x);
  const positive = xs.every((value) => value > 0);
  const log = categories === null && positive && Math.max(...xs) / Math.min(...xs) > 100;
  const toX = (value: number) => (log ? Math.log10(value) : value);
  let [x0, x1] = categories ? [-0.5, categories.length - 0.5] : [Math.min(...xs.map(toX)), Math.max(...xs.map(toX))];
  if (x0 === x1) [x0, x1] = [x0 - 1, x1 + 1];
  const ys = points.map((point) => point.y);
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const padY = (y1 - y0) * 0.08;
  [y0, y1] = [y0 - padY, y1 + padY];
  const x = scale([x0, x1], [PAD.left, W - PAD.right]);
  const y = scale([y0, y1], [H - PAD.bottom, PAD.top]);
  const xTicks = categories ? categories.map((label, index) => ({ at: index, label })) : niceTicks(x0, x1, 4).map((tick) => ({ at: tick, label: formatNumber(log ? 10 ** tick : tick) }));
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption className="chart__title">
        {title}
        {log && <span className="muted small"> (log scale)</span>}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} className="chart__svg" role="img" aria-label={`${metric} against ${title}, one point per trial`}>
        {niceTicks(y0, y1, 4).map((tick) => (
          <g key={`y${tick}`}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(tick)} y2={y(tick)} className="chart__grid" />
            <text x={PAD.left - 6} y={y(tick) + 3} className="chart__tick" textAnchor="end">
              {formatNumber(tick)}
            </text>
          </g>
        ))}
        {xTicks.map((tick) => (
          <text key={`x${tick.at}`} x={x(tick.at)} y={H - 10} className="chart__tick" textAnchor="middle">
            {tick.label}
          </text>
        ))}
        <line x1={PAD.left} x2={W - PAD.right} y1={H - PAD.bottom} y2={H - PAD.bottom} className="chart__axis" />
        {points.map((point) => (
          <circle key={point.label} cx={x(toX(point.x))} cy={y(point.y)} r={point.best ? 5 : 3.2} className={point.best ? 'scatter__dot scatter__dot--best' : 'scatter__dot'} data-best={point.best ? 'true' : undefined}>
            <title>{point.label}</title>
          </circle>
        ))}
      </svg>
    </figure>
  );
});
