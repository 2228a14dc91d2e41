/**
 * Run in a fresh Node process by predict.test.ts: loads a saved model bundle and predicts
 * on the raw rows of a CSV file, printing the result as JSON on stdout.
 * Usage: node --import <tsx loader> predict-in-child.ts <bundle dir> <csv file>
 */
import { loadBackend, loadBundle, modelInputTable, predictTable, readCsv } from '../../../core/sdk/index.js';

const [dir, csv] = process.argv.slice(2);
if (!dir || !csv) throw new Error('usage: predict-in-child.ts <bundle dir> <csv file>');
const model = await loadBundle(dir);
try {
  const { table } = await readCsv({ path: csv });
  const predictions = await predictTable(model, modelInputTable(model.bundle, { table, recipe: [] }));
  process.stdout.write(
    JSON.stringify({
      backend: (await loadBackend()).name,
      probabilities: predictions.probabilities ? Array.from(predictions.probabilities) : null,
      classIndex: predictions.classIndex ? Array.from(predictions.classIndex) : null,
    }),
  );
} finally {
  model.dispose();
}
