/**
 * A workspace for the feature store through the CLI (cli/features.test.ts, bench/features):
 * the penguins example as a feature view's rows and label events, and a pipeline that writes
 * the view and trains on its point-in-time join.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from './run-cli.js';

export const MEASURES = ['island', 'bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g'] as const;

export interface Penguin {
  id: number;
  species: string;
  values: Record<string, string | number | null>;
}

/** The penguins example as a feature view's rows (id, measured_at, measures) and label events (id, labelled_at, species). */
export function penguinWorkspace(): { dir: string; penguins: Penguin[] } {
  const dir = mkdtempSync(join(tmpdir(), 'tensorloom-features-cli-'));
  const [header, ...lines] = readFileSync(join(REPO, 'examples', 'data', 'penguins.csv'), 'utf8').trim().split('\n');
  const names = header!.split(',');
  const penguins: Penguin[] = lines.map((line, id) => {
    const cells = line.split(',');
    const cell = (name: string) => cells[names.indexOf(name)]!;
    const values = Object.fromEntries(MEASURES.map((name) => [name, cell(name) === 'NA' ? null : name === 'island' ? cell(name) : Number(cell(name))]));
    return { id, species: cell('species'), values };
  });
  const csvCell = (value: string | number | null) => (value === null ? 'NA' : String(value));
  // Each penguin measured twice: a wrong early measurement, then the real one before the label; a third one after the label must never be used.
  const featureRows = penguins.flatMap((penguin) => [
    [penguin.id, '2024-01-01', ...MEASURES.map((name) => (typeof penguin.values[name] === 'number' ? 1 : csvCell(penguin.values[name]!)))],
    [penguin.id, '2024-02-01', ...MEASURES.map((name) => csvCell(penguin.values[name]!))],
  ]);
  writeFileSync(join(dir, 'measures.csv'), [['penguin', 'measured_at', ...MEASURES].join(','), ...featureRows.map((row) => row.join(','))].join('\n') + '\n');
  writeFileSync(join(dir, 'labels.csv'), ['penguin,labelled_at,species', ...penguins.map((penguin) => `${penguin.id},2024-03-01,${penguin.species}`)].join('\n') + '\n');
  const pipeline = {
    format: 'tensorloom/pipeline@1',
    name: 'penguin-features',
    nodes: [
      { id: 'measures', type: 'data.csv', params: { path: 'measures.csv' } },
      { id: 'save', type: 'feature.store.write', params: { name: 'penguin_measures', entity: ['penguin'], timestamp: 'measured_at', ttl: '90d' } },
      { id: 'labels', type: 'data.csv', params: { path: 'labels.csv' } },
      { id: 'join', type: 'feature.store.read', params: { views: ['penguin_measures'], timestamp: 'labelled_at' } },
      { id: 'keep', type: 'feature.select', params: { drop: ['penguin', 'labelled_at'] } },
      { id: 'split', type: 'data.split', params: { test: 0.2, stratifyBy: 'species', seed: 1 } },
      { id: 'impute', type: 'feature.impute', params: { strategy: 'median' } },
      { id: 'train', type: 'train.dense', params: { target: 'species', epochs: 30, seed: 1 } },
    ],
    edges: [
      { from: 'measures.table', to: 'save.table' },
      { from: 'labels.table', to: 'join.entities' },
      { from: 'save.table', to: 'join.after' },
      { from: 'join.table', to: 'keep.table' },
      { from: 'keep.table', to: 'split.table' },
      { from: 'split.table', to: 'impute.table' },
      { from: 'impute.table', to: 'train.table' },
    ],
  };
  writeFileSync(join(dir, 'features.pipeline.json'), JSON.stringify(pipeline, null, 2));
  return { dir, penguins };
}
