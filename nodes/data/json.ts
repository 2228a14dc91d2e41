import { readJson } from '../../core/sdk/index.js';
import { jsonReaderNode } from './json-reader-node.js';

// The file is read whole (an array has no line boundaries to stream by); JSON Lines streams.
export default jsonReaderNode({
  type: 'data.json',
  title: 'JSON file',
  description: 'Reads a JSON file holding an array of objects into a table: keys become columns, typed integer, decimal, true/false or text.',
  rows: 'One row per object of the array.',
  pathHelp: 'JSON file to read (an array of objects), relative to the pipeline file',
  module: import.meta.url,
  read: readJson,
});
