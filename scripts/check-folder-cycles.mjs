#!/usr/bin/env node
/**
 * Layer check for `npm run lint`: collapses every module under core/ to its folder
 * (core/base, core/data, core/ml, …) with dependency-cruiser and fails when the folders
 * import each other in a cycle, naming it. ESLint's import rules see one file at a time;
 * a cycle between folders only shows in the whole graph. Tests and test fixtures are left
 * out: they may reach across layers. Run in another project root: `node … <root>`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { cruise } from 'dependency-cruiser';

const root = resolve(process.argv[2] ?? '.');
process.chdir(root);

const result = await cruise(
  ['core'],
  {
    exclude: { path: ['\\.test\\.ts$', '/test-support/', '/test-fixtures/', 'node_modules'] },
    doNotFollow: { path: ['node_modules'] },
    tsPreCompilationDeps: true, // type-only imports count: they tie the layers together too
    collapse: '^core/[^/]+',
  },
  { extensions: ['.ts', '.js', '.mjs'] },
  existsSync('tsconfig.json') ? { tsConfig: { fileName: 'tsconfig.json' } } : {},
);

/** folder → the folders it imports */
const edges = new Map();
for (const module of result.output.modules) {
  if (!module.source.startsWith('core/')) continue;
  const targets = module.dependencies.map((dependency) => dependency.resolved).filter((target) => target.startsWith('core/') && target !== module.source);
  edges.set(module.source, [...new Set(targets)].sort());
}

// Tarjan's strongly connected components: every component of more than one folder is a cycle.
const order = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
let counter = 0;
function visit(folder) {
  order.set(folder, counter);
  low.set(folder, counter);
  counter++;
  stack.push(folder);
  onStack.add(folder);
  for (const next of edges.get(folder) ?? []) {
    if (!order.has(next)) {
      visit(next);
      low.set(folder, Math.min(low.get(folder), low.get(next)));
    } else if (onStack.has(next)) low.set(folder, Math.min(low.get(folder), order.get(next)));
  }
  if (low.get(folder) === order.get(folder)) {
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== folder);
    if (component.length > 1) cycles.push(component.sort());
  }
}
for (const folder of [...edges.keys()].sort()) if (!order.has(folder)) visit(folder);

if (cycles.length > 0) {
  for (const cycle of cycles) {
    const inCycle = new Set(cycle);
    const links = cycle.flatMap((from) => (edges.get(from) ?? []).filter((to) => inCycle.has(to)).map((to) => `${from} → ${to}`));
    process.stderr.write(`folder cycle: ${cycle.join(', ')} import each other (${links.join('; ')}); move the shared part down a layer (core/base)\n`);
  }
  process.exit(1);
}
process.stdout.write(`core: ${edges.size} folders, no import cycles between them\n`);
