/** A plugin module for CLI tests: the engine's fixture nodes, among them a slow one. */
import { fixtureNodes } from '../../core/engine/test-support/fixture-nodes.js';

export default fixtureNodes;
