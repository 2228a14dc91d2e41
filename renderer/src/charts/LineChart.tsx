import { memo } from 'react';
import { SERIES_COLOURS } from '../canvas/theme';
import { formatNumber, niceTicks, scale } from './scale';

export interface Line {
  name: string;
  points: { step: number; value: number }[];
}

const W = 360;
const H = 180;
const PAD = { left: 44, right: 12, top: 12, bottom: 26 };

/**
 * Metric series over steps (epochs, or time windows): one polyline per series, redrawn as points
 * arrive. `xTick` names a step on the x axis (default: its number), `xName` what the steps are.
 */
export const LineChart = memo(function LineChart({ title, lines, testId, xTick = formatNumber, xName = 'step' }: { title: string; lines: Line[]; testId?: string; xTick?: (step: number) => string; xName?: string }) {
  const all = lines.flatMap((line) => line.points);
  if (all.length === 0) return null;
  const steps = all.map((point) => point.step);
  const values = all.map((point) => point.value).filter(Number.isFinite);
  let [y0, y1] = [Math.min(...values), Math.max(...values)];
  if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const pad = (y1 - y0) * 0.05;
  [y0, y1] = [y0 - pad, y1 + pad];
  const x0 = Math.min(...steps);
  const x1 = Math.max(...steps) === x0 ? x0 + 1 : Math.max(...steps);
  const x = scale([x0, x1], [PAD.left, W - PAD.right]);
  const y = scale([y0, y1], [H - PAD.bottom, PAD.top]);
  const xTicks = niceTicks(x0, x1, 5).filter((tick) => Number.isInteger(tick) || x1 - x0 < 5);
  const yTicks = niceTicks(y0, y1, 4);
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption className="chart__title">
        {title}
        <span className="chart__legend">
          {lines.map((line, index) => (
            <span key={line.name} className="chart__key">
              <span className="chart__swatch" style={{ background: SERIES_COLOURS[index % SERIES_COLOURS.length] }} />
              {line.name} <b>{formatNumber(line.points[line.points.length - 1]?.value ?? NaN)}</b>
            </span>
          ))}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} className="chart__svg" role="img" aria-label={`${title} by ${xName}`}>
        {yTicks.map((tick) => (
          <g key={`y${tick}`}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(tick)} y2={y(tick)} className="chart__grid" />
            <text x={PAD.left - 6} y={y(tick) + 3} className="chart__tick" textAnchor="end">
              {formatNumber(tick)}
            </text>
          </g>
        ))}
        {xTicks.map((tick) => (
          // A label at the right edge ends there, so the chart never clips it.
          <text key={`x${tick}`} x={x(tick)} y={H - 8} className="chart__tick chart__tick--x" textAnchor={tick === x1 && xTick !== formatNumber ? 'end' : 'middle'}>
            {xTick(tick)}
          </text>
        ))}
        <line x1={PAD.left} x2={W - PAD.right} y1={H - PAD.bottom} y2={H - PAD.bottom} className="chart__axis" />
        {lines.map((line, index) => {
          const colour = SERIES_COLOURS[index % SERIES_COLOURS.length];
          const points = [...line.points].sort((a, b) => a.step - b.step);
          return (
            <g key={line.name}>
              <polyline fill="none" stroke={colour} strokeWidth={1.8} points={points.map((point) => `${x(point.step).toFixed(1)},${y(point.value).toFixed(1)}`).join(' ')} />
              {points.length <= 40 && points.map((point) => <circle key={point.step} cx={x(point.step)} cy={y(point.value)} r={2} fill={colour} />)}
            </g>
          );
        })}
      </svg>
    </figure>
  );
});
