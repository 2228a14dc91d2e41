#!/usr/bin/env node
// `npm start`: opens Tensorloom on the default workspace (seeded with the examples on first
// start). Until the visual builder lands, it says so and runs the example pipeline headless.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const workspace = resolve(process.env.TENSORLOOM_WORKSPACE ?? join(homedir(), 'Tensorloom'));
const example = 'penguins.pipeline.json';

if (!existsSync(workspace) || readdirSync(workspace).length === 0) {
  mkdirSync(workspace, { recursive: true });
  cpSync(join(repo, 'examples'), workspace, { recursive: true, filter: (path) => !path.includes('.tensorloom') });
  console.log(`tensorloom: created the default workspace ${workspace} with the example pipelines`);
} else {
  console.log(`tensorloom: workspace ${workspace} (set TENSORLOOM_WORKSPACE to use another)`);
}

console.log('tensorloom: the visual builder and desktop shell are not part of this build yet; running the example pipeline headless instead.');
const cli = join(repo, 'bin', 'tensorloom.mjs');
const result = spawnSync(process.execPath, [cli, 'run', join(workspace, example)], { stdio: 'inherit' });
console.log(`\nNext: edit ${join(workspace, example)} and run it again; only the nodes you changed re-run.`);
console.log(`  npx tensorloom run ${join(workspace, example)} --set split.test=0.3`);
console.log(`  npx tensorloom runs --workspace ${workspace}`);
process.exitCode = result.status ?? 1;
