/** The layer rules of ARCHITECTURE.md section 1, as the lint configuration enforces them. */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('..', import.meta.url));
const eslint = new ESLint({ cwd: repo });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(repo, file) });
  return result!.messages.filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message);
}

describe('layer rules', () => {
  it('core never imports nodes, the CLI, the UI or the shell', async () => {
    expect(await layerErrors('core/engine/example.ts', "import { builtinNodes } from '../../nodes/index.js';\nexport const x = builtinNodes;\n")).toEqual([
      expect.stringContaining('core must not import nodes/'),
    ]);
    expect(await layerErrors('core/graph/example.ts', "import { cli } from '../../cli/main.js';\nexport const x = cli;\n")).toHaveLength(1);
    expect(await layerErrors('core/data/example.ts', "import React from 'react';\nexport const x = React;\n")).toHaveLength(1);
  });

  it('nodes import only the SDK', async () => {
    expect(await layerErrors('nodes/data/example.ts', "import { Engine } from '../../core/engine/index.js';\nexport const x = Engine;\n")).toEqual([
      expect.stringContaining('nodes import only core/sdk'),
    ]);
    expect(await layerErrors('nodes/data/example.ts', "import { NodeError } from '../../core/sdk/index.js';\nexport const x = NodeError;\n")).toEqual([]);
  });
});
