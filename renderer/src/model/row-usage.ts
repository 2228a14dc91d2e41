/**
 * How a node used the table's rows, from the metrics it reported: data.split's
 * `train_rows`/`validation_rows`/`test_rows` and train.dense's `trainRows`/`validationRows`.
 * Shown on the node card, so a split with no validation rows and the trainer that then
 * stops on none read the same.
 */
export function rowUsage(metrics: Readonly<Record<string, number>> | undefined): string | undefined {
  if (!metrics) return undefined;
  const parts: [string, number | undefined][] = [
    ['train', metrics.train_rows ?? metrics.trainRows],
    ['validation', metrics.validation_rows ?? metrics.validationRows],
    ['test', metrics.test_rows],
  ];
  const shown = parts.filter((part): part is [string, number] => typeof part[1] === 'number');
  if (shown.length === 0) return undefined;
  return `rows: ${shown.map(([role, count]) => `${count.toLocaleString('en-US')} ${role}`).join(' · ')}`;
}
