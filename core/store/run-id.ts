import { randomBytes } from 'node:crypto';

/**
 * A run id people can read and sort: `YYYYMMDD-HHMMSS-xxxx`, the start time in UTC (so ids
 * sort the same across time zones and daylight-saving changes) and 4 random hex digits.
 */
export function newRunId(now: Date = new Date(), suffix: string = randomBytes(2).toString('hex')): string {
  const pad = (value: number, width = 2) => String(value).padStart(width, '0');
  const date = `${pad(now.getUTCFullYear(), 4)}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}`;
  const time = `${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}${pad(now.getUTCSeconds())}`;
  return `${date}-${time}-${suffix}`;
}

export const RUN_ID_PATTERN = /^\d{8}-\d{6}-[0-9a-f]{4}$/;
