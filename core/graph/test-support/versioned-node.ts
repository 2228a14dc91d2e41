/**
 * A runnable node type at version 2 whose version 1 called its one param `plus`; version 2
 * calls it `amount`. The migration renames it, and refuses (throws) a `plus` that is not a
 * number, so tests can see a failing step too. Used by the graph tests, the CLI tests (as a
 * TENSORLOOM_PLUGINS module, cli/test-support/versioned-plugin.ts) and the browser tests.
 */
import { z } from 'zod';
import { defineNode } from '../../base/define-node.js';
import { port } from '../../base/ports.js';

export const offsetNode = defineNode({
  type: 'test.offset',
  version: 2,
  migrations: [
    {
      from: 1,
      migrate({ plus, ...rest }) {
        if (plus === undefined) return rest;
        if (typeof plus !== 'number') throw new Error(`'plus' must be a number to become 'amount' (got ${JSON.stringify(plus)})`);
        return { ...rest, amount: plus };
      },
    },
  ],
  category: 'util',
  title: 'Offset',
  description: 'Adds amount to its input (test node; version 1 called the param plus).',
  inputs: { in: port('metrics', { optional: true }) },
  outputs: { out: port('metrics') },
  params: z.object({ amount: z.number().default(0), note: z.string().default('') }),
  async run({ inputs, params }, ctx) {
    const value = Number(inputs.in?.value ?? 0) + params.amount;
    ctx.metric('value', value);
    return { out: { value } };
  },
});

/** Version 3 with a step from version 2 only: version 1 → 2 kept the params. Never runs. */
export const lateChainNode = defineNode({
  type: 'test.late',
  version: 3,
  migrations: [
    { from: 2, migrate: (params) => ({ ...params, level: 'v3' }) },
  ],
  category: 'util',
  title: 'Late chain',
  description: 'Migrates from version 2 only (test node).',
  inputs: {},
  outputs: { out: port('metrics') },
  params: z.object({ level: z.string().default('v3') }),
  async run() {
    throw new Error('declaration only');
  },
});
