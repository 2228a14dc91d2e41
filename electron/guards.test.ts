/** The shell's security decisions, without Electron (it cannot be installed here). */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyWithFreeName, isExternalWebLink, suggestedPipelineName, trustedSender, workspaceFile, workspacePathOf } from './guards.js';

const origin = 'http://127.0.0.1:41234';
const workspace = join('/home', 'ada', 'Tensorloom');

describe('shell guards', () => {
  it('trusts IPC only from frames of the server origin', () => {
    expect(trustedSender(`${origin}/`, origin)).toBe(true);
    expect(trustedSender(`${origin}/runs/1?x=1`, origin)).toBe(true);
    for (const url of ['http://127.0.0.1:41235/', 'http://localhost:41234/', 'https://evil.example/', 'file:///etc/passwd', 'about:blank', 'data:text/html,hi', 'not a url', undefined]) {
      expect(trustedSender(url, origin), String(url)).toBe(false);
    }
  });

  it('hands only https links to the system browser', () => {
    expect(isExternalWebLink('https://www.tensorflow.org/js')).toBe(true);
    for (const url of ['http://example.com', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'ms-settings:', 'nonsense']) {
      expect(isExternalWebLink(url), url).toBe(false);
    }
  });

  it('maps dialog picks to workspace paths, and refuses files outside the workspace', () => {
    expect(workspacePathOf(workspace, join(workspace, 'penguins.pipeline.json'))).toBe('penguins.pipeline.json');
    expect(workspacePathOf(workspace, join(workspace, 'a', 'b.pipeline.json'))).toBe('a/b.pipeline.json');
    expect(workspacePathOf(workspace, join('/home', 'ada', 'other.pipeline.json'))).toBeNull();
    expect(workspacePathOf(workspace, join('/home', 'ada', 'Tensorloom2', 'x.pipeline.json'))).toBeNull();
    expect(workspacePathOf(workspace, workspace)).toBeNull();
  });

  it('reveals only workspace paths', () => {
    expect(workspaceFile(workspace, 'data/penguins.csv')).toBe(join(workspace, 'data', 'penguins.csv'));
    for (const path of ['../x', 'a/../../x', '/etc/passwd', 'C:\\x', 'a\\b', '', './a', 'a//b', 42, null]) {
      expect(workspaceFile(workspace, path), String(path)).toBeNull();
    }
  });

  it('suggests plain .pipeline.json file names', () => {
    expect(suggestedPipelineName('penguins')).toBe('penguins.pipeline.json');
    expect(suggestedPipelineName('penguins.json')).toBe('penguins.pipeline.json');
    expect(suggestedPipelineName('a.pipeline.json')).toBe('a.pipeline.json');
    expect(suggestedPipelineName('../../etc/x')).toBe('..-..-etc-x.pipeline.json');
    expect(suggestedPipelineName(undefined)).toBe('untitled.pipeline.json');
  });

  it('copies a picked file into the workspace without overwriting one of the same name', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'tl-outside-'));
    const target = mkdtempSync(join(tmpdir(), 'tl-ws-'));
    try {
      writeFileSync(join(outside, 'wine.csv'), 'a\n1\n');
      mkdirSync(join(target, 'data'));
      writeFileSync(join(target, 'data', 'wine.csv'), 'other\n');
      const copied = await copyWithFreeName(join(outside, 'wine.csv'), join(target, 'data'));
      expect(workspacePathOf(target, copied)).toBe('data/wine-2.csv');
      expect(readFileSync(copied, 'utf8')).toBe('a\n1\n');
      expect(readFileSync(join(target, 'data', 'wine.csv'), 'utf8')).toBe('other\n');
    } finally {
      rmSync(outside, { recursive: true, force: true });
      rmSync(target, { recursive: true, force: true });
    }
  });
});
