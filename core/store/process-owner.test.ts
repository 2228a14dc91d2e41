import { describe, expect, it } from 'vitest';
import { currentOwner, isPidAlive, ownerState, processStartOf } from './process-owner.js';
import { deadPid } from './test-fixtures/temp-dirs.js';

describe('process ownership', () => {
  const me = currentOwner();

  it('knows this process is alive and an exited one is dead', () => {
    expect(me.pid).toBe(process.pid);
    expect(ownerState(me)).toBe('alive');
    expect(isPidAlive(process.pid)).toBe(true);
    const dead = deadPid();
    expect(isPidAlive(dead)).toBe(false);
    expect(ownerState({ ...me, pid: dead, processStart: null })).toBe('dead');
  });

  it('never treats 0 or negative pids (process groups) as alive', () => {
    expect(isPidAlive(0)).toBe(false);
    expect(isPidAlive(-1)).toBe(false);
  });

  it('leaves processes of another machine alone', () => {
    expect(ownerState({ ...me, pid: deadPid(), host: `not-${me.host}` })).toBe('unknown');
  });

  it('treats a process from before the last reboot as dead, even if its pid is in use now', () => {
    expect(ownerState({ ...me, bootId: 'some-other-boot' })).toBe('dead');
  });

  it.runIf(processStartOf(process.pid) !== null)('notices a pid that was reused by a newer process', () => {
    const parent = process.ppid;
    expect(ownerState({ ...me, pid: parent, processStart: processStartOf(parent) })).toBe('alive');
    expect(ownerState({ ...me, pid: parent, processStart: '1' })).toBe('dead');
  });
});
