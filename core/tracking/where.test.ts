import { describe, expect, it } from 'vitest';
import { matchesWhere, sortRuns } from './evaluate.js';
import { metricSource } from './run-fields.js';
import { parseSort } from './sort-spec.js';
import type { TrackedRun } from './tracked-run.js';
import { isQuerySyntaxError, parseWhere, QuerySyntaxError } from './where.js';

function run(id: string, fields: Partial<TrackedRun>): TrackedRun {
  return {
    id, experiment: 'wine', pipelineName: 'wine', pipelinePath: null, pipelineHash: 'sha256:0', status: 'succeeded', trigger: 'cli', backend: 'cpu',
    startedAt: 1000, finishedAt: 61_000, durationMs: 60_000, until: null, error: null, note: null, parentRunId: null, tags: {}, nodeCounts: {} as TrackedRun['nodeCounts'],
    nodeTypes: { train: 'train.dense', evaluate: 'eval.model' }, params: {}, metrics: {}, outputs: {}, environment: null,
    ...fields,
  };
}

function syntaxError(source: string): QuerySyntaxError {
  try {
    parseWhere(source);
  } catch (error) {
    if (isQuerySyntaxError(error)) return error;
    throw error;
  }
  throw new Error(`'${source}' parsed`);
}

const a = run('a', {
  params: { train: { epochs: 50, hiddenLayers: [32, 16], optimizer: 'adam' }, split: { seed: 1 } },
  metrics: { train: { loss: 0.3, accuracy: 0.99 }, evaluate: { accuracy: 0.92, loss: 0.4 } },
  tags: { team: 'vision', score: '0.5' },
});
const b = run('b', {
  startedAt: 2000,
  status: 'failed',
  params: { train: { epochs: 20, hiddenLayers: [32], optimizer: 'sgd' }, split: { seed: 2 } },
  metrics: { train: { loss: 0.5, accuracy: 0.8 } },
});
const c = run('c', { startedAt: 3000, nodeTypes: { train: 'train.dense' }, metrics: { train: { accuracy: Number.NaN } } });

const matching = (where: string) => [a, b, c].filter((one) => matchesWhere(one, parseWhere(where))).map((one) => one.id);

describe('--where', () => {
  it('compares metrics, params, tags and run fields', () => {
    expect(matching('metrics.accuracy > 0.9 and params.train.epochs = 50')).toEqual(['a']);
    expect(matching('params.train.epochs >= 20')).toEqual(['a', 'b']);
    expect(matching("tags.team = 'vision'")).toEqual(['a']);
    expect(matching('status = failed or experiment = "nope"')).toEqual(['b']);
    expect(matching('params.train.optimizer != adam')).toEqual(['b']);
    expect(matching('duration >= 60 AND NOT status = failed')).toEqual(['a', 'c']);
    expect(matching('(status = failed or tags.team = vision) and params.split.seed < 2')).toEqual(['a']);
  });

  it('resolves metrics.<name> to the evaluation node, else the first node that reports it', () => {
    expect(metricSource(a, 'accuracy')).toBe('evaluate');
    expect(metricSource(b, 'accuracy')).toBe('train');
    expect(matching('metrics.accuracy = 0.92')).toEqual(['a']);
    expect(matching('metrics.train.accuracy = 0.99')).toEqual(['a']);
    expect(matching('metrics.evaluate.loss < 0.5')).toEqual(['a']);
  });

  it('a missing value or NaN makes any comparison false; `not` turns it true', () => {
    expect(matching('metrics.evaluate.accuracy != 1')).toEqual(['a']);
    expect(matching('metrics.accuracy < 2')).toEqual(['a', 'b']);
    expect(matching('not metrics.accuracy < 2')).toEqual(['c']);
    expect(matching('tags.team != vision')).toEqual([]);
  });

  it('compares quoted numbers as numbers, and lists by their JSON', () => {
    expect(matching('params.split.seed = "1"')).toEqual(['a']);
    expect(matching('tags.score > 0.4')).toEqual(['a']);
    expect(matching('params.train.hiddenLayers = "[32,16]"')).toEqual(['a']);
    expect(matching('params.train.optimizer > "b"')).toEqual(['b']);
  });

  it('points at the column of a syntax error', () => {
    const missingValue = syntaxError('metrics.accuracy > and x');
    expect(missingValue.column).toBe(20);
    expect(missingValue.message).toMatch(/expected a value .* after '>', found 'and'/);
    expect(missingValue.display()).toBe(
      "--where: expected a value (a number, a quoted string, true or false) after '>', found 'and' (column 20)\n  metrics.accuracy > and x\n                     ^",
    );
    expect(syntaxError('metrics.accuracy 0.9').column).toBe(18);
    expect(syntaxError("tags.team = 'open").column).toBe(13);
    expect(syntaxError('(status = failed').column).toBe(1);
    expect(syntaxError('status = failed)').column).toBe(16);
    expect(syntaxError('status = failed and').column).toBe(20);
    expect(syntaxError('accuracy > 0.9').message).toMatch(/unknown field 'accuracy'; fields are metrics\.<metric>/);
    expect(syntaxError('params.epochs = 3').message).toMatch(/params\.<node>\.<param>/);
    expect(syntaxError('status = $x').column).toBe(10);
    expect(syntaxError('  ').message).toBe('the filter is empty');
  });
});

describe('--sort', () => {
  it('orders by a field, missing values last in either direction, ties newest first', () => {
    const sorted = (text: string) => sortRuns([a, b, c], parseSort(text)).map((one) => one.id);
    expect(sorted('-metrics.accuracy')).toEqual(['a', 'b', 'c']);
    expect(sorted('metrics.accuracy')).toEqual(['b', 'a', 'c']);
    expect(sorted('started')).toEqual(['a', 'b', 'c']);
    expect(sorted('-started')).toEqual(['c', 'b', 'a']);
    expect(sorted('status,-started')).toEqual(['b', 'c', 'a']);
  });

  it('names a bad field with its column', () => {
    try {
      parseSort('-metrics.accuracy, bogus');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(QuerySyntaxError);
      expect((error as QuerySyntaxError).column).toBe(20);
      expect((error as QuerySyntaxError).display()).toMatch(/^--sort: unknown field 'bogus'/);
    }
  });
});
