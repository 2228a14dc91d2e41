/** A writer process for the shared-folder test: publishes the same file and folder into one store many times; prints their ids. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArtifactStore } from '../../store/index.js';

const store = new ArtifactStore(process.argv[2]!);
const bytes = Buffer.alloc(2 * 1024 * 1024, 7);
let ids = '';
for (let round = 0; round < 20; round++) {
  const file = store.tempPath('file');
  writeFileSync(file, bytes);
  const stored = await store.putFile(file);
  const dir = store.tempPath('dir');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  writeFileSync(join(dir, 'model.json'), '{"layers": 3}');
  writeFileSync(join(dir, 'sub', 'weights.bin'), bytes.subarray(0, 4096));
  const folder = await store.putDir(dir);
  const line = `${stored.hash} ${folder.hash}`;
  if (ids !== '' && ids !== line) throw new Error(`ids changed: ${ids} then ${line}`);
  ids = line;
}
process.stdout.write(ids + '\n');
