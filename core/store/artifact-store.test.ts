import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ArtifactStore } from './artifact-store.js';
import { writeFileDurably } from './durable-fs.js';
import { StoreError } from './errors.js';
import { deadPid, tempDirs } from './test-fixtures/temp-dirs.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function storeIn(): ArtifactStore {
  return new ArtifactStore(join(dirs.make(), '.tensorloom'));
}

function buildDir(store: ArtifactStore, files: Record<string, string>, order = Object.keys(files)): string {
  const dir = store.tempPath('model');
  mkdirSync(dir);
  for (const path of order) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), files[path]!);
  }
  return dir;
}

describe('ArtifactStore', () => {
  it('stores bytes under artifacts/sha256/<2 hex>/<rest>, read-only', async () => {
    const store = storeIn();
    const ref = await store.putBytes(new TextEncoder().encode('hello'));
    const hex = sha256('hello');
    expect(ref).toEqual({ hash: `sha256:${hex}`, size: 5, kind: 'file', path: join(store.root, 'artifacts', 'sha256', hex.slice(0, 2), hex.slice(2)), fresh: true });
    expect(statSync(ref.path).mode & 0o777).toBe(0o444);
    expect(store.has(ref.hash)).toBe(true);
    expect(new TextDecoder().decode(await store.readBytes(ref.hash))).toBe('hello');
    expect(readdirSync(store.tempDir)).toEqual([]);
  });

  it('publishes a file hashed while written (writeFileDurably) under the same name as a file hashed after', async () => {
    const store = storeIn();
    const pieces = ['header ', 'a'.repeat(5 << 20), '', 'tail'].map((text) => new TextEncoder().encode(text));
    const temp = store.tempPath('streamed');
    const written = await writeFileDurably(temp, pieces);
    expect(written).toEqual({ sha256: sha256(`header ${'a'.repeat(5 << 20)}tail`), size: 7 + (5 << 20) + 4 });
    const ref = await store.putFile(temp, written);
    expect(ref.hash).toBe(`sha256:${written.sha256}`);
    expect(await store.verify(ref.hash)).toBe(true);
    expect(statSync(ref.path).mode & 0o777).toBe(0o444);
    const again = store.tempPath('same');
    writeFileSync(again, Buffer.concat(pieces));
    expect((await store.putFile(again)).hash).toBe(ref.hash);
  });

  it('refuses a file whose size is not what was written', async () => {
    const store = storeIn();
    const temp = store.tempPath('changed');
    const written = await writeFileDurably(temp, [new TextEncoder().encode('abc')]);
    chmodSync(temp, 0o644);
    writeFileSync(temp, 'abcd');
    await expect(store.putFile(temp, written)).rejects.toThrow(/holds 4 bytes, not the 3 written/);
    expect(store.has(`sha256:${written.sha256}`)).toBe(false);
  });

  it('publishes a temp file by moving it, and drops the temp when the content is already stored', async () => {
    const store = storeIn();
    const first = store.tempPath('out table');
    expect(basename(first)).toMatch(new RegExp(`^${process.pid}\\.[0-9a-f]+\\.out_table$`));
    expect(existsSync(first)).toBe(false);
    writeFileSync(first, 'a,b\n1,2\n');
    const ref = await store.putFile(first);
    expect(ref.hash).toBe(`sha256:${sha256('a,b\n1,2\n')}`);
    expect(existsSync(first)).toBe(false);

    const second = store.tempPath('again');
    writeFileSync(second, 'a,b\n1,2\n');
    // Already stored: nothing new on disk, which `fresh: false` says (the disk budget counts only fresh bytes).
    expect(await store.putFile(second)).toEqual({ ...ref, fresh: false });
    expect(existsSync(second)).toBe(false);
    expect(await store.putBytes(new TextEncoder().encode('a,b\n1,2\n'))).toEqual({ ...ref, fresh: false });
  });

  it('refuses to move a file that is not under tmp/', async () => {
    const store = storeIn();
    const outside = join(dirs.make(), 'data.csv');
    writeFileSync(outside, 'x');
    await expect(store.putFile(outside)).rejects.toMatchObject({ name: 'StoreError', code: 'invalid-input' });
    expect(existsSync(outside)).toBe(true);
  });

  it('hashes a folder by its files, whatever order they were written in', async () => {
    const store = storeIn();
    const files = { 'model.json': '{"layers":[]}', 'weights/group1.bin': 'abc', 'bundle.json': '{}' };
    const a = await store.putDir(buildDir(store, files));
    const other = storeIn();
    const b = await other.putDir(buildDir(other, files, ['weights/group1.bin', 'bundle.json', 'model.json']));
    expect(a.hash).toBe(b.hash);
    expect(a.kind).toBe('dir');
    expect(a.size).toBe(13 + 3 + 2);
    expect(statSync(join(a.path, 'weights', 'group1.bin')).mode & 0o777).toBe(0o444);
    expect(await store.verify(a.hash)).toBe(true);
    expect(store.refOf(a.hash)).toEqual({ ...a, fresh: undefined });

    const renamed = await store.putDir(buildDir(store, { 'model.json': '{"layers":[]}', 'weights/group2.bin': 'abc', 'bundle.json': '{}' }));
    const changed = await store.putDir(buildDir(store, { ...files, 'bundle.json': '{ }' }));
    expect(new Set([a.hash, renamed.hash, changed.hash]).size).toBe(3);

    const again = await store.putDir(buildDir(store, files));
    expect(again).toEqual({ ...a, fresh: false });
    expect(readdirSync(store.tempDir)).toEqual([]);
  });

  it('keeps the folder hash format stable (it names folders already on disk)', async () => {
    // sha256 of "tensorloom-dir-v1\n" + JSON [[path, size, sha256 hex], …] sorted by path,
    // computed independently with sha256sum.
    const store = storeIn();
    const ref = await store.putDir(buildDir(store, { 'model.json': '{"layers":[]}', 'weights/group1.bin': 'abc', 'bundle.json': '{}' }));
    expect(ref.hash).toBe('sha256:9c9550b20662c38024afc49cebca3fd08c1bf8132883804106f9af2eb20c8d58');
  });

  it('refuses symbolic links inside a folder artifact', async () => {
    const store = storeIn();
    const dir = buildDir(store, { 'model.json': '{}' });
    symlinkSync('/etc/hostname', join(dir, 'link'));
    await expect(store.putDir(dir)).rejects.toThrow(/symbolic link/);
  });

  it('says which hash is malformed or missing', async () => {
    const store = storeIn();
    expect(() => store.pathOf('md5:abc')).toThrow(StoreError);
    expect(() => store.pathOf('md5:abc')).toThrow(/not an artifact id: 'md5:abc'/);
    const missing = `sha256:${'ab'.repeat(32)}`;
    expect(store.has(missing)).toBe(false);
    expect(store.kindOf(missing)).toBeUndefined();
    await expect(store.readBytes(missing)).rejects.toMatchObject({ code: 'missing-artifact', path: store.pathOf(missing) });
  });

  it('verify notices content that no longer matches its name', async () => {
    const store = storeIn();
    const ref = await store.putBytes(new TextEncoder().encode('original'));
    chmodSync(ref.path, 0o644);
    writeFileSync(ref.path, 'tampered');
    expect(await store.verify(ref.hash)).toBe(false);
  });

  it('cleanTemp removes leftovers of dead processes only', async () => {
    const store = storeIn();
    const dead = deadPid();
    writeFileSync(join(store.tempDir, `${dead}.0a1b2c.table`), 'half');
    mkdirSync(join(store.tempDir, `${dead}.3d4e5f.model`));
    writeFileSync(join(store.tempDir, `${dead}.3d4e5f.model`, 'w.bin'), 'x');
    chmodSync(join(store.tempDir, `${dead}.3d4e5f.model`, 'w.bin'), 0o444);
    const mine = store.tempPath('in-progress');
    writeFileSync(mine, 'still writing');
    writeFileSync(join(store.tempDir, 'notes.txt'), 'not ours');

    expect(store.cleanTemp()).toBe(2);
    expect(readdirSync(store.tempDir).sort()).toEqual([relative(store.tempDir, mine), 'notes.txt'].sort());
    expect(store.cleanTemp()).toBe(0);
  });
});
