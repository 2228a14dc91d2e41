#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm install`), or the TypeScript sources through
// tsx when dist/ is missing (a checkout that skipped the build).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
let entry;
if (existsSync(compiled)) entry = await import(compiled.href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  entry = await import(new URL('../cli/main.ts', import.meta.url).href);
}
await entry.cli(process.argv.slice(2));
