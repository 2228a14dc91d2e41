/** The layer rules of ARCHITECTURE.md section 1, as the lint configuration enforces them. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

  it('core never imports the SDK facade; its tests and core/sdk itself may', async () => {
    expect(await layerErrors('core/ml/example.ts', "import { NodeError } from '../sdk/index.js';\nexport const x = NodeError;\n")).toEqual([
      expect.stringContaining('core never imports core/sdk'),
    ]);
    expect(await layerErrors('core/ml/example.ts', "import { NodeError } from '../base/errors.js';\nexport const x = NodeError;\n")).toEqual([]);
    expect(await layerErrors('core/ml/example.test.ts', "import { NodeError } from '../sdk/index.js';\nexport const x = NodeError;\n")).toEqual([]);
  });

  it('nodes reach files only through the run context', async () => {
    for (const module of ['node:fs', 'node:fs/promises', 'fs']) {
      expect(await layerErrors('nodes/data/example.ts', `import { readFileSync } from '${module}';\nexport const x = readFileSync;\n`)).toEqual([
        expect.stringContaining('nodes reach files through the run context'),
      ]);
    }
  });

  it('nodes import only the SDK', async () => {
    expect(await layerErrors('nodes/data/example.ts', "import { Engine } from '../../core/engine/index.js';\nexport const x = Engine;\n")).toEqual([
      expect.stringContaining('nodes import only core/sdk'),
    ]);
    expect(await layerErrors('nodes/data/example.ts', "import { NodeError } from '../../core/sdk/index.js';\nexport const x = NodeError;\n")).toEqual([]);
  });

  it('the lint step finds import cycles between core folders, naming them; core has none', () => {
    const check = (root: string) => spawnSync(process.execPath, [join(repo, 'scripts', 'check-folder-cycles.mjs'), root], { encoding: 'utf8' });
    const here = check(repo);
    expect(here.status, here.stderr).toBe(0);

    const root = mkdtempSync(join(tmpdir(), 'tensorloom-cycles-'));
    try {
      const file = (path: string, text: string) => {
        mkdirSync(join(root, path, '..'), { recursive: true });
        writeFileSync(join(root, path), text);
      };
      file('core/base/errors.ts', 'export const base = 1;\n');
      file('core/data/table.ts', "import { ml } from '../ml/model.js';\nimport { base } from '../base/errors.js';\nexport const data = ml + base;\n");
      file('core/ml/model.ts', "import type { data } from '../data/table.js';\nexport const ml = 1 as typeof data;\n");
      const found = check(root);
      expect(found.status).toBe(1);
      expect(found.stderr).toBe('folder cycle: core/data, core/ml import each other (core/data → core/ml; core/ml → core/data); move the shared part down a layer (core/base)\n');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
