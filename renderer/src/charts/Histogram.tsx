import { memo } from 'react';
import type { HistogramSummary } from '../api/protocol';
import { formatNumber } from './scale';

const W = 120;
const H = 34;

/** A column's distribution in a table header: bins for numbers, top values for the rest. */
export const Histogram = memo(function Histogram({ histogram }: { histogram: HistogramSummary | undefined }) {
  if (!histogram) return <svg className="histogram" viewBox={`0 0 ${W} ${H}`} aria-hidden />;
  if ('bins' in histogram) {
    const bins = histogram.bins;
    const max = Math.max(1, ...bins.map((bin) => bin.count));
    const width = W / Math.max(1, bins.length);
    return (
      <svg className="histogram" viewBox={`0 0 ${W} ${H}`} role="img" aria-label="histogram">
        {bins.map((bin, index) => {
          const height = Math.max(bin.count > 0 ? 1 : 0, (bin.count / max) * (H - 2));
          return (
            <rect key={index} x={index * width + 0.5} y={H - height} width={Math.max(1, width - 1)} height={height} className="histogram__bar">
              <title>{`${formatNumber(bin.from)} – ${formatNumber(bin.to)}: ${bin.count}`}</title>
            </rect>
          );
        })}
      </svg>
    );
  }
  const top = histogram.top.slice(0, 5);
  const max = Math.max(1, ...top.map((entry) => entry.count));
  const rowHeight = H / Math.max(1, top.length);
  return (
    <svg className="histogram" viewBox={`0 0 ${W} ${H}`} role="img" aria-label="most frequent values">
      {top.map((entry, index) => (
        <rect key={index} x={0} y={index * rowHeight + 0.5} width={Math.max(1, (entry.count / max) * W)} height={Math.max(1, rowHeight - 1)} className="histogram__bar histogram__bar--category">
          <title>{`${String(entry.value)}: ${entry.count}`}</title>
        </rect>
      ))}
    </svg>
  );
});
