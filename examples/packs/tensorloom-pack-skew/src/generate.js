/**
 * skew.generate: a source node that makes a synthetic loan-applicant table. Income and debt
 * are log-normal (long right tails), so a log transform helps the network; whether an
 * applicant defaulted depends on the ratio of debt to income. The same seed and row count
 * give the same rows (and the same cache key: the params are all it reads).
 */
import { defineNode, float64Column, port, seededRandom, stringColumn, tableFromColumns, z } from 'tensorloom/sdk';

const REGIONS = ['north', 'south', 'east', 'west'];
const REGION_RISK = { north: -0.3, south: 0.2, east: 0, west: 0.4 };

/** A standard normal draw (Box-Muller) from a uniform source. */
function normal(next) {
  const u = Math.max(next(), Number.MIN_VALUE);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
}

export default defineNode({
  type: 'skew.generate',
  version: 1,
  category: 'data',
  title: 'Skewed applicants',
  description: 'Generates loan applicants with long-tailed income and debt (log-normal) and whether each defaulted.',
  inputs: {},
  outputs: { table: port('table', { description: 'income, debt, age, region, defaulted (yes/no)' }) },
  params: z.object({
    rows: z.number().int().min(20).max(1_000_000).default(600).describe('How many applicants'),
    seed: z.number().int().default(1).describe('The same seed gives the same rows'),
  }),
  async run({ params }, ctx) {
    const next = seededRandom(params.seed);
    const income = new Float64Array(params.rows);
    const debt = new Float64Array(params.rows);
    const age = new Float64Array(params.rows);
    const region = [];
    const defaulted = [];
    for (let row = 0; row < params.rows; row++) {
      if (row % 10_000 === 0) ctx.signal.throwIfAborted();
      income[row] = Math.round(Math.exp(10.5 + 0.6 * normal(next)));
      debt[row] = Math.round(Math.exp(9.2 + 1.1 * normal(next)));
      age[row] = 18 + Math.floor(next() * 60);
      const place = REGIONS[Math.floor(next() * REGIONS.length)];
      region.push(place);
      const risk = 2.2 * (Math.log1p(debt[row]) - Math.log1p(income[row]) + 1.2) + REGION_RISK[place] - 0.02 * (age[row] - 45) + 0.5 * normal(next);
      defaulted.push(risk > 0 ? 'yes' : 'no');
    }
    ctx.metric('rows', params.rows);
    const table = tableFromColumns({ income: float64Column(income), debt: float64Column(debt), age: float64Column(age), region: stringColumn(region), defaulted: stringColumn(defaulted) });
    return { table: { table, recipe: [] } };
  },
});
