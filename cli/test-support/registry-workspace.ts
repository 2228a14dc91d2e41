/**
 * A temp workspace with a small seeded penguins pipeline that ends in registry.register
 * (load → select → split → impute → encode → scale → train → evaluate → register), for
 * the registry's tests through the real CLI: real training, real SQLite.
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO, tensorloom, type CliResult } from './run-cli.js';

export const REGISTRY_PIPELINE = 'registry.pipeline.json';

export interface RunJson {
  runId: string;
  status: string;
  nodes: Record<string, { status: string; cached: boolean; error?: string }>;
  metrics: Record<string, Record<string, number>>;
  outputs: Record<string, Record<string, string>>;
}

/** `register`'s params (name penguins by default); `epochs` keeps training short. */
export function registryPipeline(register: Record<string, unknown> = {}, epochs = 8): object {
  const node = (id: string, type: string, params: Record<string, unknown> = {}) => ({ id, type, params });
  return {
    format: 'tensorloom/pipeline@1',
    name: 'registry',
    nodes: [
      node('load', 'data.csv', { path: 'data/penguins.csv' }),
      node('cols', 'feature.select', { drop: ['year'] }),
      node('split', 'data.split', { test: 0.2, stratifyBy: 'species', seed: 1 }),
      node('impute', 'feature.impute', { target: 'species' }),
      node('encode', 'feature.encode', { target: 'species' }),
      node('scale', 'feature.scale', { target: 'species' }),
      node('train', 'train.dense', { target: 'species', seed: 1, epochs }),
      node('evaluate', 'eval.model'),
      node('register', 'registry.register', { name: 'penguins', ...register }),
    ],
    edges: [
      { from: 'load.table', to: 'cols.table' },
      { from: 'cols.table', to: 'split.table' },
      { from: 'split.table', to: 'impute.table' },
      { from: 'impute.table', to: 'encode.table' },
      { from: 'encode.table', to: 'scale.table' },
      { from: 'scale.table', to: 'train.table' },
      { from: 'train.model', to: 'evaluate.model' },
      { from: 'scale.table', to: 'evaluate.table' },
      { from: 'train.model', to: 'register.model' },
      { from: 'evaluate.metrics', to: 'register.metrics' },
    ],
  };
}

/** A fresh workspace holding data/penguins.csv and the registry pipeline. */
export function registryWorkspace(register: Record<string, unknown> = {}, epochs?: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'tensorloom-registry-'));
  mkdirSync(join(dir, 'data'));
  cpSync(join(REPO, 'examples', 'data', 'penguins.csv'), join(dir, 'data', 'penguins.csv'));
  writeFileSync(join(dir, REGISTRY_PIPELINE), JSON.stringify(registryPipeline(register, epochs), null, 2));
  return dir;
}

/** `tensorloom run registry.pipeline.json --json` with `--set`s (each `node.param=json`). */
export function runRegistry(dir: string, sets: Record<string, unknown> = {}, file = REGISTRY_PIPELINE): CliResult & { json: RunJson | undefined } {
  const args = ['run', file, '--json', ...Object.entries(sets).flatMap(([key, value]) => ['--set', `${key}=${JSON.stringify(value)}`])];
  const result = tensorloom(args, { cwd: dir });
  let json: RunJson | undefined;
  try {
    json = JSON.parse(result.stdout) as RunJson;
  } catch {
    json = undefined;
  }
  return { ...result, json };
}
