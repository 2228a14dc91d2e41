import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * A worker thread running the module `name` (without extension) that sits beside the caller
 * (`here`: the caller's `import.meta.url`). Built code loads `name.js`; from TypeScript sources
 * (tests, tsx) the thread registers tsx first, resolved from the caller rather than from the
 * process's working folder, then imports `name.ts`.
 */
export function spawnModuleWorker(here: string, name: string): Worker {
  if (here.endsWith('.ts')) {
    const entry = new URL(`./${name}.ts`, here).href;
    const tsxRoot = dirname(createRequire(here).resolve('tsx/package.json'));
    const tsx = pathToFileURL(join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;
    return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`, { eval: true });
  }
  return new Worker(new URL(`./${name}.js`, here));
}
