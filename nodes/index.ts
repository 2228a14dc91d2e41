/**
 * The built-in node catalog. The composition root (cli/catalog.ts) registers these with
 * the engine; core never imports this folder.
 */
import type { AnyNodeDefinition } from '../core/sdk/index.js';
import csv from './data/csv.js';
import split from './data/split.js';

export const builtinNodes: readonly AnyNodeDefinition[] = [csv, split] as unknown as AnyNodeDefinition[];
