/**
 * The disk budget: how many bytes of new artifacts one run may write before it stops. It
 * keeps a runaway pipeline (a 5,000-node chain, a loop of large tables) from filling the
 * disk that holds the workspace, the database and often the whole system.
 *
 * A setting is `off`, a size (`500MB`, `2GB`, `1.5GiB`, `1048576`) or a share of the free
 * space at run start (`50%`). A share always leaves a reserve free: 1 GiB, or 10% of the
 * disk on disks smaller than 10 GiB. The default is `50%`.
 */
export const DEFAULT_DISK_BUDGET = '50%';
export const DISK_BUDGET_ENV = 'TENSORLOOM_DISK_BUDGET';

export type DiskBudget = { kind: 'off' } | { kind: 'bytes'; bytes: number } | { kind: 'share'; percent: number };

/** A budget and where it came from, for the message of a run that goes over it. */
export interface DiskBudgetSetting {
  readonly budget: DiskBudget;
  /** e.g. `--disk-budget 2GB`, `TENSORLOOM_DISK_BUDGET=2GB`, or the default's description. */
  readonly source: string;
}

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

export class DiskBudgetError extends Error {
  override readonly name = 'DiskBudgetError';
}

export function parseDiskBudget(text: string): DiskBudget {
  const spec = text.trim().toLowerCase();
  if (spec === 'off' || spec === 'none' || spec === 'unlimited') return { kind: 'off' };
  const share = /^(\d+(?:\.\d+)?)\s*%$/.exec(spec);
  if (share) {
    const percent = Number(share[1]);
    if (percent > 0 && percent <= 100) return { kind: 'share', percent };
  }
  const size = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(spec);
  if (size && UNITS[size[2]!] !== undefined) {
    const bytes = Math.floor(Number(size[1]) * UNITS[size[2]!]!);
    if (Number.isSafeInteger(bytes)) return { kind: 'bytes', bytes };
  }
  throw new DiskBudgetError(`'${text}' is not a disk budget; use a size (500MB, 2GB, 1.5GiB), a share of the free space (50%), or off`);
}

/**
 * The budget's source, in the order a setting wins: the `--disk-budget` flag (or the
 * engine option), then TENSORLOOM_DISK_BUDGET, then the default.
 */
export function resolveDiskBudget(flag: string | undefined, env: string | undefined = process.env[DISK_BUDGET_ENV]): DiskBudgetSetting {
  if (flag !== undefined) return { budget: parseDiskBudget(flag), source: `--disk-budget ${flag}` };
  if (env !== undefined && env.trim() !== '') {
    try {
      return { budget: parseDiskBudget(env), source: `${DISK_BUDGET_ENV}=${env}` };
    } catch (error) {
      throw new DiskBudgetError(`${DISK_BUDGET_ENV}: ${(error as Error).message}`);
    }
  }
  return { budget: parseDiskBudget(DEFAULT_DISK_BUDGET), source: `the default, ${DEFAULT_DISK_BUDGET} of the free space; change it with --disk-budget or ${DISK_BUDGET_ENV}` };
}

const GIB = 1024 ** 3;

/** Bytes left free whatever the share: 1 GiB, or 10% of a disk smaller than 10 GiB. */
export function reserveFor(diskSize: number): number {
  return Math.min(GIB, Math.floor(diskSize * 0.1));
}

/** The run's limit in bytes, from the disk's room at run start; undefined when unlimited (or the OS cannot say). */
export function budgetLimit(budget: DiskBudget, space: { free: number; size: number } | undefined): number | undefined {
  switch (budget.kind) {
    case 'off':
      return undefined;
    case 'bytes':
      return budget.bytes;
    case 'share':
      if (space === undefined) return undefined;
      return Math.max(0, Math.floor(Math.min((space.free * budget.percent) / 100, space.free - reserveFor(space.size))));
  }
}

/** `812 B`, `12.3 KB`, `4.5 MB`, `31.0 GB`: decimal units, like the sizes a setting takes. */
export function formatBytes(bytes: number, decimals = 1): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(decimals)} ${units[unit]}`;
}

/** Two sizes with as many decimals as it takes to tell them apart ("50.01 MB, over 50.00 MB", not "50.0 MB, over 50.0 MB"). */
export function formatBytePair(a: number, b: number): [string, string] {
  for (let decimals = 1; decimals <= 3; decimals += 1) {
    const pair: [string, string] = [formatBytes(a, decimals), formatBytes(b, decimals)];
    if (pair[0] !== pair[1]) return pair;
  }
  return [`${a} B`, `${b} B`];
}
