import { describe, expect, it } from 'vitest';
import { copyInPath, extensionsOf, readerFor, relativeToPipeline } from './data-files';

describe('files from the desktop', () => {
  it('picks the data node that reads a file by its extension, in any case', () => {
    expect(readerFor('penguins.csv')).toBe('data.csv');
    expect(readerFor('EVENTS.JSONL')).toBe('data.jsonl');
    expect(readerFor('flights.parquet')).toBe('data.parquet');
    expect(readerFor('rows.json')).toBe('data.json');
    expect(readerFor('notes.docx')).toBeUndefined();
    expect(readerFor('.csv')).toBeUndefined();
    expect(extensionsOf('data.jsonl')).toEqual(['.jsonl', '.ndjson']);
    expect(extensionsOf('train.dense')).toEqual([]);
  });

  it('copies into data/ under a name every OS accepts', () => {
    expect(copyInPath('penguins.csv')).toBe('data/penguins.csv');
    expect(copyInPath('a:b?.csv')).toBe('data/a-b-.csv');
    expect(copyInPath('..hidden.csv')).toBe('data/hidden.csv');
  });

  it('writes paths relative to the pipeline file, as the engine resolves them', () => {
    expect(relativeToPipeline(null, 'data/a.csv')).toBe('data/a.csv');
    expect(relativeToPipeline('wine.pipeline.json', 'data/a.csv')).toBe('data/a.csv');
    expect(relativeToPipeline('pipelines/wine.pipeline.json', 'data/a.csv')).toBe('../data/a.csv');
    expect(relativeToPipeline('pipelines/deep/w.pipeline.json', 'pipelines/data/a.csv')).toBe('../data/a.csv');
    expect(relativeToPipeline('data/w.pipeline.json', 'data/a.csv')).toBe('a.csv');
  });
});
