/**
 * The preload as Electron runs it in a sandboxed renderer: CommonJS inside a wrapper that
 * offers only `require('electron')`. Electron cannot be installed here, so its two preload
 * APIs are stand-ins that record what the preload does with them.
 */
import { readFileSync } from 'node:fs';
import { createContext, Script } from 'node:vm';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

function loadPreload() {
  const exposed: Record<string, Record<string, unknown>> = {};
  const invoked: unknown[][] = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (key: string, api: Record<string, unknown>) => (exposed[key] = api) },
    ipcRenderer: { invoke: async (...args: unknown[]) => invoked.push(args), send: () => {}, on: () => {} },
    webUtils: { getPathForFile: (file: { name: string }) => `/home/someone/Desktop/${file.name}` },
  };
  const required: string[] = [];
  const sandboxRequire = (name: string) => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require ${name}`);
  };
  const source = readFileSync(new URL('./preload.cts', import.meta.url), 'utf8');
  const { code } = transformSync(source, { loader: 'ts', format: 'cjs' });
  const wrapped = new Script(`(function (require, process, Buffer, global, setImmediate, clearImmediate, exports, module) {\n${code}\n})`);
  const run = wrapped.runInContext(createContext({})) as (...args: unknown[]) => void;
  const module = { exports: {} };
  run(sandboxRequire, {}, undefined, {}, undefined, undefined, module.exports, module);
  return { exposed, invoked, required };
}

describe('preload', () => {
  it('exposes one function per native need as window.tensorloom, and never ipcRenderer', async () => {
    const { exposed, invoked, required } = loadPreload();
    expect(required).toEqual(['electron']);
    expect(Object.keys(exposed)).toEqual(['tensorloom']);
    const api = exposed.tensorloom!;
    expect(Object.keys(api).sort()).toEqual(['openDataFileDialog', 'openPipelineDialog', 'revealInFolder', 'savePipelineDialog', 'workspacePathOf']);
    expect(Object.values(api).every((value) => typeof value === 'function')).toBe(true);
    expect(JSON.stringify(Object.keys(api))).not.toMatch(/ipc|invoke|send/i);

    await (api.openPipelineDialog as () => Promise<unknown>)();
    await (api.savePipelineDialog as (name: unknown) => Promise<unknown>)({ toString: () => 'penguins' });
    await (api.revealInFolder as (path: unknown) => Promise<unknown>)('data/penguins.csv');
    await (api.workspacePathOf as (file: unknown) => Promise<unknown>)({ name: 'wine.csv' });
    await (api.openDataFileDialog as (extensions: unknown) => Promise<unknown>)(['.csv', 7]);
    await (api.openDataFileDialog as (extensions: unknown) => Promise<unknown>)('not a list');
    // Arguments cross as plain strings, whatever the page passes; a dropped file as the path Electron knows for it.
    expect(invoked).toEqual([
      ['tensorloom:open-pipeline-dialog'],
      ['tensorloom:save-pipeline-dialog', 'penguins'],
      ['tensorloom:reveal-in-folder', 'data/penguins.csv'],
      ['tensorloom:workspace-path', '/home/someone/Desktop/wine.csv'],
      ['tensorloom:open-data-file-dialog', ['.csv', '7']],
      ['tensorloom:open-data-file-dialog', []],
    ]);
  });
});
