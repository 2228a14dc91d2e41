import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Fresh folders for a test file; `cleanup()` (in afterEach) removes them all. */
export function tempDirs(): { make(prefix?: string): string; cleanup(): void } {
  const made: string[] = [];
  return {
    make(prefix = 'tensorloom-store-') {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      made.push(dir);
      return dir;
    },
    cleanup() {
      for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The pid of a process that has already exited. */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

export const sampleRun = {
  pipelineName: 'sample',
  pipelineHash: 'sha256:' + '0'.repeat(64),
  pipelinePath: null,
  pipelineJson: '{"format":"tensorloom/pipeline@1","name":"sample","nodes":[],"edges":[]}',
  until: null,
  overrides: {},
};
