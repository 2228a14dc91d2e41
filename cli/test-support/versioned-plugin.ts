/** A plugin module for CLI tests: `test.offset`, a node type at version 2 with a migration from 1. */
import { offsetNode } from '../../core/graph/test-support/versioned-node.js';

export default offsetNode;
