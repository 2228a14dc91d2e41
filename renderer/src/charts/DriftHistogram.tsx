import { memo } from 'react';
import type { DriftColumn } from '../model/report-values';
import { formatNumber } from './scale';

const W = 260;
const H = 70;
const LABEL = 12;

/**
 * Reference and current distributions of one column overlaid, as shares of each sample so
 * different sizes compare: numeric bins left to right, categories most frequent first.
 */
export const DriftHistogram = memo(function DriftHistogram({ histogram, testId }: { histogram: NonNullable<DriftColumn['histogram']>; testId: string }) {
  const total = (counts: number[]) => Math.max(1, counts.reduce((sum, count) => sum + count, 0));
  const refTotal = total(histogram.reference);
  const curTotal = total(histogram.current);
  const reference = histogram.reference.map((count) => count / refTotal);
  const current = histogram.current.map((count) => count / curTotal);
  const max = Math.max(1e-9, ...reference, ...current);
  const bins = reference.length;
  const width = W / Math.max(1, bins);
  const plot = H - LABEL;
  const label = (index: number) =>
    histogram.type === 'bins' ? `${formatNumber(histogram.edges[index] ?? 0)} – ${formatNumber(histogram.edges[index + 1] ?? 0)}` : (histogram.categories[index] ?? '');
  const bar = (share: number) => Math.max(share > 0 ? 1 : 0, (share / max) * (plot - 2));
  return (
    <svg className="drift-histogram" viewBox={`0 0 ${W} ${H}`} role="img" aria-label="reference and current histograms" data-testid={testId} data-bins={bins}>
      {reference.map((share, index) => (
        <rect key={`r${index}`} x={index * width + 0.5} y={plot - bar(share)} width={Math.max(1, width - 1)} height={bar(share)} className="drift-histogram__reference">
          <title>{`${label(index)}: reference ${(share * 100).toFixed(1)}%`}</title>
        </rect>
      ))}
      {current.map((share, index) => (
        <rect key={`c${index}`} x={index * width + width * 0.25} y={plot - bar(share)} width={Math.max(1, width * 0.5)} height={bar(share)} className="drift-histogram__current">
          <title>{`${label(index)}: current ${(share * 100).toFixed(1)}%`}</title>
        </rect>
      ))}
      {histogram.type === 'bins' ? (
        <>
          <text x={0} y={H - 2} className="drift-histogram__axis">
            {formatNumber(histogram.edges[0] ?? 0)}
          </text>
          <text x={W} y={H - 2} textAnchor="end" className="drift-histogram__axis">
            {formatNumber(histogram.edges[histogram.edges.length - 1] ?? 0)}
          </text>
        </>
      ) : (
        histogram.categories.slice(0, 8).map((name, index) => (
          <text key={index} x={index * width + width / 2} y={H - 2} textAnchor="middle" className="drift-histogram__axis">
            {name.length > 8 ? `${name.slice(0, 7)}…` : name}
          </text>
        ))
      )}
    </svg>
  );
});
