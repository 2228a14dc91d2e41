import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPipelineFile } from './load.js';
import { fixtureRegistry, samplePipeline } from './test-support/fixtures.js';

const registry = fixtureRegistry();
const dir = mkdtempSync(join(tmpdir(), 'tensorloom-graph-'));

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('loadPipelineFile', () => {
  it('loads, parses and validates a file', async () => {
    const path = file('ok.json', JSON.stringify(samplePipeline(), null, 2));
    const result = await loadPipelineFile(path, registry);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.pipeline.order).toEqual(['load', 'split', 'train', 'eval']);
  });

  it('applies --set overrides before validating', async () => {
    const path = file('set.json', JSON.stringify(samplePipeline(), null, 2));
    const result = await loadPipelineFile(path, registry, { sets: ['split.test=0.5'] });
    expect(result.ok && result.pipeline.nodes.get('split')!.params['test']).toBe(0.5);
    expect(result.ok && result.overrides).toEqual({ 'split.test': 0.5 });
    const bad = await loadPipelineFile(path, registry, { sets: ['split.test=2'] });
    expect(bad.ok === false && bad.issues[0]).toMatchObject({ code: 'invalid-param', message: "node 'split': param 'test' must be at most 0.9 (got 2)", file: path });
  });

  it('gives validation issues the file, line and column', async () => {
    const doc = samplePipeline();
    doc.nodes[1]!.params = { test: 1.5 };
    const text = JSON.stringify(doc, null, 2);
    const path = file('bad.json', text);
    const lines = text.split('\n');
    const line = lines.findIndex((candidate) => candidate.includes('"test": 1.5')) + 1;
    const column = lines[line - 1]!.indexOf('"test"') + 1;
    const result = await loadPipelineFile(path, registry);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual([
      { code: 'invalid-param', message: "node 'split': param 'test' must be at most 0.9 (got 1.5)", nodeId: 'split', field: 'test', path: 'nodes[1].params.test', file: path, line, column },
    ]);
  });

  it('reports a missing file, a folder and a path through a file', async () => {
    const missing = join(dir, 'nope.json');
    expect(await loadPipelineFile(missing, registry)).toEqual({ ok: false, issues: [{ code: 'file', message: 'no such file', file: missing }], warnings: [] });
    const folder = join(dir, 'folder.json');
    mkdirSync(folder);
    expect(await loadPipelineFile(folder, registry)).toMatchObject({ ok: false, issues: [{ code: 'file', message: `is a folder, not a pipeline file`, file: folder }] });
    const through = join(file('plain.txt', 'x'), 'inside.json');
    expect(await loadPipelineFile(through, registry)).toMatchObject({ ok: false, issues: [{ code: 'file', message: `a part of this path is a file, not a folder`, file: through }] });
  });

  it.skipIf(process.getuid?.() === 0 || process.platform === 'win32')('reports a file it may not read', async () => {
    const path = file('locked.json', '{}');
    chmodSync(path, 0o000);
    expect(await loadPipelineFile(path, registry)).toMatchObject({ ok: false, issues: [{ code: 'file', message: `permission denied`, file: path }] });
  });

  it('reports UTF-16 and invalid UTF-8', async () => {
    const utf16 = file('utf16.json', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{}', 'utf16le')]));
    expect(await loadPipelineFile(utf16, registry)).toMatchObject({ ok: false, issues: [{ code: 'file', message: `is saved as UTF-16; save it as UTF-8`, file: utf16 }] });
    const latin1 = file('latin1.json', Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]));
    expect(await loadPipelineFile(latin1, registry)).toMatchObject({ ok: false, issues: [{ code: 'file', message: `is not UTF-8 text`, file: latin1 }] });
  });

  it('reports malformed JSON with the file, line and column', async () => {
    const path = file('broken.json', '{\n  "name": "x",\n}');
    expect(await loadPipelineFile(path, registry)).toEqual({
      ok: false,
      issues: [{ code: 'json', message: "invalid JSON: trailing comma before '}' is not allowed in JSON", line: 2, column: 14, file: path }],
      warnings: [],
    });
  });
});
