import { validation } from './errors.js';

/**
 * Scheduled actions' schedules as Application Auto Scaling defines them:
 * `at(yyyy-mm-ddThh:mm:ss)` once, `rate(value unit)` every value minutes,
 * hours or days from the start time, and `cron(minutes hours day-of-month
 * month day-of-week year)` (the EventBridge form: `*`, `?`, `,`, `-`, `/`,
 * `L`, `W`, `#`, month and weekday names, weekdays 1-7 from Sunday). `at` and
 * `cron` are read in the action's IANA time zone (UTC by default), with the
 * zone's offsets from Intl.
 */

export type Schedule =
  | { readonly kind: 'at'; readonly local: LocalTime }
  | { readonly kind: 'rate'; readonly everyMs: number }
  | { readonly kind: 'cron'; readonly cron: Cron };

interface LocalTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

interface Cron {
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly dayOfMonth: DayRule;
  readonly months: ReadonlySet<number>;
  readonly dayOfWeek: DayRule;
  readonly years: ReadonlySet<number> | 'any';
}

type DayRule =
  | { readonly kind: 'any' }
  | { readonly kind: 'set'; readonly values: ReadonlySet<number> }
  | { readonly kind: 'last' }
  | { readonly kind: 'last-weekday-of-month'; readonly weekday: number }
  | { readonly kind: 'nearest-weekday'; readonly day: number }
  | { readonly kind: 'nth-weekday'; readonly weekday: number; readonly nth: number };

const invalidSchedule = (schedule: string) => validation(`Invalid schedule expression: ${schedule}`); // unverified wording

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export function parseSchedule(text: string): Schedule {
  const at = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(text);
  if (at) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as [number, number, number, number, number, number];
    if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) throw invalidSchedule(text);
    return { kind: 'at', local: { year, month, day, hour, minute, second } };
  }
  const rate = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(text);
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2]!.replace(/s$/, '');
    if (value < 1 || (value === 1) !== !rate[2]!.endsWith('s')) throw invalidSchedule(text);
    return { kind: 'rate', everyMs: value * (unit === 'minute' ? 60_000 : unit === 'hour' ? 3_600_000 : 86_400_000) };
  }
  const cron = /^cron\((.*)\)$/.exec(text);
  if (cron) return { kind: 'cron', cron: parseCron(cron[1]!, text) };
  throw invalidSchedule(text);
}

function parseCron(body: string, text: string): Cron {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) throw invalidSchedule(text);
  const [minutes, hours, dom, months, dow, years] = fields as [string, string, string, string, string, string];
  const dayOfMonth = parseDayOfMonth(dom, text);
  const dayOfWeek = parseDayOfWeek(dow, text);
  // One of the day fields must be `?`, as EventBridge requires.
  if ((dayOfMonth.kind === 'any' && dom === '?') === (dayOfWeek.kind === 'any' && dow === '?')) throw invalidSchedule(text);
  return {
    minutes: parseSet(minutes, 0, 59, [], text),
    hours: parseSet(hours, 0, 23, [], text),
    dayOfMonth,
    months: parseSet(months, 1, 12, MONTHS, text),
    dayOfWeek,
    years: years === '*' ? 'any' : parseSet(years, 1970, 2199, [], text),
  };
}

function parseValue(token: string, min: number, names: readonly string[], text: string): number {
  const named = names.indexOf(token.toUpperCase());
  if (named >= 0) return named + min;
  if (!/^\d+$/.test(token)) throw invalidSchedule(text);
  return Number(token);
}

function parseSet(field: string, min: number, max: number, names: readonly string[], text: string): Set<number> {
  const values = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw invalidSchedule(text);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [min, max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [from, to] = [parseValue(a, min, names, text), parseValue(b, min, names, text)];
    } else {
      from = parseValue(range, min, names, text);
      to = stepText === undefined ? from : max;
    }
    if (from < min || to > max || from > to) throw invalidSchedule(text);
    for (let value = from; value <= to; value += step) values.add(value);
  }
  return values;
}

function parseDayOfMonth(field: string, text: string): DayRule {
  if (field === '?' || field === '*') return { kind: 'any' };
  if (field === 'L') return { kind: 'last' };
  const weekday = /^(\d{1,2})W$/.exec(field);
  if (weekday) {
    const day = Number(weekday[1]);
    if (day < 1 || day > 31) throw invalidSchedule(text);
    return { kind: 'nearest-weekday', day };
  }
  return { kind: 'set', values: parseSet(field, 1, 31, [], text) };
}

function parseDayOfWeek(field: string, text: string): DayRule {
  if (field === '?' || field === '*') return { kind: 'any' };
  const last = /^([1-7]|[A-Za-z]{3})L$/.exec(field);
  if (last) return { kind: 'last-weekday-of-month', weekday: parseValue(last[1]!, 1, WEEKDAYS, text) };
  const nth = /^([1-7]|[A-Za-z]{3})#([1-5])$/.exec(field);
  if (nth) return { kind: 'nth-weekday', weekday: parseValue(nth[1]!, 1, WEEKDAYS, text), nth: Number(nth[2]) };
  const values = parseSet(field, 1, 7, WEEKDAYS, text);
  return { kind: 'set', values };
}

