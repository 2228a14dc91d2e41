import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { isNodeError } from './errors.js';
import { realLocation, resolveInside } from './paths.js';

/** A workspace with a store folder and a folder outside it, each a real directory. */
function layout() {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'tensorloom-paths-')));
  const root = join(base, 'ws');
  const outside = join(base, 'outside');
  mkdirSync(join(root, 'data', 'inner'), { recursive: true });
  mkdirSync(join(root, '.tensorloom'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.csv'), 'a\n1\n');
  writeFileSync(join(root, 'data', 'in.csv'), 'a\n1\n');
  return { base, root, outside };
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isNodeError(error)) return error.message;
    throw error;
  }
  throw new Error('expected a NodeError');
}

describe('realLocation', () => {
  it('follows folder links, file links, links to links, dangling links and .. after a link', () => {
    const { root, outside } = layout();
    symlinkSync(outside, join(root, 'data', 'linkdir'));
    symlinkSync(join(root, 'data', 'linkdir'), join(root, 'data', 'link2'));
    symlinkSync(join(outside, 'not-yet.csv'), join(root, 'data', 'dangling.csv'));
    symlinkSync(join(outside, 'deeper'), join(root, 'data', 'to-missing-folder'));
    expect(realLocation(join(root, 'data', 'linkdir', 'x.csv'))).toBe(join(outside, 'x.csv'));
    expect(realLocation(join(root, 'data', 'link2', 'new', 'x.csv'))).toBe(join(outside, 'new', 'x.csv'));
    expect(realLocation(join(root, 'data', 'dangling.csv'))).toBe(join(outside, 'not-yet.csv'));
    expect(realLocation(join(root, 'data', 'to-missing-folder', 'x.csv'))).toBe(join(outside, 'deeper', 'x.csv'));
    // The kernel resolves `link/..` from the link's target, not lexically.
    expect(realLocation(`${root}/data/linkdir/../outside/x.csv`)).toBe(join(outside, 'x.csv'));
    // Plain paths, existing or not, come back as they are.
    expect(realLocation(join(root, 'data', 'in.csv'))).toBe(join(root, 'data', 'in.csv'));
    expect(realLocation(join(root, 'new', 'folder', 'x.csv'))).toBe(join(root, 'new', 'folder', 'x.csv'));
  });

  it('stops a link loop with a clear error instead of hanging', () => {
    const { root } = layout();
    symlinkSync(join(root, 'loop-b'), join(root, 'loop-a'));
    symlinkSync(join(root, 'loop-a'), join(root, 'loop-b'));
    expect(refusal(() => realLocation(join(root, 'loop-a', 'x.csv')))).toContain('more than 40 links');
  });
});

describe('resolveInside', () => {
  let root: string;
  let outside: string;
  beforeEach(() => ({ root, outside } = layout()));
  const write = (path: string) => resolveInside(root, root, path, 'path', 'write');
  const read = (path: string) => resolveInside(root, root, path, 'path', 'read');

  it('refuses a write through a folder link out of the workspace, naming the param and where it leads', () => {
    symlinkSync(outside, join(root, 'data', 'linkdir'));
    const message = refusal(() => write('data/linkdir/x.csv'));
    expect(message).toContain("param 'path': 'data/linkdir/x.csv' is outside the workspace");
    expect(message).toContain(`leads to ${join(outside, 'x.csv')}`);
    expect(refusal(() => write('data/linkdir/sub/new/x.csv'))).toContain('outside the workspace');
    expect(refusal(() => read('data/linkdir/secret.csv'))).toContain('outside the workspace');
  });

  it('refuses links in every place of the path: links to links, to the root above, dangling files, nested folders', () => {
    symlinkSync(outside, join(root, 'data', 'inner', 'deep'));
    symlinkSync(join(root, 'data', 'inner', 'deep'), join(root, 'hop'));
    symlinkSync(join(outside, 'new.csv'), join(root, 'data', 'dangling.csv'));
    symlinkSync('..', join(root, 'data', 'up'));
    symlinkSync('../..', join(root, 'data', 'up2'));
    for (const path of ['data/inner/deep/x.csv', 'hop/x.csv', 'data/dangling.csv', 'data/up2/outside/x.csv', 'data/up/../../outside/x.csv']) {
      expect(refusal(() => write(path)), path).toContain('outside the workspace');
    }
    // A link that stays inside (data/up → the workspace root) is fine.
    expect(write('data/up/data/out.csv')).toBe(join(root, 'data', 'out.csv'));
  });

  it('refuses every route into the .tensorloom store for writes: plain, through a folder link, a link to the root, a file link', () => {
    symlinkSync(join(root, '.tensorloom'), join(root, 'data', 'storelink'));
    symlinkSync(root, join(root, 'data', 'rootlink'));
    symlinkSync(join(root, '.tensorloom', 'tensorloom.db'), join(root, 'data', 'db.csv'));
    symlinkSync(join(root, 'data', 'storelink'), join(root, 'data', 'storelink2'));
    for (const path of ['.tensorloom/tensorloom.db', 'data/storelink/tensorloom.db', 'data/storelink2/artifacts/x', 'data/rootlink/.tensorloom/tensorloom.db', 'data/db.csv', 'data/../.tensorloom']) {
      const message = refusal(() => write(path));
      expect(message, path).toContain("inside the workspace's .tensorloom folder");
    }
    expect(refusal(() => write('data/storelink/tensorloom.db'))).toContain(`through a link it leads to ${join(root, '.tensorloom', 'tensorloom.db')}`);
    // Reading is a different matter: the store is inside the workspace (the app reads it).
    expect(read('data/storelink/tensorloom.db')).toBe(join(root, '.tensorloom', 'tensorloom.db'));
  });

  it('returns the real location, so the write that follows passes no link', () => {
    mkdirSync(join(root, 'data', 'real'));
    symlinkSync(join(root, 'data', 'real'), join(root, 'data', 'alias'));
    expect(write('data/alias/x.csv')).toBe(join(root, 'data', 'real', 'x.csv'));
    expect(read('data/in.csv')).toBe(join(root, 'data', 'in.csv'));
  });

  it('accepts a workspace that is itself reached through a link', () => {
    const linkedRoot = join(root, '..', 'ws-link');
    symlinkSync(root, linkedRoot);
    expect(resolveInside(linkedRoot, linkedRoot, 'data/in.csv', 'path')).toBe(join(root, 'data', 'in.csv'));
    expect(refusal(() => resolveInside(linkedRoot, linkedRoot, '.tensorloom/x', 'path', 'write'))).toContain('.tensorloom');
  });

  it('refuses plain escapes, empty paths and NUL bytes with the param named', () => {
    expect(refusal(() => read('../outside/secret.csv'))).toContain("param 'path': '../outside/secret.csv' is outside the workspace");
    expect(refusal(() => read(join(outside, 'secret.csv')))).toContain('outside the workspace');
    expect(refusal(() => read(''))).toBe("param 'path': a path is required");
    expect(refusal(() => read('data/a\0b.csv'))).toBe("param 'path': the path contains a NUL character");
  });
});
