import { readFileSync } from 'node:fs';
import { hostname, uptime } from 'node:os';
import { errnoCode } from './errors.js';

/**
 * Who owns a run: enough to tell later, from another process, whether the owner still
 * lives. A pid alone is not enough: after a reboot or a long time, another program may
 * have the same pid, so the boot and (where the OS tells) the process start are kept too.
 */
export interface ProcessOwner {
  pid: number;
  host: string;
  /** Identifies the machine's current boot; null where it cannot be read. */
  bootId: string | null;
  /** When the process started, in the OS's own units (Linux: clock ticks since boot); null where unknown. */
  processStart: string | null;
}

/** `alive`: leave it alone. `dead`: its work will never finish. `unknown`: another machine's process. */
export type OwnerState = 'alive' | 'dead' | 'unknown';

let self: ProcessOwner | undefined;

export function currentOwner(): ProcessOwner {
  self ??= { pid: process.pid, host: hostname(), bootId: currentBootId(), processStart: processStartOf(process.pid) };
  return self;
}

export function ownerState(owner: ProcessOwner, me: ProcessOwner = currentOwner()): OwnerState {
  // A workspace on a shared drive may hold runs of another machine; its pids mean nothing here.
  if (owner.host !== me.host) return 'unknown';
  if (owner.bootId !== null && me.bootId !== null && !sameBoot(owner.bootId, me.bootId)) return 'dead';
  if (owner.pid === me.pid && owner.processStart === me.processStart) return 'alive';
  if (!isPidAlive(owner.pid)) return 'dead';
  if (owner.processStart !== null) {
    const now = processStartOf(owner.pid);
    if (now !== null && now !== owner.processStart) return 'dead'; // the pid was reused
  }
  return 'alive';
}

export function isPidAlive(pid: number): boolean {
  // 0 and negative pids address process groups, never one process.
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return errnoCode(error) === 'EPERM';
  }
}

/** Linux: the start time field of /proc/<pid>/stat. Elsewhere null (then only the pid is checked). */
export function processStartOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command name) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null; // field 22 of the whole line
  } catch {
    return null;
  }
}

const BOOT_TIME_PREFIX = 'boot@';
/** Seconds of jitter allowed when the boot is identified by its computed time. */
const BOOT_TIME_SLACK_S = 5;

function currentBootId(): string | null {
  try {
    const id = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    if (id !== '') return id;
  } catch {
    // Not Linux: fall back to the boot time.
  }
  const bootSeconds = Math.round(Date.now() / 1000 - uptime());
  return Number.isFinite(bootSeconds) ? `${BOOT_TIME_PREFIX}${bootSeconds}` : null;
}

function sameBoot(a: string, b: string): boolean {
  if (a.startsWith(BOOT_TIME_PREFIX) && b.startsWith(BOOT_TIME_PREFIX)) {
    const diff = Math.abs(Number(a.slice(BOOT_TIME_PREFIX.length)) - Number(b.slice(BOOT_TIME_PREFIX.length)));
    return diff <= BOOT_TIME_SLACK_S;
  }
  return a === b;
}
