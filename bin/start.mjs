#!/usr/bin/env node
// `npm start`: opens Tensorloom on the default workspace (seeded with the examples on first
// start): in the desktop shell when Electron is installed, else the same UI in the browser.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const workspace = resolve(process.env.TENSORLOOM_WORKSPACE ?? join(homedir(), 'Tensorloom'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const scripts = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).scripts ?? {};

if (!existsSync(workspace) || readdirSync(workspace).length === 0) {
  mkdirSync(workspace, { recursive: true });
  cpSync(join(repo, 'examples'), workspace, { recursive: true, filter: (path) => !path.includes('.tensorloom') });
  console.log(`tensorloom: created the default workspace ${workspace} with the example pipelines`);
} else {
  console.log(`tensorloom: workspace ${workspace} (set TENSORLOOM_WORKSPACE to use another)`);
}

/** Runs an npm script in the repo; false (after npm's own output) when it fails or does not exist. */
function npmRun(script, why) {
  if (!scripts[script]) {
    console.log(`tensorloom: package.json has no '${script}' script (needed for ${why})`);
    return false;
  }
  console.log(`tensorloom: ${why} (npm run ${script})…`);
  const result = spawnSync(npm, ['run', '--silent', script], { cwd: repo, stdio: 'inherit', shell: process.platform === 'win32' });
  return result.status === 0;
}

/** The newest modification time of the TypeScript sources the compiled app is made from. */
function newestSource(dirs) {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.c?ts$/.test(entry.name)) newest = Math.max(newest, statSync(full).mtimeMs);
    }
  };
  for (const dir of dirs) if (existsSync(join(repo, dir))) walk(join(repo, dir));
  return newest;
}

const isStale = (compiled, dirs) => !existsSync(compiled) || statSync(compiled).mtimeMs < newestSource(dirs);

if (!existsSync(join(repo, 'dist', 'renderer', 'index.html'))) {
  if (!npmRun('build:ui', 'building the user interface once')) console.log('tensorloom: the UI is not built; the page will say how to build it');
}

/** The Electron executable (TENSORLOOM_ELECTRON names another), when the package and its downloaded binary are both there. */
function electronBinary() {
  if (process.env.TENSORLOOM_ELECTRON) return process.env.TENSORLOOM_ELECTRON;
  try {
    const binary = createRequire(join(repo, 'package.json'))('electron');
    return typeof binary === 'string' && existsSync(binary) ? binary : undefined;
  } catch {
    return undefined; // not installed, or installed without its binary
  }
}

/** Runs a child until it exits; Ctrl-C reaches it through the terminal, SIGTERM is passed on. */
function runChild(command, args, env = process.env) {
  const child = spawn(command, args, { cwd: repo, stdio: 'inherit', env });
  process.on('SIGINT', () => {}); // the child handles Ctrl-C (it gets it too) and exits; wait for it
  process.on('SIGTERM', () => child.kill('SIGTERM'));
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 130 : 1);
  });
}

const sources = ['core', 'cli', 'nodes'];
const electron = electronBinary();
// The compiled CLI when it is current, else the sources through tsx (a checkout being edited).
const compiledCurrent = !isStale(join(repo, 'dist', 'cli', 'main.js'), sources);
const cli = compiledCurrent
  ? [join(repo, 'bin', 'tensorloom.mjs')]
  : ['--import', new URL('../node_modules/tsx/dist/loader.mjs', import.meta.url).href, join(repo, 'cli', 'entry.ts')];
// Open on the example pipeline when the workspace has it (the first start always does).
const example = existsSync(join(workspace, 'penguins.pipeline.json')) ? ['penguins.pipeline.json'] : [];

if (electron) {
  const main = join(repo, 'dist', 'electron', 'main.js');
  if (isStale(main, [...sources, 'electron'])) npmRun('build:electron', 'compiling the desktop shell');
  // The server runs here in Node (native modules are built for Node, not for Electron's ABI);
  // the shell only shows its window. It prints its link on stdout once it listens.
  const server = spawn(process.execPath, [...cli, 'ui', ...example, '--no-open', '--port', '0', '--workspace', workspace], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
  let printed = '';
  server.stdout.on('data', (chunk) => {
    printed += chunk.toString();
    const link = /^Tensorloom UI: (\S+)$/m.exec(printed)?.[1];
    if (!link || process.env.TENSORLOOM_SERVER) return;
    process.env.TENSORLOOM_SERVER = link;
    console.log('tensorloom: opening the desktop window');
    const shell = spawn(electron, [main], { cwd: repo, stdio: 'inherit', env: { ...process.env, TENSORLOOM_WORKSPACE: workspace, TENSORLOOM_SERVER: link } });
    shell.on('exit', (code) => {
      server.kill('SIGTERM');
      process.exitCode = code ?? 0;
    });
    process.on('SIGTERM', () => shell.kill('SIGTERM'));
  });
  server.on('exit', (code) => {
    if (!process.env.TENSORLOOM_SERVER) {
      console.log(`tensorloom: the local server stopped before it was ready (exit ${code})`);
      process.exitCode = code ?? 1;
    }
  });
  process.on('SIGINT', () => {}); // both children get Ctrl-C from the terminal and stop
} else {
  console.log('tensorloom: Electron is not installed here (its binary could not be downloaded); opening the same UI in your browser instead');
  runChild(process.execPath, [...cli, 'ui', ...example, '--workspace', workspace]);
}
