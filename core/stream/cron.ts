/**
 * Five-field cron schedules (minute hour day-of-month month day-of-week), as crontab(5):
 * `*`, lists (`1,15`), ranges (`1-5`), steps (`*\/15`, `10-50/10`), month and weekday names
 * (`jan`, `mon`), 0 or 7 for Sunday, and the macros @hourly, @daily, @weekly, @monthly,
 * @yearly. When both day fields are restricted a day matches either (Vixie cron).
 *
 * Schedules are evaluated in UTC: no daylight-saving gaps or repeats, the same firings on
 * every machine (as Kubernetes CronJobs and GitHub Actions schedules default to).
 */

export class CronError extends Error {
  override readonly name = 'CronError';
}

export interface CronSchedule {
  readonly source: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly days: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 = Sunday … 6 = Saturday (7 is folded into 0). */
  readonly weekdays: ReadonlySet<number>;
  readonly dayRestricted: boolean;
  readonly weekdayRestricted: boolean;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Parses a schedule; a mistake throws a CronError naming the field, e.g. "field 2 (hour) '25' is out of range 0-23". */
export function parseCron(expression: string): CronSchedule {
  const source = expression.trim();
  const expanded = MACROS[source.toLowerCase()] ?? source;
  if (expanded.startsWith('@')) throw new CronError(`unknown macro '${source}'; macros are: ${Object.keys(MACROS).join(', ')}`);
  const parts = expanded.split(/\s+/).filter((part) => part !== '');
  if (parts.length !== 5) {
    throw new CronError(`expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}${parts.length === 0 ? '' : `: '${source}'`}`);
  }
  const sets = parts.map((part, index) => parseField(part, FIELDS[index]!, index + 1));
  const weekdays = new Set([...sets[4]!].map((day) => day % 7));
  return {
    source,
    minutes: sets[0]!,
    hours: sets[1]!,
    days: sets[2]!,
    months: sets[3]!,
    weekdays,
    dayRestricted: !parts[2]!.startsWith('*'),
    weekdayRestricted: !parts[4]!.startsWith('*'),
  };
}

function parseField(text: string, spec: FieldSpec, position: number): Set<number> {
  const fail = (what: string): never => {
    throw new CronError(`field ${position} (${spec.name}) ${what}`);
  };
  const value = (token: string): number => {
    const named = spec.names?.indexOf(token.toLowerCase()) ?? -1;
    if (named >= 0) return named + (spec.min === 1 ? 1 : 0);
    if (!/^\d+$/.test(token)) fail(`'${token}' is not a number${spec.names ? ` or a name (${spec.names.join(', ')})` : ''}`);
    const number = Number(token);
    if (number < spec.min || number > spec.max) fail(`'${token}' is out of range ${spec.min}-${spec.max}`);
    return number;
  };
  const out = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') fail(`'${text}' has an empty list item`);
    const [range, stepText, extra] = item.split('/');
    if (extra !== undefined) fail(`'${item}' has more than one '/'`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) fail(`step '${stepText}' in '${item}' must be a whole number ≥ 1`);
      step = Number(stepText);
    }
    let low: number;
    let high: number;
    if (range === '*') {
      low = spec.min;
      high = spec.max === 7 ? 6 : spec.max;
    } else if (range!.includes('-')) {
      const [from, to, more] = range!.split('-');
      if (more !== undefined || from === '' || to === '') fail(`'${item}' is not a range like 1-5`);
      low = value(from!);
      high = value(to!);
      if (low > high) fail(`range '${range}' goes backwards`);
    } else {
      low = value(range!);
      // `5/15`: from 5 to the end in steps of 15, as Vixie cron reads it.
      high = stepText === undefined ? low : spec.max;
    }
    for (let n = low; n <= high; n += step) out.add(n);
  }
  return out;
}

function matchesDay(schedule: CronSchedule, date: Date): boolean {
  const dayOk = schedule.days.has(date.getUTCDate());
  const weekdayOk = schedule.weekdays.has(date.getUTCDay());
  if (schedule.dayRestricted && schedule.weekdayRestricted) return dayOk || weekdayOk;
  return dayOk && weekdayOk;
}

/** Whether the schedule fires in the minute of `date` (UTC). */
export function cronMatches(schedule: CronSchedule, date: Date): boolean {
  return (
    schedule.minutes.has(date.getUTCMinutes()) &&
    schedule.hours.has(date.getUTCHours()) &&
    schedule.months.has(date.getUTCMonth() + 1) &&
    matchesDay(schedule, date)
  );
}

const MINUTE = 60_000;
/** A schedule that finds no firing within this many years never fires (e.g. 30 February). */
const SEARCH_YEARS = 9;

/**
 * The first firing strictly after `after` (UTC, whole minutes), or null when the schedule
 * never fires (a day that does not exist, like the 30th of February).
 */
export function nextFiring(schedule: CronSchedule, after: Date): Date | null {
  const date = new Date(Math.floor(after.getTime() / MINUTE) * MINUTE + MINUTE);
  const limit = after.getTime() + SEARCH_YEARS * 366 * 24 * 60 * MINUTE;
  while (date.getTime() <= limit) {
    if (!schedule.months.has(date.getUTCMonth() + 1)) {
      date.setUTCMonth(date.getUTCMonth() + 1, 1);
      date.setUTCHours(0, 0, 0, 0);
    } else if (!matchesDay(schedule, date)) {
      date.setUTCDate(date.getUTCDate() + 1);
      date.setUTCHours(0, 0, 0, 0);
    } else if (!schedule.hours.has(date.getUTCHours())) {
      date.setUTCHours(date.getUTCHours() + 1, 0, 0, 0);
    } else if (!schedule.minutes.has(date.getUTCMinutes())) {
      date.setUTCMinutes(date.getUTCMinutes() + 1, 0, 0);
    } else return date;
  }
  return null;
}

/** Whether a firing fell after `since` and at or before `at` (a missed one, when nothing ran then). */
export function firedBetween(schedule: CronSchedule, since: Date, at: Date): boolean {
  const next = nextFiring(schedule, since);
  return next !== null && next.getTime() <= at.getTime();
}