/** Throws AWS's error for a zone Intl does not know. */
export function checkTimezone(zone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw validation(`Invalid Timezone: ${zone}`); // unverified wording
  }
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 1 = Sunday ... 7 = Saturday, as cron counts. */
function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC (ms) at `instant`. */
function offsetAt(zone: string, instant: number): number {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, part.value]));
  const local = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return local - Math.floor(instant / 1000) * 1000;
}

/**
 * A wall-clock time in `zone` -> the instant. A time skipped by a DST change
 * moves forward by the gap; a repeated one is its first occurrence.
 */
export function zonedToInstant(local: LocalTime, zone: string): number {
  const wall = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  const before = wall - offsetAt(zone, wall - 86_400_000);
  const candidates = [before, wall - offsetAt(zone, wall + 86_400_000), wall - offsetAt(zone, wall - offsetAt(zone, wall))];
  const matching = candidates.filter((instant) => instant + offsetAt(zone, instant) === wall).sort((a, b) => a - b);
  // In a gap no instant shows this wall time: read it with the offset before the gap, which lands after it.
  return matching[0] ?? before;
}

function dayMatches(rule: DayRule, year: number, month: number, day: number, isDayOfWeek: boolean): boolean {
  const weekday = weekdayOf(year, month, day);
  const last = daysIn(year, month);
  switch (rule.kind) {
    case 'any':
      return true;
    case 'set':
      return rule.values.has(isDayOfWeek ? weekday : day);
    case 'last':
      return day === last;
    case 'last-weekday-of-month':
      return weekday === rule.weekday && day + 7 > last;
    case 'nth-weekday':
      return weekday === rule.weekday && Math.ceil(day / 7) === rule.nth;
    case 'nearest-weekday': {
      const target = Math.min(rule.day, last);
      const targetWeekday = weekdayOf(year, month, target);
      let nearest = target;
      if (targetWeekday === 7) nearest = target === 1 ? 3 : target - 1;
      else if (targetWeekday === 1) nearest = target === last ? target - 2 : target + 1;
      return day === nearest;
    }
  }
}

/** The first instant strictly after `after` at which a cron expression fires in `zone` (within ten years), else undefined. */
function nextCron(cron: Cron, zone: string, after: number): number | undefined {
  const startOffset = offsetAt(zone, after);
  const startLocal = new Date(after + startOffset);
  let year = startLocal.getUTCFullYear();
  let month = startLocal.getUTCMonth() + 1;
  let day = startLocal.getUTCDate();
  const hours = [...cron.hours].sort((a, b) => a - b);
  const minutes = [...cron.minutes].sort((a, b) => a - b);
  for (let i = 0; i < 3700; i++) {
    if ((cron.years === 'any' || cron.years.has(year)) && cron.months.has(month) && dayMatches(cron.dayOfMonth, year, month, day, false) && dayMatches(cron.dayOfWeek, year, month, day, true)) {
      for (const hour of hours) {
        for (const minute of minutes) {
          const instant = zonedToInstant({ year, month, day, hour, minute, second: 0 }, zone);
          if (instant > after) return instant;
        }
      }
    }
    day++;
    if (day > daysIn(year, month)) {
      day = 1;
      month++;
      if (month > 12) {
        month = 1;
        year++;
      }
    }
  }
  return undefined;
}

export interface ScheduleWindow {
  readonly timezone?: string;
  /** Epoch ms: no occurrence before it (rate schedules count from it). */
  readonly startTime?: number;
  /** Epoch ms: no occurrence after it. */
  readonly endTime?: number;
  /** Epoch ms the action was created or last put: rate schedules without a start time count from it. */
  readonly createdAt: number;
}

/** The first occurrence strictly after `after`, inside the window, or undefined when there is none. */
export function nextOccurrence(schedule: Schedule, window: ScheduleWindow, after: number): number | undefined {
  const zone = window.timezone ?? 'UTC';
  const from = Math.max(after, (window.startTime ?? -Infinity) - 1);
  let next: number | undefined;
  if (schedule.kind === 'at') {
    const instant = zonedToInstant(schedule.local, zone);
    next = instant > from ? instant : undefined;
  } else if (schedule.kind === 'rate') {
    const origin = window.startTime ?? window.createdAt;
    const periods = Math.max(1, Math.floor((from - origin) / schedule.everyMs) + 1);
    next = origin + periods * schedule.everyMs;
    if (window.startTime !== undefined && from < origin) next = origin;
  } else {
    next = nextCron(schedule.cron, zone, from);
  }
  if (next === undefined || (window.endTime !== undefined && next > window.endTime)) return undefined;
  return next;
}
