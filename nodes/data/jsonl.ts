import { readJsonLines } from '../../core/sdk/index.js';
import { jsonReaderNode } from './json-reader-node.js';

export default jsonReaderNode({
  type: 'data.jsonl',
  title: 'JSON Lines file',
  description: 'Reads a JSON Lines file (one object per line) into a table: keys become columns, typed integer, decimal, true/false or text.',
  rows: 'One row per line of the file.',
  pathHelp: 'JSON Lines file to read (.jsonl, .ndjson), relative to the pipeline file',
  module: import.meta.url,
  read: readJsonLines,
});
